"""Price alerts: fire on a live price the family can get, never on survey, sample or
mid-market rates.

`check_alerts` runs after collections (`remit messages check`, and the scheduler when it
runs): in one transaction it reads each alert's route from the comparison, writes a message
to the outbox for every alert whose best live fresh offer delivers at least its threshold
and that has not fired in the last 12 hours, stamps the alert, removes expired alerts, and
adds an entry to a route's Atom feed when its best offer changed. The delivery workers
(api/services/delivery.py) send the outbox."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlmodel import Session, col, select

from api.domain import smstext
from api.domain.msgparse import Route
from api.services.compare import BadRequest, NotFound, RankedQuote
from api.services.messages import links_base, ranked, route_code, short_link
from api.storage import messages as store
from api.storage.message_models import FeedEntry, MsgAlert, MsgContact
from api.storage.models import Corridor
from api.storage.personal import sign, unsign
from api.storage.pricebook import LIVE

REFIRE_AFTER = timedelta(hours=12)
UNCONFIRMED_FOR = timedelta(days=7)
EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9.-]{1,255}\.[A-Za-z]{2,63}$")


def best_live(quotes: list[RankedQuote]) -> RankedQuote | None:
    """The first offer (in the comparison's order, by what the family receives) that is a
    live price collected within the route's freshness window: not sample, not survey."""
    for q in quotes:
        if q.tier == LIVE and not q.quote.sample and not q.priced.stale:
            return q
    return None


@dataclass
class CheckReport:
    checked: int = 0
    fired: int = 0
    expired: int = 0
    feed_entries: int = 0


def _route(c: Corridor) -> Route:
    return Route(c.from_country, c.to_country, c.send_currency, c.receive_currency_list()[0])


def alert_text(lang: str, q: RankedQuote, route: Route, amount: Decimal) -> str:
    return smstext.text(
        "alert_fired",
        lang,
        provider=q.provider.name,
        amount=smstext.plain_amount(amount),
        ccy=route.send_currency,
        received=smstext.whole(q.received),
        rccy=route.receive_currency,
        route=route_code(route),
        link=short_link(route, amount, lang),
    )


def check_alerts(session: Session, now: datetime) -> CheckReport:
    """One check of every alert and feed (the caller commits: outbox rows and alert stamps
    are written in the same transaction as the check that decided them)."""
    report = CheckReport(expired=store.delete_expired_alerts(session, now))
    _forget_unconfirmed(session, now)
    corridors = {c.code: c for c in session.exec(select(Corridor)).all() if c.receive_currencies}
    best: dict[tuple[str, Decimal], RankedQuote | None] = {}

    def best_for(code: str, amount: Decimal) -> RankedQuote | None:
        key = (code, amount)
        if key not in best:
            try:
                result = ranked(session, _route(corridors[code]), amount, now)
            except (BadRequest, NotFound):
                best[key] = None
            else:
                best[key] = best_live(result.quotes)
        return best[key]

    for alert, contact in store.alerts_to_check(session, now):
        report.checked += 1
        if alert.corridor_code not in corridors:
            continue
        if alert.last_fired_at is not None and now - alert.last_fired_at < REFIRE_AFTER:
            continue
        q = best_for(alert.corridor_code, alert.amount)
        if q is None or q.received < alert.threshold:
            continue
        route = _route(corridors[alert.corridor_code])
        body = alert_text(contact.lang, q, route, alert.amount)
        subject = ""
        if contact.channel == "email":
            assert contact.id is not None
            body += "\n\n" + unsubscribe_line(contact.id)
            subject = f"{q.provider.name}: {smstext.whole(q.received)} {route.receive_currency}"
        assert contact.id is not None
        store.enqueue(session, contact.id, "alert", body, now, subject)
        alert.last_fired_at = now
        session.add(alert)
        report.fired += 1

    for code, corridor in sorted(corridors.items()):
        if corridor.basket_200 is None:
            continue
        q = best_for(code, corridor.basket_200)
        if q is None:
            continue
        last = store.last_feed_entry(session, code)
        if last is not None and last.provider == q.provider.name and last.received == q.received:
            continue
        session.add(
            FeedEntry(
                corridor_code=code,
                at=now,
                provider=q.provider.name,
                amount=corridor.basket_200,
                send_currency=corridor.send_currency,
                received=q.received,
                receive_currency=_route(corridor).receive_currency,
                collected_at=q.quote.collected_at,
            )
        )
        report.feed_entries += 1
    session.flush()
    return report


def _forget_unconfirmed(session: Session, now: datetime) -> None:
    stale = session.exec(
        select(MsgContact.id).where(
            col(MsgContact.confirmed).is_(False), col(MsgContact.created_at) < now - UNCONFIRMED_FOR
        )
    ).all()
    for contact_id in stale:
        if contact_id is not None:
            store.delete_contact(session, contact_id)


# -- email alerts (the /alerts page) -------------------------------------------------------------


class BadAlert(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def link(path: str, base: str | None = None) -> str:
    return links_base(base) + path


def unsubscribe_line(contact_id: int, base: str | None = None) -> str:
    return "To stop and delete your address: " + link(
        f"/alerts/unsubscribe?t={sign('stop', str(contact_id))}", base
    )


def subscribe_email(
    session: Session,
    email: str,
    corridor_code: str,
    amount: Decimal,
    threshold: Decimal,
    lang: str,
    now: datetime,
    base: str | None = None,
) -> None:
    """Store an unconfirmed alert and queue the confirmation email (double opt-in). The
    alert fires only once the link in it was followed."""
    address = email.strip().lower()
    if not EMAIL.match(address):
        raise BadAlert("email", "is not an email address")
    corridor = session.get(Corridor, corridor_code.upper())
    if corridor is None or not corridor.receive_currencies:
        raise BadAlert("route", "is not a route we compare")
    if amount <= 0 or amount > Decimal(1_000_000):
        raise BadAlert("amount", "must be greater than 0")
    if threshold <= 0:
        raise BadAlert("threshold", "must be greater than 0")
    route = _route(corridor)
    contact = store.save_contact(session, "email", address, lang, now, confirmed=False)
    alert = store.save_alert(
        session,
        contact,
        corridor.code,
        amount.normalize(),
        route.send_currency,
        route.receive_currency,
        threshold.normalize(),
        now,
    )
    assert contact.id is not None and alert.id is not None
    confirm = link(f"/alerts/confirm?t={sign('confirm', str(contact.id))}", base)
    body = (
        f"Please confirm your price alert: {smstext.plain_amount(alert.amount)} "
        f"{route.send_currency} {corridor.code}, when a live price delivers at least "
        f"{smstext.whole(alert.threshold)} {route.receive_currency}.\n\n"
        f"Confirm: {confirm}\n\nIf you did not ask for this, ignore this email: the address "
        f"is deleted after 7 days.\n{unsubscribe_line(contact.id, base)}"
    )
    store.enqueue(session, contact.id, "confirm", body, now, "Confirm your price alert")


def confirm_email(session: Session, token: str) -> bool:
    contact_id = unsign("confirm", token)
    contact = session.get(MsgContact, int(contact_id)) if contact_id else None
    if contact is None:
        return False
    contact.confirmed = True
    session.add(contact)
    return True


def unsubscribe(session: Session, token: str) -> bool:
    contact_id = unsign("stop", token)
    if not contact_id:
        return False
    store.delete_contact(session, int(contact_id))
    return True


__all__ = ["MsgAlert", "check_alerts", "confirm_email", "subscribe_email", "unsubscribe"]
