from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from scrapers.parsers import ParseError, dab
from tests.recorded import RECORDED

FIXTURE = RECORDED / "dab" / "exchange-rates-2026-05-18.html"


@pytest.fixture(scope="module")
def content() -> bytes:
    return FIXTURE.read_bytes()


@pytest.fixture(scope="module")
def observations(content: bytes) -> list[dab.RateObservation]:
    return dab.parse(content, as_of=date(2026, 5, 18))


def _one(observations, code: str, variant: str):
    [match] = [o for o in observations if o.base == code and o.variant == variant]
    return match


def test_counts(observations) -> None:
    assert len(observations) == 10 * 2
    assert {o.base for o in observations} == {
        "USD",
        "EUR",
        "GBP",
        "CHF",
        "INR",
        "PKR",
        "IRR",
        "CNY",
        "AED",
        "SAR",
    }
    assert all(o.quote == "AFN" and o.source == "dab" for o in observations)
    assert all(o.rate_type == "official" for o in observations)


def test_usd_transfer_and_cash(observations) -> None:
    transfer = _one(observations, "USD", "transfer")
    assert (transfer.buy, transfer.sell) == (Decimal("63.9267"), Decimal("64.0267"))
    assert transfer.rate == Decimal("63.9767")
    assert transfer.as_of == date(2026, 5, 18)
    cash = _one(observations, "USD", "cash")
    assert (cash.buy, cash.sell, cash.rate) == (
        Decimal("63.8767"),
        Decimal("64.0767"),
        Decimal("63.9767"),
    )


def test_other_rows(observations) -> None:
    pkr = _one(observations, "PKR", "transfer")
    assert (pkr.buy, pkr.sell, pkr.rate) == (
        Decimal("0.2202"),
        Decimal("0.2222"),
        Decimal("0.2212"),
    )
    gbp = _one(observations, "GBP", "cash")
    assert (gbp.buy, gbp.sell) == (Decimal("84.8496"), Decimal("85.6496"))
    eur = _one(observations, "EUR", "transfer")
    assert eur.rate == Decimal("73.6538")


def test_toman_row_becomes_irr(observations) -> None:
    irr = _one(observations, "IRR", "transfer")  # page: IRAN Toman buy 0.0004 sell 0.0008
    assert (irr.buy, irr.sell, irr.rate) == (
        Decimal("0.00004"),
        Decimal("0.00008"),
        Decimal("0.00006"),
    )


def test_average_table_is_ignored(observations) -> None:
    # the "Average Rates" table below has USD transfer 64.6835 / 64.7835
    assert Decimal("64.6835") not in {o.buy for o in observations}


def test_date_from_page_when_not_given(content: bytes) -> None:
    assert {o.as_of for o in dab.parse(content)} == {date(2026, 5, 18)}


def test_given_date_wins(content: bytes) -> None:
    assert {o.as_of for o in dab.parse(content, as_of=date(2026, 5, 17))} == {date(2026, 5, 17)}


def test_truncated_body_raises(content: bytes) -> None:
    cut = content.index(b"PAKISTAN Rs.")
    with pytest.raises(ParseError, match="truncated"):
        dab.parse(content[:cut])
    with pytest.raises(ParseError):
        dab.parse(b"")


def test_renamed_column_raises(content: bytes) -> None:
    with pytest.raises(ParseError, match="column"):
        dab.parse(content.replace(b"Transfer (Buy)", b"Transfer Buy", 1))


def test_missing_table_raises(content: bytes) -> None:
    with pytest.raises(ParseError, match="Exchange Rates"):
        dab.parse(content.replace(b'<h2 class="mb-0">Exchange Rates</h2>', b"<h2>Rates</h2>"))


def test_short_row_raises(content: bytes) -> None:
    broken = content.replace(b'<td class="row_1 col_4">63.9267</td>', b"", 1)
    with pytest.raises(ParseError, match="cells"):
        dab.parse(broken)


def test_holiday_page_is_empty(content: bytes) -> None:
    start = content.index(b'<div class="table-responsive">')
    end = content.index(b"</table>", start) + len(b"</table>")
    holiday = content[:start] + b"<div>There were no results.</div>" + content[end:]
    # the Average Rates table remains; it must not be taken for the day's rates
    assert dab.parse(holiday, as_of=date(2026, 5, 19)) == []
