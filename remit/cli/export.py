"""`remit export quotes|trends`: the same exports as /api/v1/exports, written to a file.

The file is written next to its destination under a temporary name and renamed into place
only when complete, so an interrupted export never leaves a half-written file behind.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from api.domain.periods import PeriodKind
from api.services.compare import BadRequest, NotFound
from api.services.export_quotes import quotes_export
from api.services.export_table import ExportFormat, ExportTable, about_csv
from api.services.export_trends import trends_export
from api.services.exports import write_file
from api.storage.db import get_engine, session_scope

export_app = typer.Typer(
    help="Export quotes or corridor cost trends (CSV, XLSX, Parquet, JSON).",
    no_args_is_help=True,
)
console = Console(stderr=True)
out = Console(soft_wrap=True)  # results are not wrapped: paths and figures stay whole

FormatOpt = Annotated[
    ExportFormat | None,
    typer.Option(
        "--format",
        "-f",
        case_sensitive=False,
        help="csv, xlsx, parquet or json (default: from the --out file's extension).",
    ),
]
OutOpt = Annotated[
    Path,
    typer.Option(
        "--out", "-o", help="File to write (replaced only once complete).", dir_okay=False
    ),
]
CorridorOpt = Annotated[
    str | None, typer.Option("--corridor", "-c", help="Corridor code, e.g. GB-PK (default: all).")
]


def _fail(message: str) -> typer.Exit:
    console.print(f"[bold red]error:[/] {escape(message)}")
    return typer.Exit(2)


def _format_for(fmt: ExportFormat | None, path: Path) -> ExportFormat:
    if fmt is not None:
        return fmt
    try:
        return ExportFormat(path.suffix.lstrip(".").lower())
    except ValueError:
        raise _fail(
            f"--format not given and {path.name!r} has no known extension "
            "(use --format csv|xlsx|parquet|json)"
        ) from None


def _check_out(path: Path) -> None:
    parent = path.expanduser().resolve().parent
    if not parent.is_dir():
        raise _fail(f"--out: directory {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise _fail(f"--out: directory {parent} is not writable")


def _parse_day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _fail(f"{option}: {value!r} is not a date (YYYY-MM-DD)") from None


def _write(table: ExportTable, fmt: ExportFormat, path: Path) -> None:
    path = path.expanduser()
    partial = path.with_name(f".{path.name}.partial")
    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    try:
        with Progress(*columns, console=console, transient=False) as progress:
            task = progress.add_task(f"{table.name} → {path.name}", total=table.rows_expected)
            write_file(table, fmt, partial, lambda n: progress.advance(task, n))
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    if fmt is ExportFormat.CSV:
        about = about_path(path)
        partial = about.with_name(f".{about.name}.partial")
        try:
            partial.write_bytes(about_csv(table))
            partial.replace(about)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise


def about_path(path: Path) -> Path:
    """The CSV export's sidecar: q.csv -> q.about.csv (query, time, sources, licences)."""
    stem = path.name.removesuffix(".csv") if path.name.lower().endswith(".csv") else path.name
    return path.with_name(f"{stem}.about.csv")


def _report(table: ExportTable, fmt: ExportFormat, path: Path, started: datetime) -> None:
    size = path.stat().st_size
    seconds = (datetime.now() - started).total_seconds()
    rows = table.rows_expected if table.rows_expected is not None else "?"
    where = escape(str(path))
    out.print(
        f"wrote {rows} {table.name} rows to {where} ({fmt.value}, {size:,} bytes, {seconds:.1f} s)"
    )
    if fmt is ExportFormat.CSV:
        out.print(f"wrote {escape(str(about_path(path)))} (query, sources, licences)")
    if table.notice:
        console.print(f"[bold yellow]note:[/] includes {table.notice}")


@export_app.command("quotes")
def export_quotes(
    out_path: OutOpt,
    fmt: FormatOpt = None,
    corridor: CorridorOpt = None,
    from_date: Annotated[
        str | None, typer.Option("--from-date", help="First UTC day, YYYY-MM-DD (inclusive).")
    ] = None,
    to_date: Annotated[
        str | None, typer.Option("--to-date", help="Last UTC day, YYYY-MM-DD (inclusive).")
    ] = None,
) -> None:
    """Every stored quote with its provenance (source, collected_at, sample, payload hash)."""
    chosen = _format_for(fmt, out_path)
    _check_out(out_path)
    start, end = _parse_day(from_date, "--from-date"), _parse_day(to_date, "--to-date")
    started = datetime.now()
    try:
        with session_scope(get_engine()) as session:
            table = quotes_export(
                session, corridor, start, end, count=True, typed=not chosen.streams
            )
            _write(table, chosen, out_path)
    except NotFound as exc:
        raise _fail(f"--corridor: {exc.message}") from None
    except BadRequest as exc:
        raise _fail(f"--{exc.field.replace('_', '-')}: {exc.message}") from None
    _report(table, chosen, out_path, started)


@export_app.command("trends")
def export_trends(
    out_path: OutOpt,
    fmt: FormatOpt = None,
    corridor: CorridorOpt = None,
    period: Annotated[
        PeriodKind, typer.Option("--period", "-p", help="Group by quarter or month (UTC).")
    ] = PeriodKind.QUARTER,
    summary: Annotated[
        bool,
        typer.Option(
            "--summary",
            help="The overview instead: every corridor's latest figures by source, SDG 10.c "
            "status and flow weight, and the simple and flow-weighted averages "
            "(as GET /api/v1/trends/summary).",
        ),
    ] = False,
    basket: Annotated[
        int, typer.Option("--basket", "-b", help="With --summary: RPW basket, 200 or 500 (USD).")
    ] = 200,
) -> None:
    """Corridor cost trends at both RPW baskets, with SDG 10.c flags.

    Three labelled series: our quotes, imported World Bank RPW rows, and the World Bank's
    published figures (with their source files)."""
    chosen = _format_for(fmt, out_path)
    _check_out(out_path)
    if summary and corridor is not None:
        raise _fail("--summary covers every corridor: leave out --corridor")
    if basket not in (200, 500):
        raise _fail(f"--basket: {basket} is not an RPW basket (200 or 500)")
    started = datetime.now()
    try:
        with session_scope(get_engine()) as session:
            if summary:
                from api.services.trends_datasets import summary_export
                from api.services.trends_summary import trends_summary
                from api.storage.types import utcnow

                table = summary_export(trends_summary(session, basket, period, now=utcnow()))
            else:
                table = trends_export(session, corridor, period)
            _write(table, chosen, out_path)
    except NotFound as exc:
        raise _fail(f"--corridor: {exc.message}") from None
    _report(table, chosen, out_path, started)
