"""`remit import-databank FILE`: the World Bank DataBank corridor history (ATCR.CORR) as
published figures. Registered by api/cli_data.py's `register`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

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
    from api.cli_data import _readable_file, _ready_engine, fail
    from api.services.databank import databank_points
    from api.services.databank import import_databank as run_import
    from api.storage.db import session_scope
    from scrapers.parsers import ParseError

    path = _readable_file(file)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise fail(f"{path}: {exc.strerror or exc}") from None
    try:
        databank_points(content)  # the whole file is checked before anything is stored
    except ParseError as exc:
        raise fail(f"{escape(str(path))}: {escape(str(exc))}") from None
    engine = _ready_engine()
    try:
        with (
            Progress(
                TextColumn("storing published points"),
                BarColumn(),
                MofNCompleteColumn(),
                console=console,
            ) as progress,
            session_scope(engine) as session,
        ):
            task = progress.add_task("points", total=None)
            report = run_import(
                session,
                content,
                path.name,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
    except ParseError as exc:
        raise fail(f"{escape(str(path))}: {escape(str(exc))}") from None
    out.print(
        f"{report.filename}: {report.points} published points on {report.corridors} corridors: "
        f"{report.stored} stored, {report.updated} revised, {report.unchanged} already imported "
        "(The World Bank: Remittance Prices Worldwide, CC BY 4.0)",
        highlight=False,
        soft_wrap=True,
    )
