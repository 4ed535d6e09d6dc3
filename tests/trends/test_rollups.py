"""Rollups hold exactly what the RPW aggregates need: on generated histories the figures read
from the rollups equal the figures recomputed from the raw quote rows, for every period kind
and basket, our series (source != "rpw") and the imported RPW series (source "rpw") alike;
storing the same quotes again, or rebuilding, changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, col, select

from api.domain.aggregates import CorridorAggregate, Observation, aggregate
from api.domain.periods import PeriodKind, period_of, period_start
from api.domain.provider_types import rpw_firm_type
from api.domain.speed import Speed
from api.services.trends import our_averages, our_series, rpw_series
from api.storage.models import Corridor, Provider, Quote, TrendRollup
from api.storage.outcome import Outcome
from api.storage.quotes import QuoteIn, store_quotes
from api.storage.rollups import rebuild_rollups

START = datetime(2023, 1, 1, tzinfo=UTC)  # before any demo or fixture quote
END = datetime(2024, 1, 1, tzinfo=UTC)
CORRIDORS = {"GB-PK": ("PKR", "400"), "GB-BD": ("BDT", "150")}
PROVIDERS = ("wise", "remitly", "western-union", "hbl", "moneygram", "ria")
SERVICES = (("bank", "bank", "same_day"), ("card", "cash", "minutes"), ("bank", "bank", "2_5_days"))
SERVICES += (("card", "cash", "over_5_days"),)

quote_strategy = st.fixed_dictionaries(
    {
        "corridor": st.sampled_from(sorted(CORRIDORS)),
        "provider": st.sampled_from(PROVIDERS),
        "service": st.sampled_from(SERVICES),
        "amount": st.sampled_from(["120", "300", "100"]),  # two baskets and a ladder point
        "fee": st.decimals(min_value=0, max_value=15, places=2),
        "margin_bp": st.integers(min_value=0, max_value=800),  # rate below mid, basis points
        "minutes": st.integers(min_value=0, max_value=60 * 24 * 200),  # spread over ~2 quarters
        "source": st.sampled_from(["mystery", "feed", "rpw"]),
        "transparent": st.booleans(),
    }
)


def quote_in(d: dict[str, object]) -> QuoteIn:
    corridor = str(d["corridor"])
    currency, mid = CORRIDORS[corridor]
    payin, payout, speed = d["service"]  # type: ignore[misc]
    rate = Decimal(mid) * (Decimal(10000) - Decimal(d["margin_bp"])) / Decimal(10000)  # type: ignore[arg-type]
    return QuoteIn(
        provider=str(d["provider"]),
        corridor=corridor,
        send_amount=Decimal(str(d["amount"])),
        send_currency="GBP",
        fee=d["fee"],  # type: ignore[arg-type]
        rate=rate,
        receive_currency=currency,
        payout_method=payout,
        payin_method=payin,
        speed=speed,
        collected_at=START + timedelta(minutes=d["minutes"]),  # type: ignore[arg-type]
        source=str(d["source"]),
        mid_rate=Decimal(mid),
        mid_rate_type="interbank",
        mid_rate_source="test",
        transparent=bool(d["transparent"]),
    )


def raw_figures(
    session: Session, code: str, basket: int, kind: PeriodKind, *, rpw: bool
) -> dict[str, tuple[CorridorAggregate, int, int]]:
    """Recomputed from the quote table directly: per period, each service's newest quote at
    exactly the basket amount -> (aggregate, providers, observations)."""
    corridor = session.get(Corridor, code)
    assert corridor is not None
    amount = corridor.basket_200 if basket == 200 else corridor.basket_500
    types = {p.id: p.type for p in session.exec(select(Provider))}
    newest: dict[tuple[str, int], Quote] = {}
    for q in session.exec(
        select(Quote).where(
            Quote.corridor_code == code,
            col(Quote.collected_at) >= START,
            col(Quote.collected_at) < END,
        )
    ):
        if q.estimated or q.send_amount != amount or (q.source == "rpw") != rpw:
            continue
        key = (period_of(q.collected_at, kind), q.service_id)
        cur = newest.get(key)
        if cur is None or (q.collected_at, q.id or 0) > (cur.collected_at, cur.id or 0):
            newest[key] = q
    per_period: dict[str, list[Quote]] = {}
    for (period, _), q in newest.items():
        per_period.setdefault(period, []).append(q)
    out = {}
    for period, quotes in per_period.items():
        obs = [
            Observation(
                q.total_cost_pct,
                q.transparent,
                Speed(q.speed).within_5_days,
                True,
                rpw_firm_type(types[q.provider_id]),  # breakdowns use RPW's firm types
                promotional=q.promotional,
                firm=str(q.provider_id),  # the rollups key firms by provider id
            )
            for q in quotes
        ]
        providers = len({q.provider_id for q in quotes if q.transparent})
        out[period] = (aggregate(obs), providers, len(quotes))
    return out


def rollup_figures(
    session: Session, code: str, basket: int, kind: PeriodKind, *, rpw: bool
) -> dict[str, tuple[CorridorAggregate, int, int]]:
    if rpw:
        if kind is not PeriodKind.QUARTER:
            return {}
        series = rpw_series(session, [code], basket).get(code, [])
    else:
        corridor = session.get(Corridor, code)
        assert corridor is not None
        series = our_series(session, [corridor], basket, kind)[code]
    return {
        p.period: (p.stats, p.providers, p.observations)
        for p in series
        if date(2022, 12, 1) <= period_start(p.period) < END.date()  # generated history only
    }


def rollup_rows(session: Session) -> list[tuple[object, ...]]:
    """Every rollup row (the demo's too) as stored, sorted. The columns are read alone: the
    rows as ORM objects took most of this test's time (thousands of them, three times per
    example) for the same values."""
    rows = session.exec(
        select(
            TrendRollup.corridor_code,
            TrendRollup.period_kind,
            TrendRollup.period,
            TrendRollup.basket_usd,
            TrendRollup.source,
            TrendRollup.service_key,
            TrendRollup.total_cost_pct,
            TrendRollup.observed_at,
            TrendRollup.quote_id,
        )
    ).all()
    return sorted(tuple(r) for r in rows)


def check_equal(session: Session) -> None:
    for code in CORRIDORS:
        for basket in (200, 500):
            for kind in PeriodKind:
                assert rollup_figures(session, code, basket, kind, rpw=False) == raw_figures(
                    session, code, basket, kind, rpw=False
                ), (code, basket, kind)
                # the averages-only read (cross-corridor averages) gives the same averages
                corridor = session.get(Corridor, code)
                assert corridor is not None
                full = our_series(session, [corridor], basket, kind)[code]
                light = our_averages(session, [corridor], basket, kind)[code]
                assert [(p.period, p.average_pct, p.sample) for p in full] == [
                    (p.period, p.average_pct, p.sample) for p in light
                ]
            raw = raw_figures(session, code, basket, PeriodKind.QUARTER, rpw=True)
            got = rollup_figures(session, code, basket, PeriodKind.QUARTER, rpw=True)
            assert got == raw, (code, basket, "rpw")


@pytest.mark.slow  # among the longest tests: handed out first (tests/conftest.py)
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    history=st.lists(quote_strategy, min_size=1, max_size=40),
    batch=st.integers(min_value=1, max_value=10),
)
def test_rollup_figures_equal_raw_recomputation(
    session: Session, history: list[dict[str, object]], batch: int
) -> None:
    nested = session.begin_nested()
    try:
        quotes = [quote_in(d) for d in history]
        stored = 0
        for start in range(0, len(quotes), batch):
            results = store_quotes(session, quotes[start : start + batch])
            stored += sum(r.outcome is Outcome.STORED for r in results)
        assert stored >= 1
        check_equal(session)
        before = rollup_rows(session)

        # Re-collection / re-import of the same quotes: all duplicates, nothing counted twice.
        again = store_quotes(session, quotes)
        assert all(r.outcome is Outcome.DUPLICATE for r in again)
        assert rollup_rows(session) == before
        check_equal(session)

        # A rebuild from the raw history gives the same rows the incremental path kept.
        rebuild_rollups(session)
        assert rollup_rows(session) == before
    finally:
        nested.rollback()


def test_older_quote_stored_later_does_not_replace_the_newer(session: Session) -> None:
    """A late-arriving older observation (backfill) never displaces a service's newer one."""
    base = {
        "corridor": "GB-PK",
        "provider": "wise",
        "service": SERVICES[0],
        "amount": "120",
        "fee": Decimal("1.20"),
        "source": "feed",
        "transparent": True,
    }
    newer = quote_in({**base, "margin_bp": 100, "minutes": 600})
    older = quote_in({**base, "margin_bp": 500, "minutes": 60})
    store_quotes(session, [newer])
    store_quotes(session, [older])
    (p,) = [
        p
        for p in our_series(session, [session.get(Corridor, "GB-PK")], 200, PeriodKind.DAY)[  # type: ignore[list-item]
            "GB-PK"
        ]
        if p.period == "2023-01-01"
    ]
    assert p.stats.services == 1
    assert p.stats.average_pct == Decimal("2.00")  # 1 % fee + 1 % margin: the newer quote
