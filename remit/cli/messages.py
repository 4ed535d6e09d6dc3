"""`remit messages check|deliver`: price alerts and the delivery workers (docs/messages.md).
Registered by remit/cli/main.py."""

from __future__ import annotations

from typing import Annotated

import typer

from remit.cli.common import out, ready_engine

messages_app = typer.Typer(help="Price alerts and message delivery.", no_args_is_help=True)


@messages_app.command("check")
def check() -> None:
    """Check every alert against the live prices now (outbox rows are written in the same
    transaction) and update the routes' Atom feeds."""
    from api.services.alerts import check_alerts
    from api.storage.db import session_scope
    from api.storage.types import utcnow

    engine = ready_engine()
    with session_scope(engine) as session:
        report = check_alerts(session, utcnow())
    out.print(
        f"alerts checked: {report.checked}, fired: {report.fired}, expired: {report.expired}; "
        f"feed entries added: {report.feed_entries}"
    )


@messages_app.command("deliver")
def deliver(
    until_empty: Annotated[
        bool, typer.Option("--until-empty", help="Stop when nothing is left to send.")
    ] = False,
    poll: Annotated[float, typer.Option("--poll", help="Seconds between looks.")] = 2.0,
    worker: Annotated[
        str | None, typer.Option("--worker", help="Worker name (default host:pid).")
    ] = None,
) -> None:
    """Run a delivery worker: send the outbox by SMS, WhatsApp and email. Several may run on
    PostgreSQL; run one on SQLite."""
    from api.services.delivery import run_worker
    from api.settings import get_settings
    from scrapers.twilio import TwilioGateway

    engine = ready_engine()
    report = run_worker(
        engine,
        get_settings(),
        TwilioGateway,
        until_empty=until_empty,
        poll_s=poll,
        worker=worker,
    )
    out.print(
        f"sent: {report.sent}, found already sent: {report.reconciled}, "
        f"to retry: {report.retried}, failed: {report.failed}"
    )
