"""One validation for every ingestion path (issue 13, item 2): the same bounds whether a
quote comes from a feed, a mystery shopper, a collector or the RPW import. The absurd rows
here (10^18, 400 digits, captured in 2999) were stored before and broke the exports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from api.domain.validation import (
    AmountRange,
    check_bounds,
    check_not_future,
    check_number,
    plausible_amounts,
)
from api.services.ingest import import_feed
from api.settings import get_settings
from api.storage.apikeys import create_key
from api.storage.models import Corridor, Quote
from api.storage.outcome import Outcome
from api.storage.quotes import store_quotes
from api.storage.types import utcnow
from tests.core.test_storage import quote_in

GBP = AmountRange(Decimal("0.5"), Decimal("200000"))


def test_the_plausible_range_comes_from_the_ladder_and_baskets(session: Session) -> None:
    gb_pk = session.get(Corridor, "GB-PK")
    assert gb_pk is not None
    points = [*gb_pk.ladder_amounts(), gb_pk.basket_200, gb_pk.basket_500]
    assert plausible_amounts(points) == GBP  # ladder 50-2000: 1/100 of 50, 100x 2000
    assert plausible_amounts([None]) is None


@pytest.mark.parametrize(
    ("amount", "ok"),
    [("0.5", True), ("200000", True), ("0.49", False), ("200000.01", False), ("1e14", False)],
)
def test_send_amount_must_sit_in_the_corridor_range(amount: str, ok: bool) -> None:
    problems = check_bounds(Decimal(amount), Decimal(0), Decimal(370), Decimal(0), GBP, "GBP")
    assert (problems == []) is ok
    if not ok:
        assert problems[0].field == "send_amount" and "0.5-200000 GBP" in problems[0].reason


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (Decimal("NaN"), "not a finite number"),
        (Decimal("Infinity"), "not a finite number"),
        (Decimal("9" * 400), "digits before the point"),
        (Decimal("1e-30"), "decimal places"),
    ],
)
def test_numbers_must_be_finite_and_of_bounded_precision(value: Decimal, message: str) -> None:
    [problem] = check_number(value, "rate")
    assert problem.field == "rate" and message in problem.reason


def test_fee_and_receive_fee_bounds() -> None:
    def fields(fee: str, receive_fee: str = "0") -> list[str]:
        problems = check_bounds(
            Decimal(200), Decimal(fee), Decimal(370), Decimal(receive_fee), GBP, "GBP"
        )
        return [p.field for p in problems]

    assert fields("0") == [] and fields("199.99") == []
    assert fields("-0.01") == ["fee"] and fields("200") == ["fee"]
    assert fields("1", "-1") == ["receive_fee"]


def test_capture_times_may_not_be_in_the_future() -> None:
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    assert check_not_future(now + timedelta(minutes=4), now, "captured_at") == []
    [problem] = check_not_future(datetime(2999, 1, 1, tzinfo=UTC), now, "captured_at")
    assert problem.field == "captured_at" and "in the future" in problem.reason


# -- every path uses it ----------------------------------------------------------------------


HEADER = (
    "provider,from,to,send_currency,receive_currency,send_amount,fee,rate,receive_fee,"
    "payout_method,payin_method,speed,promotional,captured_at"
)


def feed_line(**kw: str) -> str:
    row = {
        "send_amount": "120",
        "fee": "2.99",
        "rate": "372.10",
        "captured_at": (utcnow() - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    } | kw
    return (
        f"western-union,GB,PK,GBP,PKR,{row['send_amount']},{row['fee']},{row['rate']},0,"
        f"cash,card,minutes,false,{row['captured_at']}"
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"send_amount": "1000000000000000000"}, "send_amount"),
        ({"send_amount": "9" * 400}, "send_amount"),
        ({"send_amount": "0.40", "fee": "0"}, "send_amount"),
        ({"fee": "-1"}, "fee"),
        ({"fee": "120"}, "fee"),
        ({"rate": "3721"}, "rate"),
        ({"captured_at": "2999-01-01T00:00:00Z"}, "captured_at"),
    ],
)
def test_a_feed_row_out_of_bounds_is_rejected_and_nothing_is_stored(
    session: Session, change: dict[str, str], field: str
) -> None:
    before = session.exec(select(func.count()).select_from(Quote)).one()
    content = "\n".join([HEADER, feed_line(**change)]).encode()
    report = import_feed(session, content, filename="feed.csv", now=utcnow())
    assert report.stored == 0
    assert [(r.line, r.field) for r in report.rejected] == [(2, field)], report.rejected
    assert session.exec(select(func.count()).select_from(Quote)).one() == before


def test_a_mystery_quote_captured_in_the_future_is_a_422(
    client: TestClient, session: Session
) -> None:
    _, plain = create_key(
        session, "m", utcnow(), secret=get_settings().secret_key, scopes=["ingest"]
    )
    body = {
        "provider": "western-union",
        "from": "GB",
        "to": "PK",
        "send_currency": "GBP",
        "receive_currency": "PKR",
        "send_amount": "120",
        "fee": "2.99",
        "rate": "372.10",
        "payout_method": "cash",
        "speed": "minutes",
        "captured_at": "2999-01-01T00:00:00Z",
    }
    response = client.post("/api/v1/admin/quotes", json=body, headers={"X-API-Key": plain})
    assert response.status_code == 422
    assert [d["loc"] for d in response.json()["detail"]] == [["body", "captured_at"]]
    response = client.post(
        "/api/v1/admin/quotes",
        json=body | {"captured_at": None, "send_amount": "500000"},
        headers={"X-API-Key": plain},
    )
    assert response.status_code == 422
    assert [d["loc"] for d in response.json()["detail"]] == [["body", "send_amount"]]


@pytest.mark.parametrize("source", ["wise", "rpw", "feed", "mystery"])
def test_collector_and_survey_quotes_get_the_same_bounds(session: Session, source: str) -> None:
    now = utcnow()
    results = store_quotes(
        session,
        [
            quote_in(source=source, send_amount=Decimal(10) ** 18, collected_at=now),
            quote_in(source=source, collected_at=now + timedelta(days=1)),
            quote_in(source=source, source_captured_at=datetime(2999, 1, 1, tzinfo=UTC)),
            quote_in(source=source, rate=Decimal("NaN")),
        ],
    )
    assert [r.outcome for r in results] == [Outcome.REJECTED] * 4
    assert [r.problems[0].field for r in results] == [
        "send_amount",
        "collected_at",
        "captured_at",
        "rate",
    ]
