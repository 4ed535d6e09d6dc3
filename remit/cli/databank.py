"""`remit import-databank FILE`: the World Bank DataBank corridor history (ATCR.CORR) as
published figures; `remit import-rpw-history FILE`: quarterly means of RPW service rows.
Registered by remit/cli/data.py's `register`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from remit.cli.common import counted, fail, read_bytes, ready_engine

console = Console(stderr=True)
out = Console()


def import_databank(
    file: Annotated[
        Path,
        typer.Argument(
            help="DataBank export 'Remittance Prices Worldwide (Corridors)' (CSV), e.g. "
            "data/reference/databank_corridors_atcr_2011q1_2020q3_silkroutes.csv."
        ),
    ],
) -> None:
    """Import the World Bank's published corridor averages (DataBank CSV).

    Stored as published, never recomputed; `..` cells are no observation. Re-importing the
    same file changes nothing; a malformed file stores nothing."""
    from api.services.databank import databank_points
    from api.services.databank import import_databank as run_import

    report = _import(file, databank_points, run_import, "published points")
    out.print(
        f"{report.filename}: {report.points} published points on {report.corridors} corridors: "
        f"{report.stored} stored, {report.updated} revised, {report.unchanged} already imported "
        "(The World Bank: Remittance Prices Worldwide, CC BY 4.0)",
        highlight=False,
        soft_wrap=True,
    )


def import_rpw_history(
    file: Annotated[
        Path,
        typer.Argument(
            help="Quarterly means of RPW service rows (CSV), e.g. "
            "data/reference/fds_rpw_history_usd200_pk_bd_af.csv."
        ),
    ],
) -> None:
    """Import quarterly means of World Bank RPW service rows (USD 200) computed by a third party.

    Its own series, never shown as the World Bank's published figures: total cost = fee % +
    FX margin % (the file's speed-penalised index is not stored). Re-importing the same file
    changes nothing; a malformed file stores nothing."""
    from api.services.databank import import_rpw_history as run_import
    from api.services.databank import rpw_history_points

    report = _import(file, rpw_history_points, run_import, "quarters")
    out.print(
        f"{report.filename}: {report.points} quarterly means on {report.corridors} corridors: "
        f"{report.stored} stored, {report.updated} revised, {report.unchanged} already imported "
        "(means of World Bank RPW service rows computed by a third party; The World Bank: "
        "Remittance Prices Worldwide, CC BY 4.0)",
        highlight=False,
        soft_wrap=True,
    )


def _import(path: Path, check: Callable[[bytes], object], run: Any, noun: str) -> Any:
    """Read, check the whole file (nothing stored when malformed), then store and commit."""
    from api.ingestion.formats import ParseError
    from api.storage.db import session_scope

    content = read_bytes(path)
    try:
        check(content)
    except ParseError as exc:
        raise fail(f"{escape(str(path))}: {escape(str(exc))}") from None
    engine = ready_engine()
    try:
        with counted(f"storing {noun}", noun) as update, session_scope(engine) as session:
            return run(session, content, path.name, progress=update)
    except ParseError as exc:
        raise fail(f"{escape(str(path))}: {escape(str(exc))}") from None
