"""Delivery workers: send the outbox through the gateways, losing nothing and sending
nothing twice.

A worker claims due rows (`FOR UPDATE SKIP LOCKED` on PostgreSQL; one worker on SQLite)
and commits the claim (status `sending`) before calling the gateway, then records the
gateway's answer. A worker killed in between leaves its rows `sending`: once their lease
(REMIT_MESSAGE_CLAIM_LEASE_S) has passed another worker takes them over and first asks the
gateway whether the message was accepted (Twilio's message list); only if not is it sent
again. Failures are retried with exponential backoff up to REMIT_MESSAGE_MAX_ATTEMPTS."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine

from api.services.gateways import GatewayError, Sent, SmsGateway, SmtpGateway
from api.settings import Settings
from api.storage import messages as store
from api.storage.db import session_scope
from api.storage.types import utcnow

log = logging.getLogger("remit.delivery")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class DeliveryReport:
    sent: int = 0
    reconciled: int = 0  # found already accepted by the gateway after a worker died
    retried: int = 0
    failed: int = 0


def backoff(settings: Settings, attempts: int) -> timedelta:
    return timedelta(seconds=settings.message_backoff_base_s * 2 ** max(0, attempts - 1))


async def _send_one(
    item: store.Claimed, sms: SmsGateway, email: SmtpGateway, now: datetime
) -> tuple[Sent, bool]:
    """(what the gateway answered, whether it was found already sent)."""
    if item.channel == "email":
        return await asyncio.to_thread(
            email.send, item.address, item.subject, item.body, item.id, now
        ), False
    if item.in_doubt_since is not None:
        ref = await sms.find_sent(item.channel, item.address, item.body, item.in_doubt_since)
        if ref is not None:
            return Sent(ref, "found at gateway"), True
    return await sms.send(item.channel, item.address, item.body), False


SmsFactory = Callable[[Settings], SmsGateway]


def deliver_batch(
    engine: Engine,
    settings: Settings,
    worker: str,
    sms: SmsFactory,
    now: Callable[[], datetime] = utcnow,
    limit: int = 10,
) -> DeliveryReport:
    """Claim up to `limit` due rows and deliver them."""
    lease = timedelta(seconds=settings.message_claim_lease_s)
    with session_scope(engine) as session:
        claimed = store.claim(session, worker, now(), lease, limit)
    report = DeliveryReport()
    if claimed:
        asyncio.run(_deliver(engine, settings, worker, sms, now, claimed, report))
    return report


async def _deliver(
    engine: Engine,
    settings: Settings,
    worker: str,
    make_sms: SmsFactory,
    now: Callable[[], datetime],
    claimed: list[store.Claimed],
    report: DeliveryReport,
) -> None:
    sms, email = make_sms(settings), SmtpGateway(settings)
    try:
        for item in claimed:
            try:
                sent, found = await _send_one(item, sms, email, now())
            except GatewayError as exc:
                retry = not exc.permanent and item.attempts < settings.message_max_attempts
                at = now() + backoff(settings, item.attempts) if retry else None
                with session_scope(engine) as session:
                    store.record(session, item.id, worker, "failed", exc.answer, None, now(), at)
                if retry:
                    report.retried += 1
                else:
                    report.failed += 1
                log.warning("outbox %d: %s (attempt %d)", item.id, exc.answer, item.attempts)
                continue
            with session_scope(engine) as session:
                store.record(session, item.id, worker, "sent", sent.answer, sent.ref, now())
            report.reconciled += found
            report.sent += not found
    finally:
        await sms.aclose()


def run_worker(
    engine: Engine,
    settings: Settings,
    sms: SmsFactory,
    *,
    until_empty: bool = False,
    poll_s: float = 2.0,
    worker: str | None = None,
) -> DeliveryReport:
    """Deliver until stopped, or (`until_empty`) until nothing is pending or in flight."""
    name = worker or worker_name()
    total = DeliveryReport()
    while True:
        got = deliver_batch(engine, settings, name, sms)
        for field in ("sent", "reconciled", "retried", "failed"):
            setattr(total, field, getattr(total, field) + getattr(got, field))
        if got.sent or got.reconciled or got.retried or got.failed:
            continue
        if until_empty:
            with session_scope(engine) as session:
                if store.outstanding(session) == 0:
                    return total
        time.sleep(poll_s)
