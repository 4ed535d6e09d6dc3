"""Data that people bring: provider price feeds, mystery-shopping quotes, the RPW workbook.

Every quote goes through `store_quotes` (the one write path: validation, the plausibility
band around the reference rate, pricing, duplicates ignored). A feed is read and checked
whole before anything is written, then stored in batches that each commit (see
`import_feed`); its rejected rows come back with line, field and reason.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any

from sqlmodel import Session, select

from api.domain.validation import Problem, check_capture_window, check_number
from api.ingestion.formats import ParseError
from api.ingestion.formats.feed import (
    FeedRow as FeedRow,  # re-exported: a typed-in quote is a feed row
)
from api.ingestion.formats.feed import RejectedRow, parse_feed
from api.ingestion.formats.rpw import (
    RpwRejected,
    RpwRow,
    iter_rpw_rows,
    rpw_row_key,
    rpw_total_rows,
)
from api.ingestion.formats.rpw_services import is_service_rows
from api.ingestion.formats.rpw_survey import SurveyOffer, parse_survey, service_rows
from api.services.survey_services import SurveyReport, import_service_rows
from api.storage.collectors import (
    FAILED,
    OK,
    PARTIAL,
    RUNNING,
    abandon_dead,
    worker_id,
)
from api.storage.models import CollectorRun, Corridor, Country, Provider
from api.storage.outcome import Outcome
from api.storage.payloads import archive, sha256
from api.storage.quotes import QuoteIn, StoreResult, store_quotes
from api.storage.rollups import refresh_rpw_workbook_rollups
from api.storage.rpw import corridor_codes, existing_keys, insert_observations

FEED_SOURCE = "feed"
MYSTERY_SOURCE = "mystery"
DEFAULT_PAYIN = "bank"  # a feed or entry that does not state the pay-in method
MAX_FEED_BYTES = 10 * 1024 * 1024
RPW_BATCH = 1000
FEED_BATCH = 2000  # rows per committed transaction of a feed import
FEED_RUN_SOURCE = "feed"  # a feed import's run on record (the `collectorrun` table)


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


def feed_quote(row: FeedRow, payload_hash: str | None, source: str) -> QuoteIn:
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
        # The price is as old as the provider's capture time, not as old as the upload: a
        # stale file shows as stale (the window check keeps the time plausible).
        collected_at=row.captured_at,
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
    batch_size: int = FEED_BATCH,
) -> FeedReport:
    """Validate a whole feed, then store its accepted rows in batches that each commit.

    Nothing is written before the whole file has been read and every row's shape and
    capture time checked: a malformed feed raises FeedError and stores nothing. The import
    is then on record as a `running` run of source `feed` (committed first); each batch of
    `batch_size` rows commits its quotes, the price book and data versions of its corridors,
    and the run's counters in one short transaction, so readers never wait for the whole
    file and see each committed batch's prices as current at once (every price is a whole,
    priced observation; the rest of the feed follows batch by batch, as if the provider had
    sent several smaller files). The run ends `ok` (`partial` when rows were rejected). A
    process killed mid-import leaves the run `running` until the next import marks it
    failed ("abandoned … after committing N rows"); importing the same file again
    finishes it, as quotes are keyed by their content and the committed rows come back
    as already stored."""
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
    rows: list[FeedRow] = []
    for row in parsed.rows:
        late = check_capture_window(row.captured_at, now, "captured_at")
        report.rejected += [RejectedRow(row.line, p.field, p.reason) for p in late]
        if not late:
            rows.append(row)
    if rows:
        _store_feed_rows(
            session, rows, report, digest, now, source, content, content_type, batch_size
        )
    report.rejected.sort(key=lambda r: r.line)
    return report


def _store_feed_rows(
    session: Session,
    rows: Sequence[FeedRow],
    report: FeedReport,
    digest: str,
    now: datetime,
    source: str,
    content: bytes,
    content_type: str | None,
    batch_size: int,
) -> None:
    session.commit()  # whatever the caller read: each batch below is its own transaction
    abandoned = abandon_dead(session, now, FEED_RUN_SOURCE)
    if abandoned:
        report.warnings.append(
            f"{abandoned} earlier feed import(s) had died before finishing; rows they stored "
            "are counted here as already stored"
        )
    run = CollectorRun(source=FEED_RUN_SOURCE, started_at=now, status=RUNNING, worker=worker_id())
    session.add(run)
    session.commit()
    for start in range(0, len(rows), max(1, batch_size)):
        batch = rows[start : start + max(1, batch_size)]
        results = store_quotes(session, [feed_quote(row, digest, source) for row in batch])
        for row, result in zip(batch, results, strict=True):
            if result.outcome is Outcome.STORED:
                report.stored += 1
            elif result.outcome is Outcome.DUPLICATE:
                report.duplicates += 1
            else:
                for problem in result.problems:
                    name = _field(session, problem, row.from_country)
                    report.rejected.append(RejectedRow(row.line, name, problem.reason))
        if report.stored and report.payload_hash is None:
            report.payload_hash = archive(
                session,
                source=source,
                url=f"upload:{report.filename}",
                content=content,
                fetched_at=now,
                content_type=content_type,
            )
        # The run's counters commit with the batch: the record says exactly what is stored.
        run.rows_stored, run.rows_duplicate = report.stored, report.duplicates
        session.add(run)
        session.commit()
    run.status = (OK if not report.rejected else PARTIAL) if report.accepted else FAILED
    run.finished_at = now
    run.rows_rejected = report.rejected_rows
    run.error = None if report.accepted else "every row was rejected"
    session.add(run)
    session.commit()


# -- mystery shopping -------------------------------------------------------------------------


def record_mystery_quote(session: Session, m: FeedRow, now: datetime) -> StoreResult:
    # A researcher's quote has exactly the fields of a feed row.
    """Store one researcher-entered quote (same validation as every other quote)."""
    late = check_capture_window(m.captured_at, now, "captured_at")
    if late:
        raise QuoteRejected(late)
    result = store_quotes(session, [feed_quote(m, None, MYSTERY_SOURCE)])[0]
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


_RPW_NUMBERS: dict[str, Callable[[RpwRow], Decimal | None]] = {
    "cc1 lcu amount": lambda r: r.cc1.amount,
    "cc1 lcu fee": lambda r: r.cc1.fee,
    "cc1 lcu fx rate": lambda r: r.cc1.fx_rate,
    "cc1 fx margin": lambda r: r.cc1.fx_margin,
    "cc1 total cost %": lambda r: r.cc1.total_cost_pct,
    "cc2 lcu amount": lambda r: r.cc2.amount,
    "cc2 total cost %": lambda r: r.cc2.total_cost_pct,
}


def _rpw_number_problem(row: RpwRow) -> Problem | None:
    for column, get in _RPW_NUMBERS.items():
        value = get(row)
        if value is not None:
            problems = check_number(value, column)
            if problems:
                return problems[0]
    return None


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
        problem = _rpw_number_problem(row)
        if problem is not None:  # the same number bounds as every quote (no 10^400 stored)
            report.rejected.append(RpwRejected(row.sheet_row, problem.field, problem.reason))
            continue
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


# -- World Bank RPW row-level survey prices -----------------------------------------------------

SURVEY_SOURCE = "rpw"


def _survey_quote(
    o: SurveyOffer, corridor: str, receive_currency: str, provider: str, payload: str
) -> QuoteIn:
    surveyed = datetime.combine(o.surveyed_on, time(0), tzinfo=UTC)
    return QuoteIn(
        provider=provider,
        corridor=corridor,
        send_amount=o.send_amount,
        send_currency=o.send_currency,
        fee=o.fee,
        rate=o.rate,
        receive_currency=receive_currency,
        payout_method=o.payout,
        payin_method=o.payin,
        speed=o.speed,
        collected_at=surveyed,
        source_captured_at=surveyed,
        source=SURVEY_SOURCE,
        payload_hash=payload,
        # RPW's own reference rate for the observation, on the survey date.
        mid_rate=o.interbank_rate,
        mid_rate_type="interbank",
        mid_rate_source=SURVEY_SOURCE,
        mid_rate_as_of=o.surveyed_on,
        promotional=o.promotional,
        access_point=o.access_point,
        note=o.note or None,
    )


def import_rpw_survey(
    session: Session,
    content: bytes,
    now: datetime,
    *,
    url: str = "file",
    progress: Callable[[int, int], None] | None = None,
) -> SurveyReport:
    """Import World Bank RPW row-level survey prices (JSON or CSV, docs/feed-format.md), or
    RPW service rows given as percentages (api/services/survey_services.py): each offer
    becomes a survey-tier quote (source `rpw`) through `store_quotes`, and each
    RPW service row an RPW observation for the trends. Idempotent. A malformed file raises
    ParseError before anything is added. The caller commits."""
    if is_service_rows(content):  # percentages per service (no amounts, no rates)
        report = SurveyReport()
        import_service_rows(
            session, content, now, report, url=url, progress=progress, record=rpw_record
        )
        return report
    offers = parse_survey(content)
    report = SurveyReport(offers=len(offers))
    countries = list(session.exec(select(Country)))
    by_name = {c.name.lower(): c for c in countries}
    providers = {p.name.lower(): p.slug for p in session.exec(select(Provider))}
    payload = archive(session, source=SURVEY_SOURCE, url=url, content=content, fetched_at=now)
    quotes: list[QuoteIn] = []
    for o in offers:
        src, dst = by_name.get(o.origin.lower()), by_name.get(o.destination.lower())
        slug = providers.get(o.provider.lower())
        if src is None or dst is None or session.get(Corridor, f"{src.code}-{dst.code}") is None:
            report.skipped.append(f"{o.offer_id}: corridor {o.origin} → {o.destination} not served")
            continue
        if slug is None:
            report.skipped.append(f"{o.offer_id}: provider {o.provider!r} not in data/providers")
            continue
        quotes.append(_survey_quote(o, f"{src.code}-{dst.code}", dst.currency, slug, payload))
    for i, (q, result) in enumerate(zip(quotes, store_quotes(session, quotes), strict=True)):
        report.quotes_stored += result.outcome is Outcome.STORED
        report.quotes_duplicate += result.outcome is Outcome.DUPLICATE
        if result.outcome is Outcome.REJECTED:
            why = "; ".join(str(p) for p in result.problems)
            report.rejected.append(f"{q.provider} {q.corridor} {q.send_amount}: {why}")
        if progress is not None:
            progress(i + 1, len(quotes))
    iso3 = {c.name: c.iso3 for c in countries}
    corridors = corridor_codes(session)
    records = {}
    for row in service_rows(offers, iso3):
        key = rpw_row_key(row)
        records[key] = rpw_record(row, key, corridors.get((row.source_code, row.destination_code)))
    known = existing_keys(session, records.keys())
    report.observations_stored = insert_observations(
        session, [r for k, r in records.items() if k not in known]
    )
    session.flush()
    refresh_rpw_workbook_rollups(session)
    return report
