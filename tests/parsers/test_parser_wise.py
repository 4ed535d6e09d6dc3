from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from scrapers.parsers import ParseError, wise
from tests.recorded import RECORDED

FIXTURE = RECORDED / "wise" / "comparison-gbp-eur-10000.json"


@pytest.fixture(scope="module")
def content() -> bytes:
    return FIXTURE.read_bytes()


@pytest.fixture(scope="module")
def quotes(content: bytes) -> dict[str, wise.ProviderQuote]:
    return {q.provider_alias: q for q in wise.parse(content)}


def test_two_providers(quotes) -> None:
    assert sorted(quotes) == ["barclays", "wise"]
    assert all(q.source_currency == "GBP" and q.target_currency == "EUR" for q in quotes.values())
    assert all(q.send_amount == Decimal("10000") for q in quotes.values())


def test_wise_quote_in_our_model(quotes) -> None:
    q = quotes["wise"]
    assert (q.provider_name, q.provider_type) == ("Wise", "moneyTransferProvider")
    assert q.fee == Decimal("37.12")
    assert q.rate == Decimal("1.15989")
    assert q.received_amount == Decimal("11598.90")  # 10000 * rate, fee paid on top
    assert q.wise_received_amount == Decimal("11555.84")  # Wise: (10000 - fee) * rate
    assert (Decimal("10000") - q.fee) * q.rate == Decimal("11555.8448832")
    assert q.markup_pct == Decimal("0")
    assert q.mid_rate == Decimal("1.15989")
    assert q.date_collected == datetime(2019, 10, 22, 14, 36, 43, tzinfo=UTC)
    assert q.delivery_min == q.delivery_max == timedelta(hours=20, minutes=8, seconds=16.305111)
    assert q.target_country is None
    assert q.is_mid_market_rate is True and q.partner is False


def test_barclays_markup_matches_implied_mid(quotes) -> None:
    q = quotes["barclays"]
    assert (q.provider_type, q.fee, q.rate) == ("bank", Decimal("0"), Decimal("1.12792426"))
    assert q.markup_pct == Decimal("2.75592858")
    assert q.mid_rate is not None
    recomputed = (q.mid_rate - q.rate) / q.mid_rate * 100
    assert abs(recomputed - Decimal("2.75592858")) < Decimal("1e-6")
    assert abs(q.mid_rate - quotes["wise"].mid_rate) < Decimal("1e-8")  # same market mid
    assert q.received_amount == Decimal("11279.2426")
    assert q.wise_received_amount == Decimal("11279.24")
    assert (q.target_country, q.source_country) == ("ES", "GB")
    assert q.delivery_min == q.delivery_max == timedelta(hours=24)
    assert q.date_collected == datetime(2019, 10, 22, 14, 0, 4, tzinfo=UTC)


def _with_barclays_quotes(content: bytes, extra: list[dict]) -> bytes:
    document = json.loads(content)
    barclays = document["providers"][1]
    barclays["quotes"] = barclays["quotes"] + extra
    return json.dumps(document).encode()


def test_reduction_keeps_cheapest_per_target_country(content: bytes) -> None:
    base = json.loads(content)["providers"][1]["quotes"][0]
    dearer_es = {**base, "fee": 5, "dateCollected": "2019-10-22T15:00:04Z"}
    germany = {**base, "targetCountry": "DE", "fee": 2.5}
    slow = {"duration": {"min": None, "max": "P2D"}}
    cheaper_de = {**germany, "fee": 1, "deliveryEstimation": slow}
    body = _with_barclays_quotes(content, [dearer_es, germany, cheaper_de])
    barclays = [q for q in wise.parse(body) if q.provider_alias == "barclays"]
    assert [(q.target_country, q.fee) for q in barclays] == [
        ("ES", Decimal("0")),
        ("DE", Decimal("1")),
    ]
    assert barclays[1].delivery_min is None and barclays[1].delivery_max == timedelta(days=2)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PT24H", timedelta(hours=24)),
        ("PT20H8M16.305111S", timedelta(hours=20, minutes=8, seconds=16, microseconds=305111)),
        ("P1DT2H", timedelta(days=1, hours=2)),
        ("P3D", timedelta(days=3)),
        ("P1W", timedelta(days=7)),
        ("PT0S", timedelta(0)),
        ("PT1.5H", timedelta(minutes=90)),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert wise.parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "P", "PT", "P1Y", "P1M", "24H", "PT-1H", "P1DT"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ParseError):
        wise.parse_duration(text)


def test_timestamps_with_nanoseconds_and_offsets() -> None:
    assert wise.parse_timestamp("2025-02-05T15:08:00.000000492Z") == datetime(
        2025, 2, 5, 15, 8, tzinfo=UTC
    )
    assert wise.parse_timestamp("2019-10-22T16:36:43+02:00") == datetime(
        2019, 10, 22, 14, 36, 43, tzinfo=UTC
    )
    with pytest.raises(ParseError):
        wise.parse_timestamp("2019-10-22T14:36:43")  # no offset: ambiguous


def test_truncated_body_raises(content: bytes) -> None:
    with pytest.raises(ParseError, match="JSON"):
        wise.parse(content[: len(content) // 2])


def test_changed_layout_raises(content: bytes) -> None:
    with pytest.raises(ParseError, match="providers"):
        wise.parse(content.replace(b'"providers"', b'"competitors"'))
    with pytest.raises(ParseError, match="rate"):
        wise.parse(content.replace(b'"rate"', b'"exchangeRate"'))


def test_recipient_amount_requests_are_refused(content: bytes) -> None:
    with pytest.raises(ParseError, match="amountType"):
        wise.parse(content.replace(b'"SEND"', b'"RECIPIENT"'))


def test_corridor_without_providers_is_empty_not_an_error(content: bytes) -> None:
    document = json.loads(content)
    document["targetCurrency"] = "IRR"
    document["providers"] = []
    assert wise.parse(json.dumps(document).encode()) == []
