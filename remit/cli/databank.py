"""`remit import-databank FILE`: the World Bank DataBank corridor history (ATCR.CORR) as
published figures. Registered by remit/cli/data.py's `register`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

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
    from api.ingestion.formats import ParseError
    from api.services.databank import databank_points
    from api.services.databank import import_databank as run_import
    from api.storage.db import session_scope

    path = file
    content = read_bytes(path)
    try:
        databank_points(content)  # the whole file is checked before anything is stored
    except ParseError as exc:
        raise fail(f"{escape(str(path))}: {escape(str(exc))}") from None
    engine = ready_engine()
    try:
        with (
            counted("storing published points", "points") as update,
            session_scope(engine) as session,
        ):
            report = run_import(session, content, path.name, progress=update)
    except ParseError as exc:
        raise fail(f"{escape(str(path))}: {escape(str(exc))}") from None
    out.print(
        f"{report.filename}: {report.points} published points on {report.corridors} corridors: "
        f"{report.stored} stored, {report.updated} revised, {report.unchanged} already imported "
        "(The World Bank: Remittance Prices Worldwide, CC BY 4.0)",
        highlight=False,
        soft_wrap=True,
    )
