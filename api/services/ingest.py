"""Data that people bring: provider price feeds, mystery-shopping quotes, the RPW workbook.

Every quote goes through `store_quotes` (the one write path: validation, the plausibility
band around the reference rate, pricing, duplicates ignored). A feed is stored in one
transaction; its rejected rows come back with line, field and reason.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from api.domain.validation import Problem
from api.storage.models import Corridor
from api.storage.outcome import Outcome
from api.storage.payloads import archive, sha256
from api.storage.quotes import QuoteIn, StoreResult, store_quotes
from api.storage.rollups import refresh_rpw_workbook_rollups
from api.storage.rpw import corridor_codes, existing_keys, insert_observations
from scrapers.parsers import ParseError
from scrapers.parsers.feed import FeedRow as FeedRow  # re-exported: a typed-in quote is a feed row
from scrapers.parsers.feed import RejectedRow, parse_feed
from scrapers.parsers.rpw import RpwRejected, RpwRow, iter_rpw_rows, rpw_row_key, rpw_total_rows

FEED_SOURCE = "feed"
MYSTERY_SOURCE = "mystery"
DEFAULT_PAYIN = "bank"  # a feed or entry that does not state the pay-in method
MAX_FEED_BYTES = 10 * 1024 * 1024
RPW_BATCH = 1000


class FeedError(ValueError):
    """The feed as a whole cannot be read (not UTF-8, not CSV/JSON, missing columns...)."""


class QuoteRejected(ValueError):
    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = list(problems)


# -- problems named by the caller's own field names ------------------------------------------

_FIELD_NAMES = {"collected_at": "captured_at"}


def _field(session: Session, problem: Problem, from_country: str) -> str:
    if problem.field == "corridor":
        known = session.exec(
            select(Corridor.code).where(Corridor.from_country == from_country).limit(1)
        ).first()
        return "to" if known is not None else "from"
    return _FIELD_NAMES.get(problem.field, problem.field)


# -- feeds ------------------------------------------------------------------------------------


@dataclass
class FeedReport:
    filename: str
    format: str
    rows: int
    stored: int = 0
    duplicates: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    payload_hash: str | None = None

    @property
    def accepted(self) -> int:
        return self.stored + self.duplicates

    @property
    def rejected_rows(self) -> int:
        return len({r.line for r in self.rejected})


def feed_quote(row: FeedRow, now: datetime, payload_hash: str | None, source: str) -> QuoteIn:
    """A quote typed by a person or uploaded in a feed, as storage takes it."""
    return QuoteIn(
        provider=row.provider,
        corridor=f"{row.from_country}-{row.to_country}",
        send_amount=row.send_amount,
        send_currency=row.send_currency,
        fee=row.fee,
        rate=row.rate,
        receive_currency=row.receive_currency,
        payout_method=row.payout_method,
        speed=row.speed,
        collected_at=now,
        source=source,
        payin_method=row.payin_method or DEFAULT_PAYIN,
        receive_fee=row.receive_fee,
        source_captured_at=row.captured_at,
        payload_hash=payload_hash,
        promotional=row.promotional,
    )


def import_feed(
    session: Session,
    content: bytes,
    *,
    filename: str,
    now: datetime,
    source: str = FEED_SOURCE,
    content_type: str | None = None,
) -> FeedReport:
    """Validate a feed row by row and store the accepted rows in one transaction."""
    if len(content) > MAX_FEED_BYTES:
        raise FeedError(f"feed is larger than {MAX_FEED_BYTES // (1024 * 1024)} MB")
    try:
        parsed = parse_feed(content, filename=filename)
    except ParseError as exc:
        raise FeedError(str(exc)) from exc
    digest = sha256(content)
    report = FeedReport(
        filename=os.path.basename(filename) or "feed",
        format=parsed.format,
        rows=len(parsed.rows) + len(parsed.rejected_lines),
        rejected=list(parsed.rejected),
        warnings=list(parsed.warnings),
    )
    quotes = [feed_quote(row, now, digest, source) for row in parsed.rows]
    results = store_quotes(session, quotes)
    for row, result in zip(parsed.rows, results, strict=True):
        if result.outcome is Outcome.STORED:
            report.stored += 1
        elif result.outcome is Outcome.DUPLICATE:
            report.duplicates += 1
        else:
            for problem in result.problems:
                name = _field(session, problem, row.from_country)
                report.rejected.append(RejectedRow(row.line, name, problem.reason))
    report.rejected.sort(key=lambda r: r.line)
    if report.stored:
        report.payload_hash = archive(
            session,
            source=source,
            url=f"upload:{report.filename}",
            content=content,
            fetched_at=now,
            content_type=content_type,
        )
    session.commit()
    return report


# -- mystery shopping -------------------------------------------------------------------------


def record_mystery_quote(session: Session, m: FeedRow, now: datetime) -> StoreResult:
    # A researcher's quote has exactly the fields of a feed row.
    """Store one researcher-entered quote (same validation as every other quote)."""
    result = store_quotes(session, [feed_quote(m, now, None, MYSTERY_SOURCE)])[0]
    if result.outcome is Outcome.REJECTED:  # nothing was added
        raise QuoteRejected(
            [Problem(_field(session, p, m.from_country), p.reason) for p in result.problems]
        )
    session.commit()
    return result


# -- World Bank RPW -----------------------------------------------------------------------------


@dataclass
class RpwReport:
    read: int = 0
    stored: int = 0
    duplicates: int = 0
    served: int = 0  # rows on a corridor we serve (mapped to our corridor code)
    rejected: list[RpwRejected] = field(default_factory=list)


def rpw_record(row: RpwRow, key: str, corridor: str | None) -> dict[str, Any]:
    return {
        "row_key": key,
        "period": row.period,
        "corridor_code": corridor,
        "rpw_corridor": row.corridor[:6],
        "firm": row.firm,
        "firm_type": row.firm_type,
        "payment_instrument": row.payment_instrument,
        "access_point": row.access_point,
        "speed_actual": row.speed_actual,
        "cc1_amount": row.cc1.amount,
        "cc1_currency": row.cc1.lcu_code,
        "cc1_fee": row.cc1.fee,
        "cc1_fx_rate": row.cc1.fx_rate,
        "cc1_fx_margin": row.cc1.fx_margin,
        "cc1_total_cost_pct": row.cc1.total_cost_pct,
        "cc2_amount": row.cc2.amount,
        "cc2_total_cost_pct": row.cc2.total_cost_pct,
        "transparent": row.transparent,
        "surveyed_on": row.date,
        "source": "rpw",
    }


def rpw_rows_declared(path: str | os.PathLike[str]) -> int | None:
    """Rows the workbook declares (for a progress bar); None when it does not say."""
    try:
        return rpw_total_rows(path)
    except ParseError:
        return None


def import_rpw(
    session: Session,
    path: str | os.PathLike[str],
    *,
    progress: Callable[[int], None] | None = None,
) -> RpwReport:
    """Import the `Dataset (from Q2 2016)` sheet; rows already stored (same content key) are
    skipped, so re-importing a file changes nothing. Unreadable rows are reported and
    skipped; a file that is not the RPW workbook raises ParseError. The caller commits."""
    report = RpwReport()
    corridors = corridor_codes(session)
    batch: dict[str, dict[str, Any]] = {}

    def flush() -> None:
        known = existing_keys(session, batch.keys())
        report.duplicates += len(known)
        fresh = [record for key, record in batch.items() if key not in known]
        report.served += sum(1 for r in fresh if r["corridor_code"] is not None)
        report.stored += insert_observations(session, fresh)
        batch.clear()

    for row in iter_rpw_rows(path, progress=progress, on_reject=report.rejected.append):
        report.read += 1
        key = rpw_row_key(row)
        if key in batch:
            report.duplicates += 1
            continue
        corridor = corridors.get((row.source_code, row.destination_code))
        batch[key] = rpw_record(row, key, corridor)
        if len(batch) >= RPW_BATCH:
            flush()
    flush()
    refresh_rpw_workbook_rollups(session)
    return report
