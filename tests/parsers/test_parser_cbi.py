from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest

from scrapers.parsers import ParseError, cbi
from tests.recorded import RECORDED

FIXTURES = RECORDED / "cbi"
PAGE_URL = "https://cbi.iq/page/144"


@pytest.fixture(scope="module")
def page() -> bytes:
    return (FIXTURES / "page-144.html").read_bytes()


@pytest.fixture(scope="module")
def workbook() -> bytes:
    return (FIXTURES / "rates-file.xlsx").read_bytes()


@pytest.fixture(scope="module")
def observations(workbook: bytes) -> list[cbi.RateObservation]:
    return cbi.parse(workbook)


def _one(observations, code: str, day: date):
    [match] = [o for o in observations if o.base == code and o.as_of == day]
    return match


def test_find_workbook_url(page: bytes) -> None:
    assert cbi.find_workbook_url(page, PAGE_URL) == (
        "https://cbi.iq/static/uploads/up/file-177909880482668.xlsx"
    )


def test_find_workbook_url_resolves_relative_links(page: bytes) -> None:
    relative = page.replace(b"https://cbi.iq/static/uploads/up/file-177909880482668", b"/up/f", 1)
    assert cbi.find_workbook_url(relative, PAGE_URL) == "https://cbi.iq/up/f.xlsx"


def test_find_workbook_url_missing_link_raises(page: bytes) -> None:
    with pytest.raises(ParseError, match="xlsx"):
        cbi.find_workbook_url(page.replace(b".xlsx", b".pdf"), PAGE_URL)
    with pytest.raises(ParseError):
        cbi.find_workbook_url(b"", PAGE_URL)


def test_counts(observations) -> None:
    assert len(observations) == 984
    assert Counter((o.as_of.year, o.as_of.month) for o in observations) == {
        (2024, 1): 308,
        (2026, 1): 318,
        (2026, 2): 358,
    }
    assert {o.base for o in observations} == {
        "USD",
        "EUR",
        "GBP",
        "CAD",
        "CHF",
        "SEK",
        "NOK",
        "DKK",
        "JPY",
        "CNY",
        "AED",
        "JOD",
        "AUD",
        "SAR",
        "OMR",
        "INR",
        "TRY",
        "XDR",
    }
    assert all(o.quote == "IQD" and o.rate_type == "official" for o in observations)


def test_usd_official_rate(observations) -> None:
    usd = _one(observations, "USD", date(2026, 2, 26))
    assert (usd.buy, usd.sell, usd.rate) == (Decimal("1300"), Decimal("1310"), Decimal("1305"))


def test_exact_values_2026(observations) -> None:
    eur = _one(observations, "EUR", date(2026, 1, 4))  # January: block label is just "2026"
    assert (eur.buy, eur.sell, eur.rate) == (
        Decimal("1523.73"),
        Decimal("1532.451"),
        Decimal("1528.0905"),
    )
    inr = _one(observations, "INR", date(2026, 1, 13))  # header sits on the middle column
    assert (inr.buy, inr.sell) == (Decimal("14.402"), Decimal("14.512"))
    try_ = _one(observations, "TRY", date(2026, 2, 1))
    assert (try_.buy, try_.sell) == (Decimal("29.901"), Decimal("30.131"))
    xdr = _one(observations, "XDR", date(2026, 1, 4))  # CBI label "SDR"
    assert (xdr.buy, xdr.sell) == (Decimal("1778.972"), Decimal("1792.656"))


def test_exact_values_2024_two_column_layout(observations) -> None:
    chf = _one(observations, "CHF", date(2024, 1, 2))  # CBI label "S.FR"
    assert (chf.buy, chf.sell) == (Decimal("1529.592"), Decimal("1541.358"))
    aed = _one(observations, "AED", date(2024, 1, 2))  # CBI label "UAE"
    assert (aed.buy, aed.sell) == (Decimal("353.982"), Decimal("356.705"))


def test_holidays_and_typos_are_skipped(observations) -> None:
    days = {o.as_of for o in observations}
    assert date(2024, 1, 1) not in days  # holiday note plus a stray number
    assert date(2026, 1, 6) not in days  # Army Day note
    assert date(2026, 1, 15) not in days
    bases_feb_9 = {o.base for o in observations if o.as_of == date(2026, 2, 9)}
    assert "JPY" not in bases_feb_9 and "USD" in bases_feb_9  # buy 5.286 / sell 8.35
    bases_feb_18 = {o.base for o in observations if o.as_of == date(2026, 2, 18)}
    assert "XDR" not in bases_feb_18 and "EUR" in bases_feb_18  # sell 180.486 < buy


def test_truncated_body_raises(workbook: bytes) -> None:
    with pytest.raises(ParseError):
        cbi.parse(workbook[:-1000])


def test_renamed_header_raises(workbook: bytes) -> None:
    book = openpyxl.load_workbook(BytesIO(workbook))
    book["2026"]["A3"] = "Day"
    out = BytesIO()
    book.save(out)
    with pytest.raises(ParseError, match="Date"):
        cbi.parse(out.getvalue())


def test_missing_currency_code_raises() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "2026"
    sheet.append(["Date", "دولار", None])
    sheet.append([2026, "Buy ID", "Sell ID"])
    sheet.append(["Jan.2026"])
    sheet.append([4, 1300, 1310])
    out = BytesIO()
    book.save(out)
    with pytest.raises(ParseError, match="no currency"):
        cbi.parse(out.getvalue())


def test_month_without_label_or_average_raises() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "2026"
    sheet.append(["Date", "الدولار الأمريكي USD ", None])
    sheet.append([2026, "Buy ID", "Sell ID"])
    sheet.append(["Jan.2026"])
    sheet.append([4, 1300, 1310])
    sheet.append([5, 1300, 1310])
    sheet.append([1, 1300, 1310])  # February's first day, but no label / Average row
    out = BytesIO()
    book.save(out)
    with pytest.raises(ParseError, match="day 1 after day 5"):
        cbi.parse(out.getvalue())


def test_unlabelled_month_after_average_is_the_next_month() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "2026"
    sheet.append(["Date", "الدولار الأمريكي USD ", None])
    sheet.append([2026, "Buy ID", "Sell ID"])
    sheet.append([2026])  # January's label is just the year, as in the real file
    sheet.append([4, 1300, 1310])
    sheet.append(["Average", 1300, 1310])
    sheet.append(["2", 1300, "1310"])  # day as text, no month label
    out = BytesIO()
    book.save(out)
    assert [o.as_of for o in cbi.parse(out.getvalue())] == [date(2026, 1, 4), date(2026, 2, 2)]
