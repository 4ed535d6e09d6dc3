"""Downloads under /api/v1/exports: quotes, trends, the summary and a chart's numbers as
CSV, XLSX, Parquet or JSON, and the CSV's "about" sidecar. Thin: parse, call the exports
services, send the file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path as FsPath

from fastapi import APIRouter
from fastapi.responses import FileResponse, StreamingResponse
from starlette.background import BackgroundTask
from starlette.responses import Response

from api.domain.periods import PeriodKind
from api.http.deps import NowDep, SessionDep
from api.http.trends import BasketQ, CorridorQ, DateQ, FormatP, OptCorridorQ, PeriodQ
from api.services.export_quotes import quotes_export, quotes_stem
from api.services.export_table import ExportFormat, ExportTable, about_csv
from api.services.export_trends import trends_export, trends_stem
from api.services.exports import chunks, write_file
from api.services.trends import (
    corridor_trends,
)
from api.services.trends_datasets import chart_export, summary_export
from api.services.trends_summary import trends_summary

router = APIRouter(prefix="/api/v1", tags=["trends and exports"])


def export_response(table: ExportTable, fmt: ExportFormat, stem: str) -> Response:
    headers = {
        "Content-Disposition": f'attachment; filename="{table.filename(fmt, stem)}"',
        "X-Remit-Sample": "true" if table.sample else "false",
        "Cache-Control": "no-store",
    }
    if table.sample:
        headers["X-Remit-Notice"] = "sample data - not live prices"
    if fmt.streams:
        return StreamingResponse(chunks(table, fmt), media_type=fmt.media_type, headers=headers)
    fd, name = tempfile.mkstemp(prefix=f"remit-{table.name}-", suffix=f".{fmt.value}")
    os.close(fd)
    path = FsPath(name)
    try:
        write_file(table, fmt, path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return FileResponse(
        path,
        media_type=fmt.media_type,
        headers=headers,
        background=BackgroundTask(path.unlink, missing_ok=True),
    )


EXPORT_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "description": "The export file (CSV and JSON streamed as rows are read). Headers: "
        "X-Remit-Sample (true/false) and, with sample rows, X-Remit-Notice.",
        "content": {f.media_type.split(";")[0]: {} for f in ExportFormat},
    }
}


ABOUT_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "description": "The CSV export's sidecar: field,value rows with the query, generation "
        "time, sources, licences (CC BY 4.0 attribution for RPW) and rounding rules.",
        "content": {"text/csv": {}},
    }
}


def about_response(table: ExportTable, stem: str) -> Response:
    name = table.filename(ExportFormat.CSV, stem).removesuffix(".csv") + ".about.csv"
    return Response(
        about_csv(table),
        media_type=ExportFormat.CSV.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/exports/quotes.about.csv", response_class=Response, responses=ABOUT_RESPONSES)
def export_quotes_about(
    session: SessionDep,
    corridor: OptCorridorQ = None,
    from_date: DateQ = None,
    to_date: DateQ = None,
) -> Response:
    """What the quotes CSV with the same query holds (the XLSX export's "about" sheet)."""
    table = quotes_export(session, corridor, from_date, to_date, typed=False)
    return about_response(table, quotes_stem(corridor, from_date, to_date))


@router.get("/exports/trends.about.csv", response_class=Response, responses=ABOUT_RESPONSES)
def export_trends_about(
    session: SessionDep,
    corridor: OptCorridorQ = None,
    period: PeriodQ = PeriodKind.QUARTER,
) -> Response:
    """What the trends CSV with the same query holds (the XLSX export's "about" sheet)."""
    table = trends_export(session, corridor, period)
    return about_response(table, trends_stem(corridor, period))


@router.get("/exports/quotes.{format}", response_class=Response, responses=EXPORT_RESPONSES)
def export_quotes(
    session: SessionDep,
    fmt: FormatP,
    corridor: OptCorridorQ = None,
    from_date: DateQ = None,
    to_date: DateQ = None,
) -> Response:
    """Every stored quote (with provenance) as CSV/JSON (streamed), XLSX or Parquet."""
    table = quotes_export(session, corridor, from_date, to_date, typed=not fmt.streams)
    return export_response(table, fmt, quotes_stem(corridor, from_date, to_date))


@router.get("/exports/trends.{format}", response_class=Response, responses=EXPORT_RESPONSES)
def export_trends(
    session: SessionDep,
    fmt: FormatP,
    corridor: OptCorridorQ = None,
    period: PeriodQ = PeriodKind.QUARTER,
) -> Response:
    """Corridor trends (ours, imported RPW rows, World Bank published figures) for both
    baskets, for one corridor or all."""
    table = trends_export(session, corridor, period)
    return export_response(table, fmt, trends_stem(corridor, period))


@router.get("/exports/trends-summary.{format}", response_class=Response, responses=EXPORT_RESPONSES)
def export_trends_summary(
    session: SessionDep,
    now: NowDep,
    fmt: FormatP,
    basket: BasketQ = "200",
    period: PeriodQ = PeriodKind.QUARTER,
) -> Response:
    """The overview (GET /api/v1/trends/summary) as a table, one row per corridor, with each
    corridor's flow weight."""
    table = summary_export(trends_summary(session, int(basket), period, now=now))
    return export_response(table, fmt, f"trends-summary-{basket}-{period.value}")


@router.get("/exports/trends-chart.{format}", response_class=Response, responses=EXPORT_RESPONSES)
def export_trends_chart(
    session: SessionDep,
    fmt: FormatP,
    corridor: CorridorQ,
    basket: BasketQ = "200",
    period: PeriodQ = PeriodKind.QUARTER,
) -> Response:
    """Exactly the numbers plotted on /trends/{from}-{to}: one row per series and period."""
    t = corridor_trends(session, corridor, int(basket), period, with_flow_weighted=False)
    return export_response(
        chart_export(t), fmt, f"trends-chart-{t.corridor.code}-{basket}-{period.value}"
    )
