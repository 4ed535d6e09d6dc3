from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

import pytest

from scrapers.parsers import ParseError, ecb
from tests.recorded import RECORDED

FIXTURE = RECORDED / "ecb" / "exr-daily.csv"


@pytest.fixture(scope="module")
def content() -> bytes:
    return FIXTURE.read_bytes()


@pytest.fixture(scope="module")
def observations(content: bytes) -> list[ecb.RateObservation]:
    return ecb.parse(content)


def _rate(observations, code: str, day: date) -> Decimal:
    [match] = [o for o in observations if o.quote == code and o.as_of == day]
    return match.rate


def test_counts(observations) -> None:
    assert len(observations) == 29 * 22
    assert set(Counter(o.quote for o in observations).values()) == {22}
    assert {o.as_of for o in observations} >= {date(2026, 2, 17), date(2026, 3, 18)}
    assert all(o.base == "EUR" and o.rate_type == "official" for o in observations)
    assert not {"AFN", "BDT", "IRR", "IQD", "PKR"} & {o.quote for o in observations}


def test_exact_values(observations) -> None:
    assert _rate(observations, "AUD", date(2026, 2, 17)) == Decimal("1.6776")
    assert _rate(observations, "AUD", date(2026, 2, 20)) == Decimal("1.6697")
    assert _rate(observations, "ZAR", date(2026, 3, 18)) == Decimal("19.4174")


def test_extra_sdmx_columns_and_gaps() -> None:
    body = (
        b"KEY,FREQ,CURRENCY,CURRENCY_DENOM,EXR_TYPE,EXR_SUFFIX,TIME_PERIOD,OBS_VALUE\r\n"
        b"EXR.D.USD.EUR.SP00.A,D,USD,EUR,SP00,A,2026-03-18,1.0876\r\n"
        b"EXR.D.USD.EUR.SP00.A,D,USD,EUR,SP00,A,2026-03-19,\r\n"
        b"EXR.D.GBP.EUR.SP00.A,D,GBP,EUR,SP00,A,2026-03-19,NaN\r\n"
    )
    [only] = ecb.parse(body)
    assert (only.quote, only.as_of, only.rate) == ("USD", date(2026, 3, 18), Decimal("1.0876"))


def test_truncated_body_raises(content: bytes) -> None:
    with pytest.raises(ParseError, match="fields"):
        ecb.parse(content[: content.rindex(b",")])
    with pytest.raises(ParseError):
        ecb.parse(b"")


def test_renamed_column_raises(content: bytes) -> None:
    with pytest.raises(ParseError, match="OBS_VALUE"):
        ecb.parse(content.replace(b"OBS_VALUE", b"VALUE", 1))


def test_monthly_period_raises() -> None:
    with pytest.raises(ParseError, match="daily"):
        ecb.parse(b"FREQ,CURRENCY,TIME_PERIOD,OBS_VALUE\nM,USD,2026-02,1.08\n")
