"""`remit`: the command line. Every command has --help; long work shows a progress bar."""

from __future__ import annotations

import logging
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from pydantic_settings.exceptions import SettingsError
from rich.console import Console

from api.settings import get_settings
from api.storage.db import get_engine, session_scope
from api.storage.migrate import upgrade
from api.storage.types import utcnow
from remit.cli.data import register as register_data_commands
from remit.cli.export import export_app
from remit.cli.lessons import lessons_app

app = typer.Typer(
    help="silkroutes-remit: remittance cost comparison for the Silk Routes corridors.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema commands.", no_args_is_help=True)
app.add_typer(db_app, name="db")
register_data_commands(app)
app.add_typer(lessons_app, name="lessons")
app.add_typer(export_app, name="export")
console = Console(stderr=True)
out = Console(soft_wrap=True)  # results are not wrapped: paths and figures stay whole


def fail(message: str, code: int = 2) -> typer.Exit:
    console.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


@app.callback()
def _check_settings() -> None:
    """silkroutes-remit: remittance cost comparison for the Silk Routes corridors."""
    try:
        get_settings()
    except (ValidationError, SettingsError) as exc:
        raise fail(f"invalid settings: {_settings_problem(exc)}") from None


def _settings_problem(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"REMIT_{'_'.join(str(p) for p in e['loc']).upper() or 'ENV'}: {e['msg']}"
            if e["loc"]
            else str(e["msg"]).removeprefix("Value error, ")
            for e in exc.errors()
        )
    return str(exc)


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Alembic revision to upgrade to.")] = "head",
) -> None:
    """Create or upgrade the database schema (Alembic migrations)."""
    settings = get_settings()
    upgrade(get_engine(), revision)
    out.print(f"database upgraded to {revision}: {_safe_url(settings.database_url)}")


@db_app.command("backup")
def db_backup(
    file: Annotated[Path, typer.Argument(help="Where to write the backup.")],
) -> None:
    """Back up the database to FILE while the service runs.

    SQLite: its online backup API (a consistent copy). PostgreSQL: pg_dump, custom format."""
    from api.storage.backup import BackupError, backup

    settings = get_settings()
    try:
        backup(settings.database_url, file)
    except (BackupError, OSError, sqlite3.Error) as exc:
        raise fail(f"backup failed: {exc}") from None
    size = file.stat().st_size
    out.print(f"backed up {_safe_url(settings.database_url)} to {file} ({size:,} bytes)")


@db_app.command("restore")
def db_restore(
    file: Annotated[Path, typer.Argument(help="A file written by `remit db backup`.")],
    yes: Annotated[
        bool, typer.Option("--yes", help="Replace the database's contents without asking.")
    ] = False,
) -> None:
    """Replace the database's contents with a backup, then upgrade its schema.

    Stop `remit serve` and `remit scheduler` first. SQLite: the backup API; PostgreSQL:
    pg_restore --clean in one transaction (all or nothing)."""
    from api.storage.backup import BackupError, restore

    settings = get_settings()
    where = _safe_url(settings.database_url)
    if not yes and not typer.confirm(f"replace everything in {where} with {file}?"):
        raise fail("nothing restored", code=1)
    try:
        restore(settings.database_url, file)
    except (BackupError, OSError, sqlite3.Error) as exc:
        raise fail(f"restore failed: {exc}") from None
    get_engine().dispose()
    upgrade(get_engine())
    out.print(f"restored {where} from {file}")


def _safe_url(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


@app.command()
def demo(
    if_empty: Annotated[
        bool,
        typer.Option(
            "--if-empty",
            help="Only load into a database without collected quotes; refresh stale sample quotes.",
        ),
    ] = False,
) -> None:
    """Load reference data, the recorded central-bank rates and SAMPLE quotes (not live prices)."""
    from scrapers.demo import describe, ensure_demo, load_demo

    engine = get_engine()
    upgrade(engine)
    now = utcnow()
    with session_scope(engine) as session, console.status("loading demo data…"):
        if if_empty:
            message = ensure_demo(session, now, timedelta(hours=get_settings().fresh_hours))
        else:
            message = describe(load_demo(session, now))
    out.print(message)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1, max=64)] = 1,
    scheduler: Annotated[
        bool, typer.Option(help="Run the collection scheduler in-process (single worker only).")
    ] = True,
) -> None:
    """Serve the web app and the API (and, with one worker, the scheduler)."""
    import uvicorn

    from api.http.serving import uvicorn_options

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    log = logging.getLogger("remit.serve")
    _refuse_unsafe_workers(workers)
    upgrade(get_engine())
    if not scheduler:
        log.info("collection scheduler off: serving stored data (start it with `remit scheduler`)")
    elif workers == 1:
        from scrapers.scheduler import start_in_process

        start_in_process()
        log.info("scheduler running in-process (single worker)")
    else:
        log.warning(
            "%d workers: the scheduler does not run in-process; start it with `remit scheduler`",
            workers,
        )
    made = _share_metrics(log) if workers > 1 else None
    try:
        uvicorn.run(
            "remit.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            # X-Forwarded-* are read by the app, and only from REMIT_TRUSTED_PROXIES
            # (api/http/proxy.py); uvicorn's own handling would trust loopback by default.
            proxy_headers=False,
            forwarded_allow_ips="",
            log_level="info",
            **uvicorn_options(),  # header and keep-alive timeouts (api/http/serving.py)
        )
    finally:
        if made is not None:  # a temporary directory of our own: nothing to keep
            import shutil

            shutil.rmtree(made, ignore_errors=True)


def _refuse_unsafe_workers(workers: int) -> None:
    """`--workers N` is checked like REMIT_WORKERS (production refuses SQLite with N > 1)."""
    from api.settings import Settings

    current = get_settings()
    if workers == current.workers:
        return
    try:
        Settings.model_validate({**current.model_dump(), "workers": workers})
    except ValidationError as exc:
        reasons = "; ".join(str(e.get("msg", "")) for e in exc.errors())
        raise fail(f"--workers {workers}: {reasons}") from None


def _share_metrics(log: logging.Logger) -> Path | None:
    """Workers on one port count requests in prometheus-client's multiprocess mode: each
    writes its counts to files in one directory, and /metrics sums them. The directory is
    PROMETHEUS_MULTIPROC_DIR when set, else a new temporary one; counts left from an
    earlier run are removed first, as prometheus-client requires."""
    import os
    import tempfile

    from api.http.metrics import MULTIPROC_ENV

    given = os.environ.get(MULTIPROC_ENV)
    directory = Path(given or tempfile.mkdtemp(prefix="remit-metrics-"))
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROC_ENV] = str(directory)  # the workers inherit it
    log.info("request metrics of all workers are shared through %s", directory)
    return None if given else directory


def main() -> None:  # pragma: no cover - console entry
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
