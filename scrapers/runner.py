"""Run sources: fetch, validate, store, and record the run whatever happens.

- A `collectorrun` row is committed before anything else (status `running`) and finished
  in its own transaction: `ok`, `partial` (some rows rejected by validation, the rest
  stored) or `failed` (with the error text). A run whose process died is marked `failed`
  ("abandoned") by the next run of the same source.
- Everything one run produced (raw payloads, rates, quotes) is stored in ONE transaction,
  so a failed or killed run stores nothing and the last good data stays as it was.
- Re-runs are idempotent: observations already stored are counted as duplicates.
- Rejected rows are logged with their reason and summarised in the run's error text.

Several sources run concurrently on one event loop and share one
:class:`~scrapers.http.SourceClient`, so per-host limits hold across sources. With an
`Engine`, storing happens in worker threads while other sources are still fetching; with a
`Connection` (tests) it runs inline on that connection.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import ParamSpec, TypeVar

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from api.domain.validation import check_reference_rate
from api.settings import Settings, get_settings
from api.storage.collectors import (
    FAILED,
    OK,
    PARTIAL,
    Bind,
    abandon_dead_runs,
    anchor_rate,
    ensure_provider,
    finish_run,
    known_series,
    open_session,
    start_run,
    worker_id,
)
from api.storage.models import CollectorRun, Corridor
from api.storage.outcome import Outcome
from api.storage.payloads import archive
from api.storage.quotes import store_quotes as store_quote_batch
from api.storage.rates import RateIn, RateView, reference_rate
from api.storage.rates import store_rates as store_rate_batch
from api.storage.types import utcnow
from scrapers.http import FetchError, SourceClient
from scrapers.parsers import ParseError
from scrapers.sources import (
    CollectContext,
    Collected,
    CorridorTarget,
    QuoteObservation,
    Source,
    SourceConfigError,
    client_policy,
    get_source,
)

log = logging.getLogger("scrapers.runner")

Progress = Callable[[str, str], None]
"""Called with (source name, what is happening now)."""

REJECTIONS_IN_ERROR = 10

P = ParamSpec("P")
T = TypeVar("T")


class UnknownCorridor(LookupError):
    def __init__(self, codes: Sequence[str]) -> None:
        super().__init__(", ".join(codes))
        self.codes = list(codes)

    def __str__(self) -> str:
        return f"unknown corridor(s): {', '.join(self.codes)}"


@dataclass
class StoreCounts:
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    rejections: list[str] = field(default_factory=list)

    def reject(self, source: str, what: str, reason: str) -> None:
        self.rejected += 1
        self.rejections.append(f"{what}: {reason}")
        log.warning("%s: rejected %s: %s", source, what, reason)

    @property
    def status(self) -> str:
        if self.rejected == 0:
            return OK
        return PARTIAL if self.stored + self.duplicates > 0 else FAILED

    def error_text(self) -> str | None:
        if not self.rejections:
            return None
        shown = "; ".join(self.rejections[:REJECTIONS_IN_ERROR])
        more = len(self.rejections) - REJECTIONS_IN_ERROR
        suffix = f"; and {more} more" if more > 0 else ""
        return f"{self.rejected} row(s) rejected: {shown}{suffix}"


@dataclass(frozen=True)
class RunOptions:
    settings: Settings
    corridors: tuple[str, ...] | None = None
    backfill: bool = False
    now: datetime | None = None
    timeout_s: float | None = None  # overrides each source's own hard timeout
    progress: Progress | None = None


# -- entry points --------------------------------------------------------------------------


def run_source(
    bind: Bind,
    source: str | Source,
    *,
    corridors: Sequence[str] | None = None,
    backfill: bool = False,
    settings: Settings | None = None,
    now: datetime | None = None,
    timeout_s: float | None = None,
    progress: Progress | None = None,
) -> CollectorRun:
    """Run one source now; returns its finished `collectorrun` row."""
    return run_sources(
        bind,
        [source],
        corridors=corridors,
        backfill=backfill,
        settings=settings,
        now=now,
        timeout_s=timeout_s,
        progress=progress,
    )[0]


def run_sources(
    bind: Bind,
    sources: Sequence[str | Source],
    *,
    corridors: Sequence[str] | None = None,
    backfill: bool = False,
    settings: Settings | None = None,
    now: datetime | None = None,
    timeout_s: float | None = None,
    progress: Progress | None = None,
) -> list[CollectorRun]:
    """Run several sources concurrently (one HTTP client, one event loop)."""
    resolved = [get_source(s) if isinstance(s, str) else s for s in sources]
    options = RunOptions(
        settings=settings or get_settings(),
        corridors=tuple(corridors) if corridors is not None else None,
        backfill=backfill,
        now=now,
        timeout_s=timeout_s,
        progress=progress,
    )
    return asyncio.run(_run_all(bind, resolved, options))


async def _run_all(bind: Bind, sources: list[Source], options: RunOptions) -> list[CollectorRun]:
    async with SourceClient(client_policy(options.settings)) as client:
        runs = await asyncio.gather(*(_run_one(bind, client, s, options) for s in sources))
    return list(runs)


# -- one source ----------------------------------------------------------------------------


async def _db(bind: Bind, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Database work: in a worker thread with an engine, inline on a shared connection."""
    if isinstance(bind, Engine):
        return await asyncio.to_thread(fn, *args, **kwargs)
    return fn(*args, **kwargs)


