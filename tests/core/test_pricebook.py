"""The price book: current prices kept at write time, data versions, and what compare reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from api.domain.ranking import FeesMode
from api.services.compare import BOOK, CompareRequest, compare, margin_reference
from api.settings import get_settings
from api.storage.models import CurrentPrice, Quote
from api.storage.outcome import Outcome
from api.storage.pricebook import amount_key, data_versions, rebuild_current_prices
from api.storage.quotes import QuoteIn, store_quotes
from api.storage.rates import RateIn, store_rate

# The tests' own clock: "30 Nov" is the day after the demo data was loaded (the demo loads at
# the machine's time, so fixed dates would stop being the newest a week later).
_DAY30 = datetime(2000, 1, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _day_after_the_demo(demo_now: datetime) -> None:
    global _DAY30
    _DAY30 = demo_now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)


def at(day: int, hour: int = 0) -> datetime:
    """Day `day` of the tests' month at `hour` UTC, where day 30 is the day after the demo."""
    return _DAY30 + timedelta(days=day - 30, hours=hour)


def quote_in(**kw: object) -> QuoteIn:
    base: dict[str, object] = dict(
        provider="hbl",
        corridor="GB-PK",
        send_amount=Decimal("200"),
        send_currency="GBP",
        fee=Decimal("1.00"),
        rate=Decimal("370"),
        receive_currency="PKR",
        payout_method="bank",
        speed="2_5_days",
        payin_method="bank",
        collected_at=at(30, 12),
        source="mystery",
    )
    base.update(kw)
    return QuoteIn(**base)  # type: ignore[arg-type]


def _current(session: Session) -> dict[tuple[int, str], int]:
    rows = session.exec(select(CurrentPrice)).all()
    return {(r.service_id, r.amount_key): r.quote_id for r in rows}


def _newest_from_history(session: Session) -> dict[tuple[int, str], int]:
    newest: dict[tuple[int, str], Quote] = {}
    for q in session.exec(select(Quote)):
        key = (q.service_id, amount_key(q.send_amount))
        cur = newest.get(key)
        if cur is None or (q.collected_at, q.id or 0) > (cur.collected_at, cur.id or 0):
            newest[key] = q
    return {k: q.id or 0 for k, q in newest.items()}


def test_price_book_holds_the_newest_observation_per_service_and_amount(
    session: Session,
) -> None:
    assert _current(session) == _newest_from_history(session)
    older, newer, same_time = store_quotes(
        session,
        [
            quote_in(rate=Decimal("369"), collected_at=at(30, 10)),
            quote_in(rate=Decimal("371"), collected_at=at(30, 13)),
            quote_in(send_amount=Decimal("200.00"), rate=Decimal("372")),
        ],
    )
    assert older.quote and newer.quote and same_time.quote
    current = _current(session)
    key = (newer.quote.service_id, "200")
    assert current[key] == newer.quote.id, "200 and 200.00 are one amount point"
    # An older observation arriving later does not replace a newer current price.
    late = store_quotes(
        session,
        [quote_in(rate=Decimal("368"), collected_at=at(29))],
    )[0]
    assert late.outcome is Outcome.STORED
    assert _current(session)[key] == newer.quote.id
    assert _current(session) == _newest_from_history(session)


def test_rebuild_from_history_equals_what_writes_maintained(session: Session) -> None:
    store_quotes(
        session,
        [quote_in(rate=Decimal(370 + i), collected_at=at(30, i)) for i in range(5)],
    )
    maintained = _current(session)
    rebuild_current_prices(session)
    assert _current(session) == maintained
    rebuild_current_prices(session, {"GB-PK"})
    assert _current(session) == maintained


def test_rejected_and_duplicate_quotes_leave_the_price_book_alone(session: Session) -> None:
    before = _current(session)
    versions = data_versions(session, ["GB-PK"])
    results = store_quotes(session, [quote_in(rate=Decimal("37"))])  # a 10x slip
    assert results[0].outcome is Outcome.REJECTED
    assert _current(session) == before and data_versions(session, ["GB-PK"]) == versions
    store_quotes(session, [quote_in()])
    v1 = data_versions(session, ["GB-PK"])
    assert store_quotes(session, [quote_in()])[0].outcome is Outcome.DUPLICATE
    assert data_versions(session, ["GB-PK"]) == v1


def test_data_version_moves_when_a_quote_or_a_rate_is_stored(session: Session) -> None:
    corridor_v, rates_v = data_versions(session, ["GB-PK", "*"])
    store_quotes(session, [quote_in()])
    assert data_versions(session, ["GB-PK", "*"]) == (corridor_v + 1, rates_v)
    assert data_versions(session, ["GB-BD"])[0] >= 0
    store_rate(
        session,
        RateIn("USD", "PKR", Decimal("280.5"), "interbank", "sbp", at(30).date()),
        at(30),
    )
    assert data_versions(session, ["GB-PK", "*"]) == (corridor_v + 1, rates_v + 1)


