"""Any truncation of a real body either parses or raises ParseError -- never
IndexError, KeyError, UnicodeDecodeError & co."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrapers.parsers import ParseError, cbr, dab, ecb, imf, tcmb, wise
from tests.recorded import RECORDED

FIXTURES = RECORDED
TEXT_SOURCES: dict[str, tuple[str, Callable[[bytes], object]]] = {
    "dab": ("dab/exchange-rates-2026-05-18.html", lambda b: dab.parse(b, date(2026, 5, 18))),
    "ecb": ("ecb/exr-daily.csv", ecb.parse),
    "imf": ("imf/rms_mth-2026-03-REP.tsv", imf.parse),
    "tcmb": ("tcmb/evds.json", tcmb.parse),
    "cbr": ("cbr/XML_daily.xml", cbr.parse),
    "wise": ("wise/comparison-gbp-eur-10000.json", wise.parse),
}


@pytest.mark.parametrize("name", sorted(TEXT_SOURCES))
@settings(max_examples=40, deadline=None)
@given(fraction=st.floats(min_value=0, max_value=0.999))
def test_truncation_parses_or_raises_parse_error(name: str, fraction: float) -> None:
    path, parse = TEXT_SOURCES[name]
    content = (FIXTURES / path).read_bytes()
    cut = content[: int(len(content) * fraction)]
    try:
        result = parse(cut)
    except ParseError:
        return
    assert isinstance(result, list) and result  # a clean cut at a row boundary


@pytest.mark.parametrize("name", sorted(TEXT_SOURCES))
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_byte_garbage_parses_or_raises_parse_error(name: str, data: st.DataObject) -> None:
    path, parse = TEXT_SOURCES[name]
    content = bytearray((FIXTURES / path).read_bytes())
    position = data.draw(st.integers(min_value=0, max_value=len(content) - 1))
    content[position] = data.draw(st.integers(min_value=0, max_value=255))
    with contextlib.suppress(ParseError):
        parse(bytes(content))


@settings(max_examples=100, deadline=None)
@given(
    days=st.integers(0, 40),
    hours=st.integers(0, 23),
    minutes=st.integers(0, 59),
    micros=st.integers(0, 59_999_999),
)
def test_duration_round_trip(days: int, hours: int, minutes: int, micros: int) -> None:
    seconds = f"{micros // 1_000_000}.{micros % 1_000_000:06d}"
    text = f"P{days}DT{hours}H{minutes}M{seconds}S"
    expected = timedelta(days=days, hours=hours, minutes=minutes, microseconds=micros)
    assert wise.parse_duration(text) == expected
