from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest

from scrapers.parsers import ParseError, sbp
from tests.recorded import RECORDED

FIXTURE = RECORDED / "sbp" / "BFER_Daily.xlsx"


@pytest.fixture(scope="module")
def content() -> bytes:
    return FIXTURE.read_bytes()


@pytest.fixture(scope="module")
def observations(content: bytes) -> list[sbp.RateObservation]:
    return sbp.parse(content)


def _rate(observations, code: str, day: date):
    [match] = [o for o in observations if o.base == code and o.as_of == day]
    return match


def _edited(content: bytes, **cells: object) -> bytes:
    workbook = openpyxl.load_workbook(BytesIO(content))
    sheet = workbook.active
    for ref, value in cells.items():
        sheet[ref] = value
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_counts(observations) -> None:
    assert len(observations) == 23 * 22
    assert len({o.base for o in observations}) == 23
    assert Counter(o.as_of for o in observations)[date(2026, 4, 1)] == 23
    assert min(o.as_of for o in observations) == date(2026, 4, 1)
    assert max(o.as_of for o in observations) == date(2026, 4, 30)


def test_exact_values(observations) -> None:
    usd = _rate(observations, "USD", date(2026, 4, 1))
    assert usd.rate == Decimal("279.35178571428565")
    assert (usd.quote, usd.rate_type, usd.source) == ("PKR", "interbank", "sbp")
    assert usd.buy is None and usd.sell is None and usd.variant == ""
    assert _rate(observations, "USD", date(2026, 4, 30)).rate == Decimal("278.99107142857144")
    assert _rate(observations, "SAR", date(2026, 4, 1)).rate == Decimal("74.43103676086956")
    assert _rate(observations, "AED", date(2026, 4, 30)).rate == Decimal("75.97444741666668")
    assert _rate(observations, "GBP", date(2026, 4, 15)).rate == Decimal("378.448381")
    assert _rate(observations, "EUR", date(2026, 4, 1)).rate == Decimal("323.0306855769231")
    # misspelled labels in the file: "Japnese Yen", "Singaporian Dollar", "Thai Bhat"
    assert _rate(observations, "JPY", date(2026, 4, 1)).rate == Decimal("1.759259")
    assert _rate(observations, "SGD", date(2026, 4, 1)).rate == Decimal("217.25766715789473")
    assert _rate(observations, "THB", date(2026, 4, 30)).rate == Decimal("8.5117818125")
    # stored double 724.34744999999998 -> shortest round-trip text
    assert _rate(observations, "OMR", date(2026, 4, 1)).rate == Decimal("724.34745")


def test_truncated_body_raises(content: bytes) -> None:
    with pytest.raises(ParseError):
        sbp.parse(content[: len(content) // 2])
    with pytest.raises(ParseError):
        sbp.parse(b"")


def test_renamed_header_raises(content: bytes) -> None:
    with pytest.raises(ParseError, match="Currency"):
        sbp.parse(_edited(content, B9="Currency name"))


def test_non_date_header_cell_raises(content: bytes) -> None:
    with pytest.raises(ParseError, match="not a date"):
        sbp.parse(_edited(content, X9="Average"))


def test_unknown_currency_is_skipped(content: bytes) -> None:
    observations = sbp.parse(_edited(content, B10="Martian Dollar"))
    assert "AUD" not in {o.base for o in observations}
    assert len(observations) == 22 * 22


def test_archive_shape_with_several_blocks_and_serial_dates() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["State Bank of Pakistan"])
    sheet.append(["Pak Rupees per Currency Unit"])
    sheet.append(["Country / Monetary Union", "Currency", datetime(2013, 7, 2), 41458])
    sheet.append(["USA", "U.S. Dollar", 99.5, "99.6"])
    sheet.append(["Singapore", "Singapore Dollar", 77.25, None])
    sheet.append([])
    sheet.append(["Country / Monetary Union", "Currency", datetime(2013, 8, 1)])
    sheet.append(["USA", "U.S. Dollar", 101.25])
    sheet.append(["Contact Person:"])
    out = BytesIO()
    workbook.save(out)
    observations = sbp.parse(out.getvalue())
    assert [(o.base, o.as_of, o.rate) for o in observations] == [
        ("USD", date(2013, 7, 2), Decimal("99.5")),
        ("USD", date(2013, 7, 3), Decimal("99.6")),
        ("SGD", date(2013, 7, 2), Decimal("77.25")),
        ("USD", date(2013, 8, 1), Decimal("101.25")),
    ]