def test_compare_reads_only_the_corridors_current_prices(session: Session) -> None:
    now = at(30, 14)
    store_quotes(
        session,
        [
            quote_in(rate=Decimal("300"), collected_at=at(30, 9)),
            quote_in(rate=Decimal("371"), collected_at=at(30, 13)),
        ],
    )
    result = compare(session, CompareRequest("GB", "PK", Decimal("200"), fees=FeesMode.ON_TOP), now)
    hbl = [
        q for q in result.quotes if q.provider.slug == "hbl" and q.service.payout_method == "bank"
    ]
    assert len(hbl) == 1 and hbl[0].priced.rate == Decimal("371")
    history = session.exec(
        select(func.count()).select_from(Quote).where(col(Quote.corridor_code) == "GB-PK")
    ).one()
    book = session.exec(
        select(func.count())
        .select_from(CurrentPrice)
        .where(col(CurrentPrice.corridor_code) == "GB-PK")
    ).one()
    assert book < history


def test_margin_reference_carries_its_date_and_the_48_hour_rule(session: Session) -> None:
    stored = store_quotes(
        session,
        [
            quote_in(
                mid_rate=Decimal("375"),
                mid_rate_type="interbank",
                mid_rate_source="sbp",
                mid_rate_as_of=at(28).date(),
                collected_at=at(30, 23),
            ),
            quote_in(
                send_amount=Decimal("300"),
                mid_rate=Decimal("375"),
                mid_rate_type="official",
                mid_rate_source="sbp",
                mid_rate_as_of=at(27).date(),
                collected_at=at(30, 12),
            ),
        ],
    )
    near, far = (margin_reference(r.quote) for r in stored if r.quote)
    assert near.as_of == at(28).date() and near.gap_hours == 47 and not near.outdated
    assert near.comparable_with_rpw
    assert far.gap_hours == 60 and far.outdated and not far.comparable_with_rpw


def test_quotes_without_a_mid_use_the_rate_nearest_their_capture(session: Session) -> None:
    for day, value in ((at(20).date(), "360"), (at(29).date(), "370")):
        store_rate(
            session,
            RateIn("GBP", "PKR", Decimal(value), "interbank", "test-bank", day),
            at(30),
        )
    q = store_quotes(session, [quote_in(collected_at=at(21, 9), rate=Decimal(355))])[0].quote
    assert q is not None
    # The newest on or before the capture day (20 Nov), not the newest overall (29 Nov).
    assert q.mid_rate_as_of is not None and q.mid_rate_as_of <= at(21).date()
    assert margin_reference(q).gap_hours is not None


def test_a_new_quote_shows_on_the_next_request_with_the_cache_on(
    client: TestClient, session: Session
) -> None:
    mp = pytest.MonkeyPatch()
    try:
        mp.setattr(get_settings(), "compare_cache_s", 30.0)
        client.app.state.response_cache.ttl_s = 30.0  # type: ignore[attr-defined]
        BOOK.clear()
        params = {"from": "GB", "to": "PK", "amount": "200", "fees": "on_top", "payout": "bank"}
        first = client.get("/api/v1/compare", params=params).json()
        again = client.get("/api/v1/compare", params=params).json()
        assert again == first
        now = client.get("/api/v1/compare", params=params).json()["data_as_of"]
        store_quotes(
            session,
            [
                quote_in(
                    rate=Decimal("374"),
                    fee=Decimal("0"),
                    collected_at=datetime.fromisoformat(now.replace("Z", "+00:00"))
                    + timedelta(minutes=1),
                )
            ],
        )
        after = client.get("/api/v1/compare", params=params).json()
        assert after["data_version"] != first["data_version"]
        assert after["quotes"][0]["provider"]["slug"] == "hbl"
        assert after["quotes"][0]["rate"] == "374"
    finally:
        mp.undo()
        BOOK.clear()


def test_a_held_book_on_sqlite_is_answered_on_the_event_loop(
    client: TestClient, session: Session, demo_now: datetime
) -> None:
    """The compare route answers on the loop only when no I/O can wait: SQLite, with the
    corridor's book for the current data version in memory. A new quote makes the next
    answer a thread-pool one (the book is rebuilt), and the answer shows the quote."""
    from api.http.routes import _render_compare

    app = client.app
    req = CompareRequest("GB", "PK", Decimal("200"), fees=FeesMode.ON_TOP, payout="bank")
    mp = pytest.MonkeyPatch()
    try:
        mp.setattr(get_settings(), "compare_cache_s", 30.0)
        BOOK.clear()
        assert _render_compare(app, req, demo_now, on_loop=True) is None  # not held yet
        first = _render_compare(app, req, demo_now)
        on_loop = _render_compare(app, req, demo_now, on_loop=True)
        if session.get_bind().dialect.name == "sqlite":
            assert on_loop == first
        else:  # PostgreSQL is over the network: always the thread pool
            assert on_loop is None
        store_quotes(
            session,
            [quote_in(rate=Decimal("374"), fee=Decimal("0"), collected_at=demo_now)],
        )
        assert _render_compare(app, req, demo_now, on_loop=True) is None  # a new version
        after = _render_compare(app, req, demo_now)
        assert after is not None and b'"rate":"374"' in after
    finally:
        mp.undo()
        BOOK.clear()
