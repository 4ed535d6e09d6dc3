"""Reading messages and counting SMS segments (pure code, no database)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from api.domain import smstext
from api.domain.msgparse import AlertAsk, Ask, Command, Route, Unreadable, normalise, parse
from api.domain.smstext import Offer, answer, segments

ROUTES = [
    Route("AE", "BD", "AED", "BDT"),
    Route("DE", "AF", "EUR", "AFN"),
    Route("DE", "IQ", "EUR", "IQD"),
    Route("DE", "PK", "EUR", "PKR"),
    Route("GB", "BD", "GBP", "BDT"),
    Route("GB", "PK", "GBP", "PKR"),
    Route("IT", "PK", "EUR", "PKR"),
    Route("PK", "AF", "PKR", "AFN"),
    Route("QA", "PK", "QAR", "PKR"),
    Route("SA", "PK", "SAR", "PKR"),
    Route("US", "AF", "USD", "AFN"),
]


def test_segments_follow_gsm_03_38() -> None:
    assert segments("a" * 160) == smstext.Segments("GSM-7", 160, 1)
    assert segments("a" * 161).count == 2
    assert segments("a" * 306).count == 2 and segments("a" * 307).count == 3
    assert segments("€" * 80).units == 160  # extension characters take two septets
    assert segments("a" * 152 + "€" + "a" * 152).count == 3  # an escape pair is never split
    assert segments("ب" * 70) == smstext.Segments("UCS-2", 70, 1)
    assert segments("ب" * 71).count == 2 and segments("ب" * 134).count == 2
    assert segments("ب" * 135).count == 3
    assert segments("a→b").encoding == "UCS-2"
    assert segments("😀" * 35).units == 70  # outside the BMP: two UTF-16 units


@pytest.mark.parametrize(
    ("text", "route", "amount"),
    [
        ("750 SAR PK", ("SA", "PK"), "750"),
        ("send 200 pounds to Bangladesh", ("GB", "BD"), "200"),
        ("۷۵۰ ریال پاکستان", ("SA", "PK"), "750"),
        ("١٢٠ ريال قطر باكستان", ("QA", "PK"), "120"),
        ("১০০০ দিরহাম বাংলাদেশ", ("AE", "BD"), "1000"),
        ("200 يورو العراق", ("DE", "IQ"), "200"),
        ("500 euro pakistan from italy", ("IT", "PK"), "500"),
        ("50,000 rupees Afghanistan", ("PK", "AF"), "50000"),
        ("$1.5k afghanistan", ("US", "AF"), "1500"),
        ("۱۲۰٫۵ پاؤنڈ پاکستان", ("GB", "PK"), "120.5"),
    ],
)
def test_questions_in_every_script(text: str, route: tuple[str, str], amount: str) -> None:
    got = parse(text, ROUTES).intent
    assert isinstance(got, Ask)
    assert (got.route.from_country, got.route.to_country) == route
    assert got.amount == Decimal(amount)


def test_commands_and_alerts() -> None:
    alert = parse("ALERT 750 SAR PK 56,000", ROUTES).intent
    assert isinstance(alert, AlertAsk) and alert.threshold == Decimal(56000)
    assert isinstance(parse("alert 750 SAR PK", ROUTES).intent, Unreadable)  # no threshold
    assert parse("LANG fa", ROUTES) == parse("lang دری", ROUTES)
    assert parse("LANG fa", ROUTES).lang == "fa-AF"
    assert parse("LANG xx", ROUTES).intent == Unreadable("lang")
    for text, lang in [
        ("زبان اردو", "ur"),
        ("ژبه پښتو", "ps"),
        ("ভাষা বাংলা", "bn"),
        ("لغة العربية", "ar"),
        ("زبان دری", "fa-AF"),
        ("language english", "en"),
    ]:
        assert parse(text, ROUTES).intent == Command("lang", lang), text
    for stop in ("STOP", "بند", "توقف", "ودروه", "বন্ধ", "إيقاف"):
        assert parse(stop, ROUTES).intent == Command("stop"), stop
    assert parse("hello", ROUTES).intent == Unreadable("amount")
    assert parse("750 SAR", ROUTES).intent == Unreadable("country")
    assert parse("750 Pakistan", ROUTES).intent == Unreadable("currency")
    assert parse("750 SEK PK", ROUTES).intent == Unreadable("route")


def test_language_of_the_message() -> None:
    assert parse("۷۵۰ ریال پاکستان", ROUTES).lang == "ur"  # to Pakistan: Urdu
    assert parse("۷۵۰ ریال پاکستان", ROUTES, fallback_lang="fa-AF").lang == "fa-AF"
    assert parse("200 يورو العراق", ROUTES).lang == "ar"
    assert parse("۲۰۰ یورو افغانستان ته ولېږئ", ROUTES).lang == "ps"
    assert parse("750 SAR PK", ROUTES, fallback_lang="bn").lang == "bn"
    assert normalise("٧٥٠ ريال") == normalise("۷۵۰ ریال") == "750 ریال"


@pytest.mark.parametrize("lang", ["en", "ur", "fa-AF", "ps", "bn", "ar"])
def test_an_answer_fits_two_segments_even_with_long_names(lang: str) -> None:
    offers = [
        Offer(
            "Western Union Financial Services",
            Decimal("1234567.89"),
            "wallet",
            "2_5_days",
            "survey",
            "2025Q3",
        ),
        Offer(
            "International Money Transfer Bank", Decimal("1234000"), "cash", "over_5_days", "live"
        ),
        Offer("Ria Money Transfer", Decimal("1233000"), "home", "next_day", "sample"),
    ]
    link = "remit.example/c/SA-PK/750" + ("" if lang == "en" else f"/{lang}")
    reply = answer(lang, "SA-PK", Decimal(750), "SAR", "PKR", offers, link)
    assert segments(reply).count <= 2
    assert reply.endswith(link) and "1234567" in reply  # the best offer is never dropped
    assert "1234567.89" not in reply  # rounded down to whole units
    for key in ("help", "example", "no_route", "stopped", "lang"):
        assert segments(smstext.text(key, lang)).count <= 2, key
