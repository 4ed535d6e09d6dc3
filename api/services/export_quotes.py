"""The quotes dataset: every stored quote matching the filters, streamed oldest id first."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session

from api.services.compare import SAMPLE_NOTICE, BadRequest
from api.services.export_table import PRODUCER, Column, ExportTable
from api.services.trends import (
    find_corridor,
)
from api.storage.export_csv import dump_quotes_csv
from api.storage.exports import (
    QUOTE_COLUMNS,
    QUOTE_ROUNDING,
    QuoteFilter,
    has_sample_quotes,
    iter_quote_rows,
    minor_units_map,
    quote_count,
)
from api.storage.types import utcnow

QUOTE_EXPORT_COLUMNS: tuple[Column, ...] = (
    *(Column(name, kind, QUOTE_ROUNDING.get(name)) for name, kind, _ in QUOTE_COLUMNS),
    Column("notice", "str"),
)


def day_range(
    from_date: date | None, to_date: date | None
) -> tuple[datetime | None, datetime | None]:
    """Inclusive UTC calendar days -> [start, end)."""
    if from_date and to_date and from_date > to_date:
        raise BadRequest("from_date", f"from_date {from_date} is after to_date {to_date}")
    start = datetime.combine(from_date, time(0), tzinfo=UTC) if from_date else None
    # to_date = date.max (9999-12-31) has no next day: it means "no end".
    end = (
        datetime.combine(to_date + timedelta(days=1), time(0), tzinfo=UTC)
        if to_date and to_date < date.max
        else None
    )
    return start, end


def quotes_export(
    session: Session,
    corridor: str | None = None,
    from_date: date | None = None,
    to_date: date | None = None,
    *,
    count: bool = False,
    typed: bool = True,
) -> ExportTable:
    """Every stored quote matching the filters, streamed oldest id first. `typed=False`
    reads driver-level values, for the text formats (CSV, JSON) only."""
    code = find_corridor(session, corridor).code if corridor else None
    start, end = day_range(from_date, to_date)
    flt = QuoteFilter(code, start, end)
    query = {"corridor": code, "from_date": from_date, "to_date": to_date}
    meta = {
        "query": "quotes " + (" ".join(f"{k}={v}" for k, v in query.items() if v) or "(all)"),
        "source": f"{PRODUCER} stored quotes (RPW cost model); provider, source and payload "
        "hash per row",
        "corridor": code or "all",
        "from_date": from_date.isoformat() if from_date else "",
        "to_date": to_date.isoformat() if to_date else "",
        "generated_at": utcnow().isoformat(),
    }
    return ExportTable(
        name="quotes",
        columns=QUOTE_EXPORT_COLUMNS,
        batches=iter_quote_rows(session, flt, typed=typed, sample_notice=SAMPLE_NOTICE),
        csv_dump=lambda: dump_quotes_csv(session, flt, sample_notice=SAMPLE_NOTICE),
        sample=has_sample_quotes(session, flt),
        rows_expected=quote_count(session, flt) if count else None,
        meta=meta,
        minor_units=minor_units_map(session),
    )


def quotes_stem(corridor: str | None, from_date: date | None, to_date: date | None) -> str:
    parts = ["quotes", corridor.upper() if corridor else "all"]
    if from_date:
        parts.append(f"from-{from_date.isoformat()}")
    if to_date:
        parts.append(f"to-{to_date.isoformat()}")
    return "-".join(parts)


# -- trends ------------------------------------------------------------------------
