from __future__ import annotations

import json
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest

from scrapers.parsers import ParseError, tcmb
from tests.recorded import RECORDED

FIXTURE = RECORDED / "tcmb" / "evds.json"


@pytest.fixture(scope="module")
def content() -> bytes:
    return FIXTURE.read_bytes()


@pytest.fixture(scope="module")
def observations(content: bytes) -> list[tcmb.RateObservation]:
    return tcmb.parse(content)


def _one(observations, code: str, day: date):
    [match] = [o for o in observations if o.base == code and o.as_of == day]
    return match


def test_counts(observations) -> None:
    assert len(observations) == 21 * 14
    days = Counter(o.as_of for o in observations)
    assert len(days) == 14
    for empty in (date(2026, 3, 1), date(2026, 3, 7), date(2026, 3, 20), date(2026, 3, 22)):
        assert empty not in days  # weekends and the Ramadan holiday: all nulls
    assert all(o.quote == "TRY" and o.rate_type == "official" for o in observations)


def test_usd_pair_and_mid(observations) -> None:
    usd = _one(observations, "USD", date(2026, 3, 2))
    assert (usd.buy, usd.sell) == (Decimal("43.80000000"), Decimal("43.87890000"))
    assert usd.rate == Decimal("43.83945")
    pkr = _one(observations, "PKR", date(2026, 3, 2))
    assert (pkr.buy, pkr.sell, pkr.rate) == (
        Decimal("0.15585"),
        Decimal("0.15789"),
        Decimal("0.15687"),
    )
    eur = _one(observations, "EUR", date(2026, 3, 2))
    assert (eur.buy, eur.sell) == (Decimal("51.70080000"), Decimal("51.79390000"))


def test_jpy_is_per_100_yen(observations) -> None:
    jpy = _one(observations, "JPY", date(2026, 3, 2))  # EVDS: 28.00720000 / 28.19270000
    assert (jpy.buy, jpy.sell) == (Decimal("0.28007200"), Decimal("0.28192700"))
    assert jpy.rate == Decimal("0.2809995")


def test_truncated_body_raises(content: bytes) -> None:
    with pytest.raises(ParseError, match="JSON"):
        tcmb.parse(content[: len(content) // 2])


def test_renamed_series_raise(content: bytes) -> None:
    with pytest.raises(ParseError, match="series"):
        tcmb.parse(content.replace(b"TP_DK_", b"TP_XK_"))


def test_missing_items_and_count_mismatch(content: bytes) -> None:
    with pytest.raises(ParseError, match="items"):
        tcmb.parse(b'{"totalCount": 0, "data": []}')
    document = json.loads(content)
    document["items"] = document["items"][:-3]
    with pytest.raises(ParseError, match="totalCount"):
        tcmb.parse(json.dumps(document).encode())


def test_bad_date_raises(content: bytes) -> None:
    with pytest.raises(ParseError, match="Tarih"):
        tcmb.parse(content.replace(b'"02-03-2026"', b'"2026-03-02"'))
