from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from api.storage.models import Corridor, Quote, ReferenceRate
from api.storage.outcome import Outcome
from api.storage.quotes import QuoteIn, store_quote
from api.storage.rates import RateIn, rates_for_pair, reference_rate, store_rate

EXACT = [Decimal("12345678901234.0123456789"), Decimal("0.000001"), Decimal("-0.5"), Decimal("0")]


@pytest.mark.parametrize("value", EXACT)
def test_decimals_round_trip_exactly(session: Session, value: Decimal) -> None:
    row = ReferenceRate(
        base="USD",
        quote="XXX",
        rate=value,
        rate_type="official",
        source="test",
        as_of=date(2026, 1, 1),
        collected_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    session.add(row)
    session.flush()
    session.expire_all()
    loaded = session.exec(select(ReferenceRate).where(ReferenceRate.quote == "XXX")).one()
    assert loaded.rate == value
    assert str(loaded.rate) == str(value) or loaded.rate.normalize() == value.normalize()


def test_money_is_stored_as_exact_text_or_numeric_never_float(
    engine: Engine, session: Session
) -> None:
    session.add(
        ReferenceRate(
            base="USD",
            quote="XXY",
            rate=Decimal("0.1"),
            rate_type="official",
            source="test",
            as_of=date(2026, 1, 1),
            collected_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
    )
    session.flush()
    typeof = "typeof" if engine.dialect.name == "sqlite" else "pg_typeof"
    sql = f"SELECT {typeof}(rate)::text FROM referencerate WHERE quote='XXY'"
    if engine.dialect.name == "sqlite":
        sql = sql.replace("::text", "")
    kind = session.execute(text(sql)).scalar()
    assert kind == {"sqlite": "text", "postgresql": "numeric"}[engine.dialect.name]


def test_datetimes_come_back_utc_aware(session: Session) -> None:
    stamp = datetime(2026, 3, 1, 12, 30, tzinfo=timezone(timedelta(hours=5)))
    session.add(
        ReferenceRate(
            base="USD",
            quote="XXZ",
            rate=Decimal("1"),
            rate_type="official",
            source="test",
            as_of=date(2026, 3, 1),
            collected_at=stamp,
        )
    )
    session.flush()
    session.expire_all()
    loaded = session.exec(select(ReferenceRate).where(ReferenceRate.quote == "XXZ")).one()
    assert loaded.collected_at == stamp
    assert loaded.collected_at.utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused(session: Session) -> None:
    session.add(
        ReferenceRate(
            base="USD",
            quote="XXW",
            rate=Decimal("1"),
            rate_type="official",
            source="test",
            as_of=date(2026, 3, 1),
            collected_at=datetime(2026, 3, 1),
        )
    )
    with pytest.raises(Exception, match="naive datetime"):
        session.flush()


def test_reference_data_has_every_required_corridor(session: Session) -> None:
    codes = {c.code for c in session.exec(select(Corridor))}
    required = {
        "PK": "SA AE GB US QA KW OM IT DE ES CA",
        "BD": "SA AE GB US IT MY OM KW QA",
        "AF": "DE GB US TR SE PK IR",
        "IQ": "TR DE US SE GB JO",
        "IR": "DE GB US SE AE TR CA",
    }
    for dst, srcs in required.items():
        for src in srcs.split():
            assert f"{src}-{dst}" in codes
    assert len(codes) >= 35
    iran = session.get(Corridor, "GB-IR")
    assert iran is not None and "sanctions" in (iran.no_provider_reason or "")


def quote_in(**kw: object) -> QuoteIn:
    base: dict[str, object] = dict(
        provider="western-union",
        corridor="GB-PK",
        send_amount=Decimal("200"),
        send_currency="GBP",
        fee=Decimal("3.00"),
        rate=Decimal("370"),
        receive_currency="PKR",
        payout_method="bank",
        speed="minutes",
        collected_at=datetime(2026, 11, 1, tzinfo=UTC),
        source="mystery",
    )
    base.update(kw)
    return QuoteIn(**base)  # type: ignore[arg-type]


def test_store_quote_prices_with_the_cost_engine_and_is_idempotent(session: Session) -> None:
    ref = reference_rate(session, "GBP", "PKR")
    assert ref is not None and ref.source == "sbp" and ref.rate_type == "interbank"
    first = store_quote(session, quote_in())
    assert first.outcome is Outcome.STORED and first.quote is not None
    q = first.quote
    assert q.mid_rate == ref.rate
    assert q.fx_margin_pct == (ref.rate - Decimal("370")) / ref.rate * 100
    assert q.total_cost_pct == Decimal("3.00") / 200 * 100 + q.fx_margin_pct
    assert q.received_amount == Decimal("74000")
    assert store_quote(session, quote_in()).outcome is Outcome.DUPLICATE


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"rate": Decimal("3700")}, "rate"),  # 10x
        ({"rate": Decimal("0.0027")}, "rate"),  # inverted
        ({"send_amount": Decimal("-5")}, "send_amount"),
        ({"corridor": "XX-PK"}, "corridor"),
        ({"receive_currency": "USD"}, "receive_currency"),
        ({"payout_method": "pigeon"}, "payout_method"),
        ({"provider": "nobody"}, "provider"),
    ],
)
def test_implausible_quotes_are_rejected_naming_the_field(
    session: Session, change: dict[str, object], field: str
) -> None:
    before = session.exec(select(Quote)).all()
    result = store_quote(session, quote_in(**change))
    assert result.outcome is Outcome.REJECTED
    assert field in {p.field for p in result.problems}
    assert len(session.exec(select(Quote)).all()) == len(before)


def test_cross_rates_are_derived_and_marked(session: Session) -> None:
    # DAB publishes AFN per USD/EUR/GBP… but not per SEK: SEK->AFN goes through a pivot
    # (SEK from the ECB or IMF) and must say so.
    rates = rates_for_pair(session, "SEK", "AFN")
    assert rates, "expected a derived SEK/AFN rate"
    assert all(r.derived for r in rates)
    assert rates[0].via in {"USD", "EUR"} and "dab" in rates[0].source
    # GBP->AFN is published directly by DAB: not derived.
    direct = rates_for_pair(session, "GBP", "AFN")
    assert direct[0].source == "dab" and not direct[0].derived


def test_reference_rate_duplicates_and_jumps_are_refused(session: Session) -> None:
    r = RateIn("USD", "XQA", Decimal("100"), "official", "test", date(2026, 1, 1))
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert store_rate(session, r, now) is Outcome.STORED
    assert store_rate(session, r, now) is Outcome.DUPLICATE
    jump = RateIn("USD", "XQA", Decimal("1000"), "official", "test", date(2026, 1, 2))
    assert store_rate(session, jump, now) is Outcome.REJECTED
