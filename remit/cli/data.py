"""`remit` commands that bring data in: collect, scheduler, import-rpw, import-feed, and
`admin create-key`. Registered on the main app by :func:`register` (remit/cli/main.py)."""

from __future__ import annotations

import errno
import logging
import sqlite3
import time as clock
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn
from rich.table import Table
from sqlalchemy.exc import OperationalError

from api.domain.validation import utc_instant
from remit.cli.common import console, counted, fail, out, read_bytes, readable_file, ready_engine
from remit.cli.databank import import_databank, import_rpw_history
from remit.cli.orgs import org_app

admin_app = typer.Typer(help="Administration: API keys.", no_args_is_help=True)


# -- collect ----------------------------------------------------------------------------------


def collect(
    source: Annotated[
        list[str] | None,
        typer.Option(
            "--source",
            "-s",
            help="Source to run (repeatable): wise, sbp, dab, cbi, ecb, imf, tcmb, cbr. "
            "Default: all (with --corridor: the quote sources).",
        ),
    ] = None,
    corridor: Annotated[
        list[str] | None,
        typer.Option(
            "--corridor",
            "-c",
            help="Only this corridor for quote sources, e.g. GB-PK (repeatable).",
        ),
    ] = None,
    backfill: Annotated[
        bool,
        typer.Option(help="Also fetch history where a source offers it (SBP archive, ECB, TCMB)."),
    ] = False,
) -> None:
    """Run sources now: fetch, validate and store; prints a result per source.

    Exit code 1 if a source failed."""
    from sqlmodel import Session, select

    from api.settings import get_settings
    from api.storage.models import Corridor
    from api.storage.reference import load_reference
    from scrapers.runner import run_sources
    from scrapers.sources import SOURCES, UnknownSource, get_source

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        if source:
            sources = [get_source(name) for name in source]
        elif corridor:
            sources = [s for s in SOURCES.values() if s.kind == "quotes"]
        else:
            sources = list(SOURCES.values())
    except UnknownSource as exc:
        raise fail(str(exc)) from None
    sources = list(dict.fromkeys(sources))
    if not source:  # all sources: leave out the ones not configured, and say so
        settings = get_settings()
        for s in list(sources):
            reason = s.missing_configuration(settings)
            if reason:
                console.print(f"skipped {s.name}: {reason}", highlight=False)
                sources.remove(s)
    engine = ready_engine()
    with Session(engine) as session:
        codes = set(session.exec(select(Corridor.code)))
        if not codes:
            load_reference(session)
            session.commit()
            console.print("loaded the reference data (corridors, providers) into an empty database")
            codes = set(session.exec(select(Corridor.code)))
    wanted = [c.strip().upper() for c in corridor] if corridor else None
    unknown = sorted(set(wanted or []) - codes)
    if unknown:
        raise fail(f"unknown corridor(s) {', '.join(unknown)}; known: {', '.join(sorted(codes))}")

    started = clock.monotonic()
    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.fields[source]:<5}[/]"),
        TextColumn("{task.description}"),
        console=console,
        transient=True,
    ) as progress:
        tasks = {s.name: progress.add_task("waiting", source=s.name, total=None) for s in sources}

        def report(name: str, message: str) -> None:
            progress.update(tasks[name], description=message)

        runs = run_sources(engine, sources, corridors=wanted, backfill=backfill, progress=report)
    elapsed = clock.monotonic() - started

    table = Table(title=f"collection ({elapsed:.1f} s)")
    for column in ("source", "status", "stored", "duplicates", "rejected", "seconds"):
        table.add_column(column, justify="left" if column in ("source", "status") else "right")
    colours = {"ok": "green", "partial": "yellow", "failed": "red"}
    for run in runs:
        seconds = (
            (run.finished_at - run.started_at).total_seconds() if run.finished_at else float("nan")
        )
        table.add_row(
            run.source,
            f"[{colours.get(run.status, 'white')}]{run.status}[/]",
            str(run.rows_stored),
            str(run.rows_duplicate),
            str(run.rows_rejected),
            f"{seconds:.1f}",
        )
    out.print(table)
    for run in runs:
        if run.error:
            out.print(f"[bold]{run.source}[/] ({run.status}): {run.error}", highlight=False)
    if any(run.status == "failed" for run in runs):
        raise typer.Exit(1)


# -- scheduler ----------------------------------------------------------------------------------


