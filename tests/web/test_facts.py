"""Issue 18 item 8: facts that put money or safety at risk, corrected in pages, API and all
six catalogs (sources in ../shared/review/facts.md #18, #21, #23, #28)."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from api.services.trends import sdg_check
from web.i18n import LANGUAGES, translator
from web.routes_compare import INCENTIVE, SANCTIONS_TO_IRAN
from web.routes_trends import SDG_SENTENCE, sdg_key

IRAN_SENDERS = ["DE", "GB", "SE", "TR", "AE", "CA"]


def text(body: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


@pytest.mark.parametrize("src", IRAN_SENDERS)
def test_iran_pages_do_not_read_as_a_permission(client: TestClient, src: str) -> None:
    """It told senders in these countries that a US licence "still allows" family
    remittances; it covers US banks, and the EU restricts transfers again since 30 Sep 2025."""
    page = text(client.get("/compare", params={"from": src, "to": "IR", "lang": "en"}).text)
    assert "still allows" not in page
    assert "covers only some family remittances through US banks" in page
    assert "Since 30 September 2025 the EU again restricts transfers to Iranian banks" in page
    api = client.get("/api/v1/compare", params={"from": src, "to": "IR", "amount": "100"})
    reason = api.json()["no_provider_reason"]
    assert "still allows" not in reason and "covers US banks and people in the US" in reason
    widget = text(client.get("/widget", params={"from": src, "to": "IR", "lang": "en"}).text)
    assert "still allows" not in widget and "30 September 2025" in widget


@pytest.mark.parametrize("lang", [code for code in LANGUAGES if code != "en"])
def test_the_corrected_notes_are_translated(client: TestClient, lang: str) -> None:
    tr = translator(lang)
    for msgid in (SANCTIONS_TO_IRAN, INCENTIVE["PK"]):
        assert str(tr(msgid)) != msgid, (lang, msgid[:40])
    page = html.unescape(
        client.get("/compare", params={"from": "DE", "to": "IR", "lang": lang}).text
    )
    assert str(tr(SANCTIONS_TO_IRAN)) in page
    pk = html.unescape(client.get("/compare", params={"from": "GB", "to": "PK", "lang": lang}).text)
    note = str(tr(INCENTIVE["PK"]))
    assert note in pk
    assert "200" in note or "২০০" in note or "۲۰۰" in note, "the USD 200 threshold"
    if lang == "ps":
        assert "وړو" not in note, 'it said "small transfers"'


def test_the_pakistan_note_names_the_usd_200_threshold(client: TestClient) -> None:
    pk = text(client.get("/compare", params={"from": "GB", "to": "PK", "lang": "en"}).text)
    assert "remittances of USD 200 or more" in pk and "Smaller transfers are not covered." in pk
    corridors = client.get("/api/v1/corridors").json()["corridors"]
    note = next(c for c in corridors if c["code"] == "GB-PK").get("incentive_note")
    assert note is not None and "USD 200 or more" in note


def test_afghanistan_offers_no_usd_payout(client: TestClient) -> None:
    corridors = client.get("/api/v1/corridors").json()["corridors"]
    assert all(c["receive_currencies"] == ["AFN"] for c in corridors if c["to"] == "AF")
    page = client.get("/compare", params={"from": "GB", "to": "AF", "receive": "USD"})
    assert page.status_code == 400


@pytest.mark.parametrize(
    ("average", "smart", "key", "words"),
    [
        ("6", "4", "over3", "SmaRT (the cheapest qualifying services) was 4.00%: not above the 5%"),
        ("4", "6", "over5", "SmaRT (the cheapest qualifying services) was 6.00%: above the 5%"),
    ],
)
def test_the_sdg_sentence_tests_5_percent_with_smart(
    average: str, smart: str, key: str, words: str
) -> None:
    """Average 6 %, SmaRT 4 % read "average 6 %: not above the 5 % limit"."""
    check = sdg_check(Decimal(average), Decimal(smart))
    assert sdg_key(check) == key
    sentence = str(
        translator("en")(
            SDG_SENTENCE[key], period="2025Q3", average=f"{average}.00%", smart=f"{smart}.00%"
        )
    )
    assert words in sentence
    assert f"average total cost on this route was {average}.00%: above the SDG 10.c target" in (
        sentence
    )
