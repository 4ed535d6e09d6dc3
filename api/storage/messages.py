"""Storage for answers by message and alerts: contacts, alerts, the outbox and the feed.

Delivery workers claim outbox rows with `FOR UPDATE SKIP LOCKED` on PostgreSQL (so several
workers never take the same row); on SQLite one worker runs. A claim is committed before the
gateway is called: a row left `sending` by a worker that died is *in doubt* and is
reconciled with the gateway before it is sent again (api/services/delivery.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import delete, func, or_, update
from sqlmodel import Session, col, select

from api.storage.message_models import FeedEntry, MsgAlert, MsgContact, MsgOutbox
from api.storage.personal import decrypt, encrypt, lookup_hash

ALERT_LIFETIME = timedelta(days=90)
MESSAGE_TABLES = (MsgOutbox, MsgAlert, MsgContact)  # what one contact can own


def find_contact(session: Session, channel: str, address: str) -> MsgContact | None:
    return session.exec(
        select(MsgContact).where(MsgContact.lookup == lookup_hash(channel, address))
    ).first()


def save_contact(
    session: Session, channel: str, address: str, lang: str, now: datetime, *, confirmed: bool
) -> MsgContact:
    contact = find_contact(session, channel, address)
    if contact is None:
        contact = MsgContact(
            channel=channel,
            lookup=lookup_hash(channel, address),
            address_enc=encrypt(address),
            lang=lang,
            confirmed=confirmed,
            created_at=now,
        )
    else:
        contact.channel, contact.lang = channel, lang
        contact.confirmed = contact.confirmed or confirmed
    session.add(contact)
    session.flush()
    return contact


def address_of(contact: MsgContact) -> str:
    return decrypt(contact.address_enc)


def save_alert(
    session: Session,
    contact: MsgContact,
    corridor_code: str,
    amount: Decimal,
    send_currency: str,
    receive_currency: str,
    threshold: Decimal,
    now: datetime,
) -> MsgAlert:
    """A new alert, or the same one renewed for another 90 days."""
    alert = session.exec(
        select(MsgAlert).where(
            MsgAlert.contact_id == contact.id,
            MsgAlert.corridor_code == corridor_code,
            MsgAlert.amount == amount,
            MsgAlert.threshold == threshold,
        )
    ).first()
    if alert is None:
        assert contact.id is not None
        alert = MsgAlert(
            contact_id=contact.id,
            corridor_code=corridor_code,
            amount=amount,
            send_currency=send_currency,
            receive_currency=receive_currency,
            threshold=threshold,
            created_at=now,
            expires_at=now + ALERT_LIFETIME,
        )
    else:
        alert.expires_at = now + ALERT_LIFETIME
    session.add(alert)
    session.flush()
    return alert


def delete_contact(session: Session, contact_id: int) -> None:
    """Everything held for one number or address, in one transaction."""
    session.execute(delete(MsgOutbox).where(col(MsgOutbox.contact_id) == contact_id))
    session.execute(delete(MsgAlert).where(col(MsgAlert.contact_id) == contact_id))
    session.execute(delete(MsgContact).where(col(MsgContact.id) == contact_id))


def delete_expired_alerts(session: Session, now: datetime) -> int:
    result = session.execute(delete(MsgAlert).where(col(MsgAlert.expires_at) <= now))
    return int(getattr(result, "rowcount", 0) or 0)


def alerts_to_check(session: Session, now: datetime) -> list[tuple[MsgAlert, MsgContact]]:
    """Confirmed, unexpired alerts, locked for this check on PostgreSQL (a second checker
    running at the same time skips them, so an alert cannot fire twice)."""
    stmt = (
        select(MsgAlert, MsgContact)
        .join(MsgContact, col(MsgContact.id) == MsgAlert.contact_id)
        .where(col(MsgContact.confirmed), col(MsgAlert.expires_at) > now)
        .order_by(col(MsgAlert.id))
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, of=MsgAlert)
    return [(a, c) for a, c in session.exec(stmt).all()]


def enqueue(
    session: Session, contact_id: int, kind: str, body: str, now: datetime, subject: str = ""
) -> MsgOutbox:
    row = MsgOutbox(
        contact_id=contact_id,
        kind=kind,
        subject=subject,
        body=body,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class Claimed:
    id: int
    channel: str
    address: str
    subject: str
    body: str
    in_doubt_since: datetime | None  # a dead worker's claim: maybe sent already
    attempts: int


def claim(
    session: Session, worker: str, now: datetime, lease: timedelta, limit: int = 10
) -> list[Claimed]:
    """Take up to `limit` due rows for `worker` (the caller commits at once)."""
    due = or_(
        (col(MsgOutbox.status) == "pending") & (col(MsgOutbox.next_attempt_at) <= now),
        (col(MsgOutbox.status) == "sending") & (col(MsgOutbox.claimed_at) <= now - lease),
    )
    stmt = (
        select(MsgOutbox, MsgContact)
        .join(MsgContact, col(MsgContact.id) == MsgOutbox.contact_id)
        .where(due)
        .order_by(col(MsgOutbox.id))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, of=MsgOutbox)
    claimed: list[Claimed] = []
    for row, contact in session.exec(stmt).all():
        in_doubt = row.claimed_at if row.status == "sending" else None
        row.status, row.claimed_by, row.claimed_at = "sending", worker, now
        row.attempts += 1
        session.add(row)
        assert row.id is not None
        claimed.append(
            Claimed(
                row.id,
                contact.channel,
                address_of(contact),
                row.subject,
                row.body,
                in_doubt,
                row.attempts,
            )
        )
    session.flush()
    return claimed


def record(
    session: Session,
    row_id: int,
    worker: str,
    status: str,
    answer: str | None,
    ref: str | None,
    now: datetime,
    retry_at: datetime | None = None,
) -> None:
    """The gateway's answer for a row this worker holds (a row deleted meanwhile by STOP,
    or taken over by another worker, is left alone)."""
    values: dict[str, object] = {"gateway_status": (answer or "")[:64] or None}
    if status == "sent":
        values.update(status="sent", gateway_ref=ref, sent_at=now)
    elif retry_at is not None:
        values.update(status="pending", next_attempt_at=retry_at, claimed_by=None)
    else:
        values.update(status="failed")
    session.execute(
        update(MsgOutbox)
        .where(col(MsgOutbox.id) == row_id, col(MsgOutbox.claimed_by) == worker)
        .values(**values)
    )


def outstanding(session: Session) -> int:
    """Rows not yet sent or given up."""
    return int(
        session.exec(
            select(func.count())
            .select_from(MsgOutbox)
            .where(col(MsgOutbox.status).in_(("pending", "sending")))
        ).one()
    )


# -- the feed -------------------------------------------------------------------------------------


def last_feed_entry(session: Session, corridor_code: str) -> FeedEntry | None:
    return session.exec(
        select(FeedEntry)
        .where(FeedEntry.corridor_code == corridor_code)
        .order_by(col(FeedEntry.at).desc(), col(FeedEntry.id).desc())
        .limit(1)
    ).first()


def feed_entries(session: Session, corridor_code: str, limit: int = 50) -> list[FeedEntry]:
    return list(
        session.exec(
            select(FeedEntry)
            .where(FeedEntry.corridor_code == corridor_code)
            .order_by(col(FeedEntry.at).desc(), col(FeedEntry.id).desc())
            .limit(limit)
        ).all()
    )


# -- totals for /metrics (no personal data) -------------------------------------------------------


@dataclass(frozen=True)
class MessageTotals:
    contacts: dict[str, int]  # channel -> count
    alerts: int
    outbox: dict[str, int]  # status -> count


def totals(session: Session) -> MessageTotals:
    contacts = dict(
        session.exec(
            select(MsgContact.channel, func.count()).group_by(col(MsgContact.channel))
        ).all()
    )
    alerts = int(session.exec(select(func.count()).select_from(MsgAlert)).one())
    outbox = dict(
        session.exec(select(MsgOutbox.status, func.count()).group_by(col(MsgOutbox.status))).all()
    )
    return MessageTotals(contacts, alerts, outbox)
