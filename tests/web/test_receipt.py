"""Receipt verdicts (issue 8): the transfer's date and that day's reference rate, a question
instead of a verdict for implausible figures, Iran against both its rates, the World Bank
average and the best offer today; the page POSTs and leads with the answer."""

from __future__ import annotations

import html
import re
from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from web.i18n import translator

GOOD = {
    "send_amount": "200",
    "send_currency": "GBP",
    "fee": "3",
    "received_amount": "72000",
    "receive_currency": "PKR",
    "from": "GB",
    "to": "PK",
}


def text(body: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


def api(client: TestClient, **changes: str) -> tuple[int, dict[str, object]]:
    r = client.post("/api/v1/receipt-check", json={**GOOD, **changes})
    return r.status_code, r.json()


@pytest.mark.parametrize(
    ("fee", "received", "reason"),
    [
        ("0", "7000", "rate_far"),  # gave "92.18 %" without a word of doubt
        ("0", "700000", "rate_far"),  # gave "-£1,660.55"
        ("0", "75300", "negative_cost"),  # a little above mid, no fee: cost below zero
        ("5", "75200", "received_above_mid"),  # above mid, the fee keeps the cost positive
    ],
)
def test_implausible_receipts_get_a_question_not_a_verdict(
    client: TestClient, fee: str, received: str, reason: str
) -> None:
    status, body = api(client, fee=fee, received_amount=received)
    assert status == 422
    detail = body["detail"][0]  # type: ignore[index]
    assert detail["type"] == "implausible" and detail["reason"] == reason
    assert detail["loc"] == ["body", "received_amount"]
    assert "please check" in detail["msg"]


def test_iran_is_measured_against_the_market_and_the_official_rate(client: TestClient) -> None:
    """270,000,000 IRR for £200 is about the market rate: it gave '-2,335.34 %' against the
    official rate only."""
    status, body = api(
        client,
        send_currency="GBP",
        fee="0",
        received_amount="270000000",
        receive_currency="IRR",
        to="IR",
    )
    assert status == 200, body
    assert body["mid_rate_type"] == "market"
    assert Decimal(str(body["total_cost_pct"])) > 0
    against = body["against"]
    assert isinstance(against, list) and {a["rate"]["rate_type"] for a in against} == {
        "market",
        "official",
    }
    official = next(a for a in against if a["rate"]["rate_type"] == "official")
    assert official["plausible"] is False


def test_the_reference_rate_is_the_one_of_the_transfer_day(client: TestClient) -> None:
    status, today = api(client)
    assert status == 200 and today["reference_outdated"] is True, "recorded PKR rates are old"
    status, then = api(client, transfer_date="2026-04-10")
    assert status == 200
    as_of = date.fromisoformat(str(then["mid_rate_as_of"]))
    assert date(2026, 4, 6) <= as_of <= date(2026, 4, 10)
    assert then["transfer_date"] == "2026-04-10" and then["reference_outdated"] is False
    assert then["mid_rate"] != today["mid_rate"]
    for bad in ("2099-01-01", "2001-01-01"):
        status, body = api(client, transfer_date=bad)
        assert status == 422 and body["detail"][0]["loc"][-1] == "transfer_date"  # type: ignore[index]


def test_the_verdict_names_the_world_bank_average_and_the_best_offer(client: TestClient) -> None:
    status, body = api(client)
    assert status == 200
    assert body["world_bank_average_pct"] == "2.3917" and body["world_bank_period"] == "2025Q3"
    best = body["best_alternative"]
    assert isinstance(best, dict) and best["tier"] == "live" and best["stale"] is False
    assert Decimal(str(best["you_pay"])) <= Decimal("203"), "same money paid, fees included"


def post_check(client: TestClient, lang: str = "en", **form: str) -> tuple[int, str]:
    data = {"from": "GB", "to": "PK", "sent": "200", "fee": "3", "received": "72000", **form}
    r = client.post("/check", params={"lang": lang}, data=data)
    return r.status_code, r.text


@pytest.mark.parametrize(
    ("fee", "received", "words"),
    [
        ("0", "7000", "but the reference rate on"),
        ("0", "700000", "but the reference rate on"),
        ("0", "75300", "the transfer cost less than nothing"),
        ("5", "75200", "received more than the amount you sent is worth"),
    ],
)
def test_check_page_asks_about_implausible_figures(
    client: TestClient, fee: str, received: str, words: str
) -> None:
    status, body = post_check(client, fee=fee, received=received)
    assert status == 422
    page = text(body)
    assert "Please check your figures" in page and words in page
    assert "You paid" not in page and "-£" not in page and "−£" not in page
    assert 'value="' + received + '"' in body, "entries kept"


def test_check_page_posts_and_leads_with_the_answer(client: TestClient) -> None:
    form = client.get("/check").text
    assert re.search(r'<form class="picker" method="post" action="/check#answer"', form)
    assert re.search(r'<input id="f-date" name="date" value="\d{4}-\d\d-\d\d" type="date"', form)
    status, body = post_check(client)
    assert status == 200
    assert body.index('id="answer"') < body.index("<form"), "the answer comes first"
    page = text(body)
    assert re.search(r"You paid \d+\.\d\d% \( £\d+\.\d\d \)\.", page)
    assert "The World Bank average on this route is 2.39% ( 2025 Q3 )." in page
    assert "you could have received PKR" in page


def test_check_page_in_urdu(client: TestClient) -> None:
    status, body = post_check(client, lang="ur")
    assert status == 200
    ur = translator("ur")
    assert ur("Please check your figures") != "Please check your figures"
    verdict = re.search(r'<p class="big">(.*?)</p>', body, re.S)
    assert verdict and ur("You paid %(pct)s (%(cost)s).").split("%")[0].strip() in text(
        verdict.group(1)
    )


def test_receive_currencies_are_those_the_route_pays(client: TestClient) -> None:
    pk = client.get("/check", params={"from": "GB", "to": "PK"}).text
    options = re.findall(r'<select id="f-receive".*?</select>', pk, re.S)[0]
    assert 'value="USD"' not in options and 'value=""' in options
    af = client.get("/check", params={"from": "GB", "to": "AF"}).text
    assert 'value="USD"' in re.findall(r'<select id="f-receive".*?</select>', af, re.S)[0]


def test_the_reference_rate_line_is_complete(client: TestClient) -> None:
    """It was cut at '· calculated': the line says how a derived rate was calculated."""
    status, body = post_check(client, to="IR", fee="0", received="270000000")
    assert status == 200
    page = text(body)
    assert "Reference rate: market (open or parallel) rate" in page
    assert "calculated through USD" in page
    assert "Against the other published rates" in page and "official rate" in page
    assert "your rate was better than this rate." in page


def test_check_date_errors(client: TestClient) -> None:
    status, body = post_check(client, date="2099-01-01")
    assert status == 400 and "The date cannot be in the future." in body
    status, body = post_check(client, date="31/05/2026")
    assert status == 400 and "Please enter the date like this" in body
    status, body = post_check(client, date="2001-01-01")
    assert status == 400 and "We have no reference rate for that day." in body
