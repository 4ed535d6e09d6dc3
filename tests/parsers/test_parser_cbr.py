from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from scrapers.parsers import ParseError, cbr
from tests.recorded import RECORDED

FIXTURE = RECORDED / "cbr" / "XML_daily.xml"


@pytest.fixture(scope="module")
def content() -> bytes:
    return FIXTURE.read_bytes()


@pytest.fixture(scope="module")
def observations(content: bytes) -> list[cbr.RateObservation]:
    return cbr.parse(content)


def _rate(observations, code: str) -> Decimal:
    [match] = [o for o in observations if o.base == code]
    return match.rate


def test_counts(observations) -> None:
    assert len(observations) == 54
    assert {o.as_of for o in observations} == {date(2026, 4, 25)}
    assert all(o.quote == "RUB" and o.source == "cbr" for o in observations)


def test_exact_values(observations) -> None:
    assert _rate(observations, "USD") == Decimal("75.5273")
    assert _rate(observations, "EUR") == Decimal("88.2826")
    assert _rate(observations, "GBP") == Decimal("102.0374")
    # Nominal > 1: Value / Nominal
    assert _rate(observations, "JPY") == Decimal("0.472636")  # 47,2636 per 100
    assert _rate(observations, "BDT") == Decimal("0.614421")  # 61,4421 per 100
    assert _rate(observations, "IRR") == Decimal("0.0000539256")  # 53,9256 per 1,000,000
    assert _rate(observations, "TRY") == Decimal("1.68386")  # 16,8386 per 10


def test_truncated_body_raises(content: bytes) -> None:
    with pytest.raises(ParseError, match="truncated"):
        cbr.parse(content[:-200])
    with pytest.raises(ParseError):
        cbr.parse(b"")


def test_changed_layout_raises(content: bytes) -> None:
    with pytest.raises(ParseError, match="ValCurs"):
        cbr.parse(content.replace(b"ValCurs", b"Rates"))
    with pytest.raises(ParseError, match="Nominal"):
        cbr.parse(content.replace(b"<Nominal>", b"<Units>").replace(b"</Nominal>", b"</Units>"))


def test_point_instead_of_decimal_comma_raises(content: bytes) -> None:
    with pytest.raises(ParseError, match="decimal comma"):
        cbr.parse(content.replace(b"<Value>75,5273</Value>", b"<Value>75.5273</Value>"))