def _notify(options: RunOptions, source: str, message: str) -> None:
    if options.progress is not None:
        options.progress(source, message)


async def _run_one(
    bind: Bind, client: SourceClient, source: Source, options: RunOptions
) -> CollectorRun:
    now = options.now or utcnow()
    run = await _db(bind, begin_run, bind, source.name, now)
    assert run.id is not None
    _notify(options, source.name, "fetching")
    try:
        corridors: tuple[CorridorTarget, ...] = ()
        if source.kind == "quotes":
            corridors = await _db(bind, load_corridors, bind, options.corridors)
        ctx = CollectContext(client, options.settings, now, corridors, options.backfill)
        limit = options.timeout_s or source.timeout.total_seconds()
        async with asyncio.timeout(limit):  # the hard limit: a hung fetch cannot block later runs
            collected = await source.collect(ctx)
        _notify(options, source.name, f"storing {collected.observations} observations")
        for note in collected.notes:
            log.info("%s: %s", source.name, note)
        counts = await _db(bind, store_collected, bind, source.name, collected, now)
    except asyncio.CancelledError:
        finish_run(bind, run.id, status=FAILED, finished_at=utcnow(), error="interrupted")
        raise
    except BaseException as exc:
        if not isinstance(exc, Exception):  # KeyboardInterrupt, SystemExit
            finish_run(bind, run.id, status=FAILED, finished_at=utcnow(), error="interrupted")
            raise
        error = describe(exc, source, options)
        _notify(options, source.name, "failed")
        return await _db(
            bind, finish_run, bind, run.id, status=FAILED, finished_at=utcnow(), error=error
        )
    _notify(options, source.name, counts.status)
    return await _db(
        bind,
        finish_run,
        bind,
        run.id,
        status=counts.status,
        finished_at=utcnow(),
        stored=counts.stored,
        duplicates=counts.duplicates,
        rejected=counts.rejected,
        error=counts.error_text(),
    )


def describe(exc: BaseException, source: Source, options: RunOptions) -> str:
    """The error text recorded on a failed run (and logged)."""
    if isinstance(exc, BaseExceptionGroup):
        leaves = _leaves(exc)
        first = describe(leaves[0], source, options)
        return first + (f" (and {len(leaves) - 1} more failures)" if len(leaves) > 1 else "")
    if isinstance(exc, FetchError):
        text = str(exc)
    elif isinstance(exc, ParseError):
        text = f"unexpected response: {exc}"
    elif isinstance(exc, SourceConfigError | UnknownCorridor):
        text = str(exc)
    elif isinstance(exc, TimeoutError):
        limit = options.timeout_s or source.timeout.total_seconds()
        text = f"hard timeout: no complete result within {limit:g} s"
    else:
        log.error("%s: unexpected error", source.name, exc_info=exc)
        text = f"{type(exc).__name__}: {exc}"
    log.error("%s: run failed: %s", source.name, text)
    return text


def _leaves(group: BaseExceptionGroup[BaseException]) -> list[BaseException]:
    out: list[BaseException] = []
    for exc in group.exceptions:
        out.extend(_leaves(exc) if isinstance(exc, BaseExceptionGroup) else [exc])
    return out


def begin_run(bind: Bind, source: str, now: datetime) -> CollectorRun:
    """Mark this source's runs whose process died as failed, then record the new run."""
    abandon_dead_runs(bind, now, source)
    return start_run(bind, source, now=now, worker=worker_id())


def load_corridors(bind: Bind, codes: Sequence[str] | None) -> tuple[CorridorTarget, ...]:
    with open_session(bind) as session:
        stmt = select(Corridor).order_by(col(Corridor.code))
        corridors = list(session.exec(stmt))
    if codes is not None:
        wanted = {c.strip().upper() for c in codes}
        unknown = sorted(wanted - {c.code for c in corridors})
        if unknown:
            raise UnknownCorridor(unknown)
        corridors = [c for c in corridors if c.code in wanted]
    return tuple(
        CorridorTarget(
            code=c.code,
            from_country=c.from_country,
            to_country=c.to_country,
            send_currency=c.send_currency,
            receive_currencies=tuple(c.receive_currency_list()),
            ladder=tuple(c.ladder_amounts()),
        )
        for c in corridors
    )


# -- storing one run -----------------------------------------------------------------------