def scheduler(
    heartbeat: Annotated[
        float,
        typer.Option(
            min=0.1, envvar="REMIT_SCHEDULER_HEARTBEAT_S", help="Seconds between lock heartbeats."
        ),
    ] = 10.0,
    stale_after: Annotated[
        float,
        typer.Option(
            min=0.5,
            envvar="REMIT_SCHEDULER_STALE_AFTER_S",
            help="SQLite: take the lock over when its heartbeat is this old (seconds).",
        ),
    ] = 60.0,
    first_run_delay: Annotated[
        float,
        typer.Option(
            min=0.0,
            envvar="REMIT_SCHEDULER_FIRST_RUN_DELAY_S",
            help="Seconds before the first due run after taking over.",
        ),
    ] = 10.0,
) -> None:
    """Run the collection scheduler (one active at a time).

    A database lock elects the active scheduler; a second one waits as a standby and
    takes over when the first dies."""
    from scrapers.scheduler import SchedulerService

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    service = SchedulerService(
        ready_engine(),
        heartbeat_s=heartbeat,
        stale_after_s=stale_after,
        first_run_delay_s=first_run_delay,
    )
    service.run_forever()


# -- imports --------------------------------------------------------------------------------


def import_rpw(
    file: Annotated[
        Path,
        typer.Argument(
            help="The World Bank RPW workbook (.xlsx), or RPW row-level survey prices "
            "(.json or .csv, e.g. data/reference/uk_q3_2025_rpw_rows_pk_bd.json)."
        ),
    ],
) -> None:
    """Import World Bank RPW data: the workbook, or row-level survey prices.

    The workbook's sheet `Dataset (from Q2 2016)` becomes RPW observations for the trends.
    Row-level survey prices (JSON or CSV) become survey-tier quotes shown, dated, on the
    comparison. Re-importing the same file changes nothing; a malformed file stores nothing.
    Exit code 1 if every row was rejected, 2 if the file cannot be read."""
    path = readable_file(file)
    if path.suffix.lower() in {".json", ".csv"}:
        _import_rpw_survey(path)
        return
    from api.ingestion.formats import ParseError
    from api.services.ingest import import_rpw as run_import
    from api.services.ingest import rpw_rows_declared
    from api.storage.db import session_scope

    engine = ready_engine()
    total = rpw_rows_declared(path)
    try:
        with (
            counted("reading rows", "rows", (total - 1) if total else None) as update,
            session_scope(engine) as session,
        ):
            report = run_import(session, path, progress=update)
    except ParseError as exc:
        raise fail(f"{path}: {exc}") from None
    except OSError as exc:
        raise fail(f"{path}: {exc.strerror or exc}") from None
    out.print(
        f"{report.read} rows read: {report.stored} stored ({report.served} on our corridors), "
        f"{report.duplicates} already imported, {len(report.rejected)} rejected",
        highlight=False,
    )
    if report.rejected:
        table = Table(title="rejected rows")
        for column in ("sheet row", "column", "reason"):
            table.add_column(column)
        for r in report.rejected[:50]:
            table.add_row(str(r.sheet_row), r.column, r.reason)
        out.print(table)
        if len(report.rejected) > 50:
            out.print(f"… and {len(report.rejected) - 50} more")
    if report.rejected and report.stored + report.duplicates == 0:
        raise fail(f"{path}: every row was rejected; nothing imported", code=1)


def _import_rpw_survey(path: Path) -> None:
    from api.ingestion.formats import ParseError
    from api.services.ingest import import_rpw_survey
    from api.storage.db import session_scope
    from api.storage.types import utcnow

    content = read_bytes(path)
    engine = ready_engine()
    try:
        with (
            counted("storing survey prices", "offers") as update,
            session_scope(engine) as session,
        ):
            report = import_rpw_survey(
                session, content, utcnow(), url=f"file:{path.name}", progress=update
            )
    except ParseError as exc:
        raise fail(f"{path}: {exc}") from None
    out.print(
        f"{report.offers} survey offers read: {report.quotes_stored} stored as survey prices, "
        f"{report.quotes_duplicate} already imported, {len(report.rejected)} rejected, "
        f"{len(report.skipped)} not on our corridors or providers; "
        f"{report.observations_stored} RPW service rows added for the trends",
        highlight=False,
    )
    for line in (report.rejected + report.skipped)[:20]:
        out.print(f"  {line}", highlight=False)
    if report.offers and not report.quotes_stored and not report.quotes_duplicate:
        raise fail(f"{path}: no survey offer could be stored", code=1)


def import_feed(
    file: Annotated[
        Path, typer.Argument(help="A provider feed, CSV or JSON (docs/feed-format.md).")
    ],
) -> None:
    """Import a provider price feed (CSV or JSON).

    The whole file is checked before anything is stored; accepted rows are then stored in
    batches of 2,000 that each commit (readers are never held up; a killed import is
    finished by importing the same file again). Every rejected row is listed with its
    line, field and reason. Exit code 1 if any row was rejected, 2 if the file cannot be
    read as a feed."""
    from api.services.ingest import FeedError
    from api.services.ingest import import_feed as run_import
    from api.storage.db import session_scope
    from api.storage.types import utcnow

    path = file
    content = read_bytes(path)
    engine = ready_engine()
    try:
        with storage_errors(), session_scope(engine) as session:
            report = run_import(session, content, filename=path.name, now=utcnow())
    except FeedError as exc:
        raise fail(f"{path}: {exc}") from None
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    if report.rejected:
        table = Table(title=f"rejected rows ({report.rejected_rows})")
        for column in ("line", "field", "reason"):
            table.add_column(column)
        for r in report.rejected:
            table.add_row(str(r.line), r.field, r.reason)
        out.print(table)
    out.print(
        f"{report.filename} ({report.format}): {report.rows} rows, {report.stored} stored, "
        f"{report.duplicates} already stored, {report.rejected_rows} rejected",
        highlight=False,
    )
    if report.rejected:
        raise typer.Exit(1)


