"""Persian for Iran (fa-IR) beside Dari (fa-AF), and toman beside every rial (issue 21)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from web.formatting import Formatter
from web.i18n import LANGUAGES, MISSING, match_language, negotiate


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("fa", "fa-IR"),
        ("fa-IR", "fa-IR"),
        ("fa-ir,fa;q=0.9", "fa-IR"),
        ("fa-AF", "fa-AF"),
        ("prs", "fa-AF"),
        ("de-DE, fa-AF;q=0.8, fa;q=0.5", "fa-AF"),
    ],
)
def test_persian_of_iran_and_dari_are_negotiated_apart(header: str, expected: str) -> None:
    assert negotiate(header) == expected


def test_fa_ir_is_a_right_to_left_language_with_persian_digits() -> None:
    assert match_language("FA-ir") == "fa-IR"
    fa = Formatter(LANGUAGES["fa-IR"])
    assert LANGUAGES["fa-IR"].dir == "rtl"
    assert fa.number(Decimal("1234.5"), 1) == "۱٬۲۳۴٫۵"


def test_toman_is_shown_beside_every_rial_amount_and_rate() -> None:
    en, fa = Formatter(LANGUAGES["en"]), Formatter(LANGUAGES["fa-IR"])
    assert en.money(Decimal("1000000"), "IRR") == "IRR\xa01,000,000 (100,000 toman)"
    assert fa.money(Decimal("1000000"), "IRR").endswith("(۱۰۰٬۰۰۰ تومان)")
    assert "(42,000 toman)" in str(en.rate_bdi("EUR", "IRR", Decimal("420000")))
    assert "toman" not in en.money(Decimal("1000"), "AFN")


def test_iran_page_in_iranian_persian(client: TestClient) -> None:
    r = client.get(
        "/compare", params={"from": "DE", "to": "IR"}, headers={"Accept-Language": "fa-IR"}
    )
    assert r.status_code == 200
    html = r.text
    assert '<html lang="fa-IR" dir="rtl">' in html
    assert "ایران" in html
    # Iranian words, not the Afghan ones of Dari.
    assert "دالر" not in html and "سروی" not in html
    assert not {m for m in MISSING if m[0] == "fa-IR"}


def test_dari_reader_keeps_dari(client: TestClient) -> None:
    r = client.get(
        "/compare", params={"from": "DE", "to": "IR"}, headers={"Accept-Language": "fa-AF"}
    )
    assert '<html lang="fa-AF" dir="rtl">' in r.text


def test_persian_lessons_concern_iran_and_the_rest_fall_back_to_english(
    client: TestClient,
) -> None:
    html = client.get("/learn", params={"lang": "fa-IR"}).text
    assert 'href="/learn/payout-options?lang=fa-IR"' in html
    lesson = client.get("/learn/money-with-a-disability", params={"lang": "fa-IR"}).text
    assert '<h1 lang="fa-IR" dir="rtl">' in lesson
    # Written for a reader receiving in Iran by default: no rule we could cite there.
    assert "ایران" in lesson
    fallback = client.get("/learn/fee-and-margin", params={"lang": "fa-IR"}).text
    assert '<h1 lang="en" dir="ltr">' in fallback
