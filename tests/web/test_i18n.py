"""Catalogs, language negotiation and locale formatting. A msgid without a translation in
any language fails here: the pages never fall back to English silently."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from web import i18n, i18n_tool
from web.amounts import AmountError, parse_amount
from web.formatting import Formatter
from web.i18n import LANGUAGES, catalog_path, match_language, negotiate, regions, translator


def test_every_msgid_is_translated_in_every_language() -> None:
    problems = i18n_tool.problems()
    assert problems == [], "\n".join(problems[:40])


def test_catalog_headers_ask_for_native_review() -> None:
    for code in LANGUAGES:
        head = catalog_path(code).read_text(encoding="utf-8").split("msgid", 1)[0]
        assert "Translations need review by a native speaker" in head, code


def test_extraction_finds_template_and_python_strings() -> None:
    ids = {m.id for m in i18n_tool.extract()}
    assert "What is a hidden margin?" in ids  # template
    assert "Cash pickup" in ids  # web/labels.py via N_()
    assert "Send %(amount)s from %(src)s to %(dst)s" in ids


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/compare?from=GB&to=PK&amount=250",
        "/compare?from=GB&to=PK&amount=200&payout=home",
        "/compare?from=DE&to=IR",
        "/compare?from=IR&to=AF",
        "/compare?from=TR&to=IQ&amount=5",
        "/compare?from=DE&to=AF&amount=175",
        "/compare?from=GB&to=BD&amount=120",
        "/compare?from=GB&to=ZZ",
        "/compare?from=GB&to=PK&amount=abc",
        "/providers/western-union",
        "/providers/nobody",
        "/check",
        "/check?from=GB&to=PK&sent=200&fee=3&received=72000",
        "/check?from=GB&to=PK&sent=200&fee=3&received=90000",
        "/check?from=GB&to=PK&sent=&fee=x&received=1&receive=USD",
        "/methodology",
        "/widget?from=GB&to=PK&amount=200",
        "/widget?from=GB&to=ZZ",
        "/nowhere",
    ],
)
def test_rendered_pages_use_no_missing_translation(client: TestClient, path: str) -> None:
    before = set(i18n.MISSING)
    for lang in LANGUAGES:
        sep = "&" if "?" in path else "?"
        client.get(f"{path}{sep}lang={lang}")
    assert set(i18n.MISSING) - before == set()


def test_translator_escapes_values_but_keeps_markup() -> None:
    t = translator("en")
    out = t("Send %(amount)s from %(src)s to %(dst)s", amount="<b>", src="A&B", dst="C")
    assert str(out) == "Send &lt;b&gt; from A&amp;B to C"
    fmt = Formatter(LANGUAGES["en"])
    out = t("That is %(extra)s more.", extra=fmt.money_bdi(Decimal("2111.7"), "PKR"))
    assert str(out) == "That is <bdi>PKR\xa02,111.70</bdi> more."


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "en"),
        ("", "en"),
        ("ur-PK,ur;q=0.9,en;q=0.8", "ur"),
        ("fa", "fa-IR"),
        ("prs-AF", "fa-AF"),
        ("de-DE,ps;q=0.5", "ps"),
        ("en;q=0.1, bn;q=0.9", "bn"),
        ("ar-IQ", "ar"),
        ("ar;q=0, en", "en"),
        ("*", "en"),
        ("x" * 5000, "en"),
        ("ur;q=abc, bn", "bn"),
    ],
)
def test_accept_language_negotiation(header: str | None, expected: str) -> None:
    assert negotiate(header) == expected


def test_language_matching_and_regions() -> None:
    assert match_language("FA-af") == "fa-AF"
    assert match_language("ur_PK") == "ur"
    assert match_language("tr") is None
    assert regions("en-GB, ar-SA;q=0.8, de") == ["GB", "SA"]


def test_locale_formatting() -> None:
    en, bn, ar, ps, fa = (Formatter(LANGUAGES[c]) for c in ("en", "bn", "ar", "ps", "fa-AF"))
    assert en.money(Decimal("74111.70"), "PKR") == "PKR\xa074,111.70"
    assert en.money(Decimal("200"), "GBP") == "£200.00"
    assert en.money(Decimal("261000"), "IQD") == "IQD\xa0261,000"
    assert en.money(Decimal("61.125"), "KWD") == "KWD\xa061.125"
    assert bn.money(Decimal("261000"), "IQD") == "২,৬১,০০০\xa0IQD", "Indian grouping, own digits"
    # CLDR's default numbering system: Extended Arabic-Indic digits and separators in Pashto.
    assert ps.number(Decimal("74111.7"), 2) == "۷۴٬۱۱۱٫۷۰"
    assert ps.pct(Decimal("1.35")) == "۱٫۳۵٪"
    assert fa.day(date(2025, 9, 30)) == "۳۰ سپتمبر ۲۰۲۵"
    assert ar.number(Decimal("1234")) == "1,234", "CLDR's default for ar is Latin digits"
    assert "1.35" in ar.pct(Decimal("1.35"))
    assert en.pct(Decimal("1.35")) == "1.35%"
    assert en.rate(Decimal("370.558491")) == "370.5585"
    assert en.rate(Decimal("0.00123456")) == "0.00123456"
    assert fa.country("GB") == "بریتانیا"
    now = datetime(2026, 5, 1, 12, tzinfo=UTC)
    assert en.age(now - timedelta(hours=3), now) == "3 hours ago"
    assert "ساعت" in fa.age(now - timedelta(hours=3), now)
    assert en.duration_hours(48) == "2 days"


def test_amount_parsing_accepts_native_digits() -> None:
    """More per-locale cases in test_amounts.py."""
    assert parse_amount("۱۲۳٫۵", "fa_AF") == Decimal("123.5")
    assert parse_amount("১,২০০", "bn") == Decimal(1200)
    assert parse_amount("٢٠٠", "ar") == Decimal(200)
    assert parse_amount("1,000", "en") == Decimal(1000)
    assert parse_amount("0", "en", allow_zero=True) == 0
    for bad in ("", "abc", "-1", "0", "NaN", "inf", "1e99", "1.2345"):
        with pytest.raises(AmountError):
            parse_amount(bad, "en")