def store_collected(bind: Bind, source: str, collected: Collected, now: datetime) -> StoreCounts:
    """Archive the payloads and store every observation in ONE transaction."""
    counts = StoreCounts()
    with open_session(bind) as session:
        for p in collected.payloads:
            archive(
                session,
                source=p.source,
                url=p.url,
                content=p.content,
                fetched_at=p.fetched_at,
                content_type=p.content_type,
            )
        store_rates(session, source, collected.rates, now, counts)
        store_quotes(session, source, collected.quotes, counts)
        if counts.status == FAILED:  # every row rejected: keep nothing of this run
            session.rollback()
        else:
            session.commit()
    log.info(
        "%s: stored %d, duplicates %d, rejected %d",
        source,
        counts.stored,
        counts.duplicates,
        counts.rejected,
    )
    return counts


def _rate_label(r: RateIn) -> str:
    variant = f" {r.variant}" if r.variant else ""
    return f"{r.base}/{r.quote}{variant} {r.rate_type} {r.as_of} rate {r.rate}"


def store_rates(
    session: Session, source: str, rates: Sequence[RateIn], now: datetime, counts: StoreCounts
) -> None:
    """Rates of a series the source never published before are checked against the same
    pair from another source (3x band); `store_rates` checks the rest against the series'
    previous rate and ignores duplicates."""
    if not rates:
        return
    series = known_series(session, source)
    anchors: dict[tuple[str, str], tuple[Decimal, str] | None] = {}
    accepted: list[RateIn] = []
    for r in rates:
        if (r.base, r.quote, r.rate_type, r.variant) not in series:
            if (r.base, r.quote) not in anchors:
                anchors[(r.base, r.quote)] = _anchor(session, r, source)
            anchor = anchors[(r.base, r.quote)]
            if anchor is not None and check_reference_rate(r.rate, anchor[0]):
                counts.reject(
                    source,
                    _rate_label(r),
                    f"implausible: more than 3x away from {anchor[1]} "
                    "(inverted or 10x?); not stored",
                )
                continue
        accepted.append(r)
    for r, outcome in zip(accepted, store_rate_batch(session, accepted, now), strict=True):
        if outcome is Outcome.STORED:
            counts.stored += 1
        elif outcome is Outcome.DUPLICATE:
            counts.duplicates += 1
        else:
            counts.reject(
                source,
                _rate_label(r),
                f"implausible: more than 3x away from the previous {source} rate "
                "(inverted or 10x?); not stored",
            )


def _anchor(session: Session, r: RateIn, source: str) -> tuple[Decimal, str] | None:
    found = anchor_rate(session, r.base, r.quote, exclude_source=source)
    if found is None:
        return None
    row, inverted = found
    value = Decimal(1) / row.rate if inverted else row.rate
    return value, f"{row.source} {row.base}/{row.quote} {row.rate} of {row.as_of}"


def _quote_label(o: QuoteObservation) -> str:
    q = o.quote
    return (
        f"{q.provider} {q.corridor} {q.send_amount} {q.send_currency}->{q.receive_currency} "
        f"rate {q.rate} fee {q.fee}"
    )


def store_quotes(
    session: Session, source: str, quotes: Sequence[QuoteObservation], counts: StoreCounts
) -> None:
    """Providers named by the source are created when unknown; a quote whose own mid rate
    (Wise's) is far from our reference rate is rejected; `store_quotes` validates, prices
    and stores the rest."""
    references: dict[tuple[str, str], RateView | None] = {}
    providers: set[str] = set()
    accepted: list[QuoteObservation] = []
    for o in quotes:
        q = o.quote
        if q.provider not in providers:
            ensure_provider(session, q.provider, o.provider_name, o.provider_type)
            providers.add(q.provider)
        if q.mid_rate is not None:
            pair = (q.send_currency, q.receive_currency)
            if pair not in references:
                references[pair] = reference_rate(session, *pair)
            ref = references[pair]
            if ref is not None and check_reference_rate(q.mid_rate, ref.rate):
                counts.reject(
                    source,
                    _quote_label(o),
                    f"mid rate {q.mid_rate} is implausible against the reference rate "
                    f"{ref.rate} ({ref.source}, {ref.as_of}); inverted or 10x?",
                )
                continue
        accepted.append(o)
    results = store_quote_batch(session, [o.quote for o in accepted])
    for o, result in zip(accepted, results, strict=True):
        if result.outcome is Outcome.STORED and result.quote is not None:
            counts.stored += 1
        elif result.outcome is Outcome.DUPLICATE:
            counts.duplicates += 1
        else:
            counts.reject(source, _quote_label(o), "; ".join(str(p) for p in result.problems))


__all__ = [
    "Progress",
    "StoreCounts",
    "UnknownCorridor",
    "abandon_dead_runs",
    "load_corridors",
    "run_source",
    "run_sources",
    "store_collected",
    "worker_id",
]