# -- admin ----------------------------------------------------------------------------------


@admin_app.command("create-key")
def create_key(
    name: Annotated[str, typer.Argument(help="Who or what the key is for, e.g. 'acme-feed'.")],
    scope: Annotated[
        list[str] | None,
        typer.Option(
            "--scope",
            help="What the key may do (repeatable or comma separated): read (collector status, "
            "metrics), ingest (feeds and quotes), orgs (organisations). Default: read.",
        ),
    ] = None,
    expires: Annotated[
        str | None,
        typer.Option(
            help="When the key stops working: a date (2027-06-30, end of that day UTC), an "
            "ISO datetime with a timezone, or a duration such as 90d or 12h. Default: never.",
        ),
    ] = None,
) -> None:
    """Create an admin API key (header X-API-Key).

    The key is printed once; only its keyed hash (HMAC with REMIT_SECRET_KEY) is stored."""
    from sqlmodel import Session

    from api.services.auth import new_api_key, parse_scopes
    from api.settings import get_settings
    from api.storage.types import utcnow

    now = utcnow()
    try:
        scopes = parse_scopes(scope or ["read"])
        expires_at = parse_expiry(expires, now) if expires else None
    except ValueError as exc:
        raise fail(str(exc)) from None
    engine = ready_engine()
    with storage_errors(), Session(engine) as session:
        try:
            key = new_api_key(
                session, name, now, get_settings(), scopes=scopes, expires_at=expires_at
            )
        except ValueError as exc:
            raise fail(str(exc)) from None
    until = f", expires {expires_at.isoformat()}" if expires_at else ""
    console.print(
        f"API key for {name!r} (scopes {' '.join(sorted(scopes))}{until}; shown once, only "
        "its keyed hash is stored):",
        highlight=False,
    )
    out.print(key, highlight=False, soft_wrap=True)


@admin_app.command("revoke-key")
def revoke_key(
    key: Annotated[
        str,
        typer.Argument(help="The key itself (remit_…), or the name it was created with."),
    ],
) -> None:
    """Revoke an admin API key: the leaked key itself, or every key of a name."""
    from sqlmodel import Session

    from api.settings import get_settings
    from api.storage.apikeys import revoke_keys

    engine = ready_engine()
    with storage_errors(), Session(engine) as session:
        names = revoke_keys(session, key.strip(), get_settings().secret_key)
        session.commit()
    if not names:
        raise fail("no unrevoked key matches (give the key itself or the name it was created with)")
    shown = ", ".join(sorted(set(names)))
    out.print(f"revoked {len(names)} key(s): {shown}", highlight=False)


@contextmanager
def storage_errors() -> Iterator[None]:
    """A full disk (or a database file that cannot be written) is a clear CLI error."""
    try:
        yield
    except (OSError, sqlite3.Error, OperationalError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0][:200]
        if (isinstance(exc, OSError) and exc.errno == errno.ENOSPC) or "full" in reason.lower():
            raise fail(f"the disk is full ({reason}): nothing was stored") from None
        raise fail(f"the database cannot be written: {reason}; nothing was stored") from None


def parse_expiry(value: str, now: datetime) -> datetime:
    """`--expires`: 2027-06-30 (end of that day, UTC), an aware ISO datetime, or 90d/12h."""
    text = value.strip()
    units = {"d": 86400, "h": 3600}
    if len(text) >= 2 and text[-1] in units and text[:-1].isdigit() and len(text) <= 6:
        return (now + timedelta(seconds=int(text[:-1]) * units[text[-1]])).replace(microsecond=0)
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day, time.max, tzinfo=UTC).replace(microsecond=0)
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"--expires: {value!r} is not a date, an ISO datetime or a duration like 90d"
        ) from None
    if parsed.tzinfo is None:
        raise ValueError("--expires: the datetime needs a timezone, e.g. 2027-06-30T12:00Z")
    instant = utc_instant(parsed)
    if instant is None:
        raise ValueError(f"--expires: {value!r} is outside the range of dates in UTC")
    return instant


def register(app: typer.Typer) -> None:
    admin_app.add_typer(org_app, name="org")
    app.command("collect")(collect)
    app.command("scheduler")(scheduler)
    app.command("import-rpw")(import_rpw)
    app.command("import-databank")(import_databank)
    app.command("import-rpw-history")(import_rpw_history)
    app.command("import-feed")(import_feed)
    app.add_typer(admin_app, name="admin")
