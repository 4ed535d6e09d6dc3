from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal, localcontext

import pytest

from scrapers.parsers import ParseError, imf
from tests.recorded import RECORDED

FIXTURE = RECORDED / "imf" / "rms_mth-2026-03-REP.tsv"


@pytest.fixture(scope="module")
def content() -> bytes:
    return FIXTURE.read_bytes()


@pytest.fixture(scope="module")
def observations(content: bytes) -> list[imf.RateObservation]:
    return imf.parse(content)


def _find(observations, code: str, day: date):
    return [o for o in observations if o.quote == code and o.as_of == day]


def _inverse(text: str) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 28
        return Decimal(1) / Decimal(text)


def test_counts(observations) -> None:
    assert len(observations) == 712  # non-NA cells of 35 non-USD rows x 22 days
    assert len({o.quote for o in observations}) == 35
    assert len({o.as_of for o in observations}) == 22
    assert min(o.as_of for o in observations) == date(2026, 3, 2)
    assert max(o.as_of for o in observations) == date(2026, 3, 31)
    assert all(o.base == "USD" and o.source == "imf" for o in observations)
    assert "USD" not in {o.quote for o in observations}
    assert Counter(o.quote for o in observations)["OMR"] == 9 + 1  # NA: 2 + 10 of 22 days


def test_direct_rows(observations) -> None:
    [cny] = _find(observations, "CNY", date(2026, 3, 2))
    assert cny.rate == Decimal("6.882900")
    [jpy] = _find(observations, "JPY", date(2026, 3, 31))
    assert jpy.rate == Decimal("159.800000")


def test_inverted_rows(observations) -> None:
    [eur] = _find(observations, "EUR", date(2026, 3, 2))  # "Euro(1)  1.169800"
    assert eur.rate == _inverse("1.169800")
    assert str(eur.rate) == "0.8548469823901521627628654471"
    [gbp] = _find(observations, "GBP", date(2026, 3, 31))  # "U.K. pound(1)  1.319850"
    assert gbp.rate == _inverse("1.319850")
    [bwp] = _find(observations, "BWP", date(2026, 3, 2))
    assert bwp.rate == _inverse("0.077200")


def test_thousands_separator_and_gaps(observations) -> None:
    [krw] = _find(observations, "KRW", date(2026, 3, 3))  # "1,435.400000"
    assert krw.rate == Decimal("1435.400000")
    assert _find(observations, "KRW", date(2026, 3, 2)) == []  # NA
    assert _find(observations, "AUD", date(2026, 3, 9)) == []  # NA in an inverted row


def test_truncated_body_raises(content: bytes) -> None:
    with pytest.raises(ParseError, match="truncated"):
        imf.parse(content[: content.index(b"Korean won")])
    with pytest.raises(ParseError):
        imf.parse(b"")


def test_short_row_raises(content: bytes) -> None:
    broken = content.replace(b"\t3.640000\r\nSaudi", b"\r\nSaudi", 1)
    with pytest.raises(ParseError, match="values for"):
        imf.parse(broken)


def test_changed_header_raises(content: bytes) -> None:
    with pytest.raises(ParseError, match="header"):
        imf.parse(content.replace(b"Currency\t", b"Devise\t"))
    with pytest.raises(ParseError, match="not a date"):
        imf.parse(content.replace(b"March 02, 2026", b"2026-03-02", 1))
