"""Server-rendered pages through the app (TestClient), on SQLite and PostgreSQL: status
codes, escaping of reflected values, language and direction, honesty labels, filters,
caching headers, the widget's CSP and the byte budgets."""

from __future__ import annotations

import gzip
import re
from datetime import datetime
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.settings import Settings, get_settings
from api.storage.quotes import store_quotes
from tests.core.test_pricebook import quote_in
from web.pagecache import PAGES as PAGE_CACHE
from web.static import assets

COMPARE = {"from": "GB", "to": "PK", "amount": "200"}
PAGES = [
    "/",
    "/compare?from=GB&to=PK&amount=200",
    "/compare?from=GB&to=PK&amount=250",
    "/compare?from=DE&to=IR",
    "/compare?from=GB&to=AF&amount=200",
    "/compare?from=TR&to=IQ&amount=200",
    "/compare?from=GB&to=PK&amount=200&payout=home",
    "/providers/western-union",
    "/check",
    "/check?from=GB&to=PK&sent=200&fee=3&received=72000",
    "/check?from=GB&to=PK&sent=x&fee=&received=72000",
    "/methodology",
    "/widget?from=GB&to=PK&amount=200",
]
LANGS = {
    "en": "ltr",
    "ur": "rtl",
    "fa-AF": "rtl",
    "fa-IR": "rtl",
    "ps": "rtl",
    "bn": "ltr",
    "ar": "rtl",
}
XSS = '"><script>alert(1)</script>'


def html_attrs(body: str) -> tuple[str, str]:
    m = re.search(r'<html lang="([^"]+)" dir="(ltr|rtl)">', body)
    assert m, "every page declares <html lang dir>"
    return m.group(1), m.group(2)


def text(body: str) -> str:
    """Visible text, roughly: tags dropped, whitespace squeezed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


@pytest.mark.parametrize("path", PAGES)
def test_pages_render_in_every_language(client: TestClient, path: str) -> None:
    for lang, direction in LANGS.items():
        sep = "&" if "?" in path else "?"
        r = client.get(f"{path}{sep}lang={lang}")
        assert r.status_code in (200, 400), (path, lang, r.status_code)
        assert r.headers["content-type"].startswith("text/html")
        assert html_attrs(r.text) == (lang, direction)
        if "/widget" not in path:
            assert r.text.count('hreflang="') == len(LANGS), "language switch on every page"


def test_accept_language_picks_the_language_and_lang_overrides(client: TestClient) -> None:
    r = client.get("/compare", params=COMPARE, headers={"Accept-Language": "fa-AF,fa;q=0.9"})
    assert html_attrs(r.text) == ("fa-AF", "rtl")
    assert "Vary" in r.headers and "Accept-Language" in r.headers["Vary"]
    r = client.get("/", headers={"Accept-Language": "bn-BD, en;q=0.5"})
    assert html_attrs(r.text) == ("bn", "ltr")
    r = client.get("/", params={"lang": "ur"}, headers={"Accept-Language": "ar"})
    assert html_attrs(r.text) == ("ur", "rtl")
    r = client.get("/", params={"lang": "xx"}, headers={"Accept-Language": "ps"})
    assert html_attrs(r.text) == ("ps", "rtl"), "an unknown ?lang= falls back to the header"


def test_home_defaults_from_accept_language(client: TestClient) -> None:
    body = client.get("/", headers={"Accept-Language": "ar-JO,ar;q=0.9"}).text
    assert re.search(r'<option value="JO"[^>]*selected', body)
    assert re.search(r'<option value="IQ"[^>]*selected', body)
    body = client.get("/", headers={"Accept-Language": "en-GB"}).text
    assert re.search(r'<option value="GB"[^>]*selected', body)
    assert re.search(r'<option value="PK"[^>]*selected', body)
    assert 'name="amount" value="120"' in body, "RPW's USD 200 basket in pounds"
    body = client.get("/", params={"from": "DE", "to": "AF", "amount": "300"}).text
    assert re.search(r'<option value="DE"[^>]*selected', body)
    assert 'name="amount" value="300"' in body


def test_language_links_keep_the_query(client: TestClient) -> None:
    body = client.get("/compare", params={**COMPARE, "payout": "cash"}).text
    link = re.search(r'<a href="([^"]+)" lang="ur"', body)
    assert link
    href = link.group(1).replace("&amp;", "&")
    assert href.startswith("/compare?") and "from=GB" in href and "payout=cash" in href
    assert href.endswith("lang=ur")
    body = client.get("/compare", params={**COMPARE, "lang": "ur"}).text
    assert 'href="/check?lang=ur"' in body, "internal links carry the chosen language"


def test_compare_page_matches_the_api(client: TestClient) -> None:
    api = client.get("/api/v1/compare", params=COMPARE).json()
    r = client.get("/compare", params=COMPARE)
    assert r.status_code == 200
    offers_part = r.text.split('id="survey-h"')[0]
    names = re.findall(r'<h3><a href="/providers/[^"]+">([^<]+)</a></h3>', offers_part)
    # One row per provider, in the API's order (fresh first, then stale).
    fresh = [q["provider"]["name"] for q in api["quotes"] if not q["stale"]]
    stale = [q["provider"]["name"] for q in api["quotes"] if q["stale"]]
    assert names == list(dict.fromkeys(fresh)) + list(dict.fromkeys(stale))
    page = text(r.text)
    first = api["quotes"][0]
    received = f"{Decimal(first['received_amount']):,.2f}"
    assert f"PKR {received}" in page, "what the family receives, formatted"
    assert "Sample data — not live prices." in page and api["sample"] is True
    assert "interbank (mid-market) rate · State Bank of Pakistan" in page
    # The margin lesson is linked with the reader's route, so it is written for their
    # country (issue 21, branch 'words').
    assert 'href="/learn/fee-and-margin?from=GB&amp;to=PK"' in r.text
    assert "Government incentive" in page and "Pakistan Remittance Initiative" in page
    assert stale and page.count("Older prices, may have changed") == 1
    assert re.search(r"<bdi>PKR&nbsp;|<bdi>PKR\xa0", r.text), "amounts isolated in <bdi>"


def test_estimates_and_filters_are_marked(client: TestClient) -> None:
    body = client.get("/compare", params={**COMPARE, "amount": "250"}).text
    page = text(body)
    assert page.count("Estimate:") == 1, "the estimate note is said once per page"
    assert body.count('<span class="tag">estimate</span>') >= 3, "each estimate is tagged"
    body = client.get("/compare", params={**COMPARE, "payout": "cash"}).text
    payouts = re.findall(r"<dt>Paid out as</dt><dd>([^<]+)</dd>", body)
    assert payouts and set(payouts) == {"Cash pickup"}
    body = client.get("/compare", params={**COMPARE, "payout": "home"}).text
    assert "No offer matches these filters" in body and 'class="offers"' not in body


def test_iran_explains_the_empty_corridor_with_both_rates(client: TestClient) -> None:
    r = client.get("/compare", params={"from": "DE", "to": "IR"})
    assert r.status_code == 200
    page = text(r.text)
    assert "No regulated provider found" in page and "sanctions" in page
    assert "official rate" in page and "market (open or parallel) rate" in page
    assert "Risks of informal channels" in page and "hawala" in page
    assert 'class="offers"' not in r.text, "informal channels are not ranked"
    assert "Sample data — not live prices." in page, "the IRR rates are sample figures"


def test_amount_outside_the_collected_range(client: TestClient) -> None:
    page = text(client.get("/compare", params={"from": "TR", "to": "IQ", "amount": "5"}).text)
    assert "No price for this amount" in page and "We check prices between" in page


def test_provider_page(client: TestClient) -> None:
    r = client.get("/providers/wise")
    assert r.status_code == 200
    page = text(r.text)
    assert "United Kingdom to Pakistan" in page and "Recent prices" in page
    assert "Sample data — not live prices." in page
    assert "your family receives PKR" in page
    # an estimated offer is tagged "estimate", not left with a dangling "Estimate:" label
    assert "estimate" in page and "Estimate:" not in page


def test_provider_page_gives_a_sample_price_no_capture_time(client: TestClient) -> None:
    """An invented price never carries a capture time (issue 17): the provider page's offers
    and its price history say "sample" where a real price says when it was checked."""
    r = client.get("/providers/western-union")
    assert r.status_code == 200
    rows = re.findall(r"<tr><td>(.*?)</td>.*?</tr>", r.text)
    sample_rows = [row for row in rows if row == "sample"]
    assert sample_rows, "the fixture has sample prices for Western Union"
    assert all("<time" in row for row in rows if row != "sample")
    offers = re.findall(r"<li><strong>.*?</li>", r.text, re.S)
    for offer in offers:
        if '<span class="tag">sample</span>' in offer:
            assert "checked" not in offer and "Out of date" not in offer


def test_check_page_answers_in_money_and_percent(client: TestClient) -> None:
    # Within 7 days of the newest recorded SBP rate (30 Apr 2026): measured against the
    # reference rate and today's best live offer, not against the survey (issue 18).
    day = "2026-05-02"
    form = {"from": "GB", "to": "PK", "sent": "200", "fee": "3", "received": "72000", "date": day}
    api = client.post(
        "/api/v1/receipt-check",
        json={
            "send_amount": "200",
            "send_currency": "GBP",
            "fee": "3",
            "received_amount": "72000",
            "receive_currency": "PKR",
            "from": "GB",
            "to": "PK",
            "transfer_date": day,
        },
    ).json()
    r = client.post("/check", data=form)
    assert r.status_code == 200
    page = text(r.text)
    cost = f"£{Decimal(api['total_cost']):,.2f}"
    pct = f"{Decimal(api['total_cost_pct']):.2f}%"
    assert f"You paid {pct} ( {cost} )." in page
    assert "The World Bank average on this route is 2.39% ( 2025 Q3 )." in page
    best = api["best_alternative"]
    extra = f"PKR {Decimal(api['extra_received_with_best']):,.2f}"
    assert (
        f"the best offer here today costs {Decimal(best['total_cost_pct']):.2f}% : "
        f"you could have received {extra} more." in page.replace("The best", "the best")
    )
    assert "Cheapest alternative now" in page and best["provider"]["name"] in page


def test_check_page_reports_field_errors(client: TestClient) -> None:
    r = client.post("/check", data={"from": "GB", "to": "PK", "sent": "-5", "received": "x"})
    assert r.status_code == 400
    assert r.text.count('aria-invalid="true"') == 3
    assert "Please fill this in." in r.text and "more than zero" in r.text
    r = client.post(
        "/check", data={"from": "MY", "to": "PK", "sent": "1", "fee": "0", "received": "1"}
    )
    assert r.status_code == 400 and "We do not cover this pair of countries yet." in r.text
    r = client.post(
        "/check",
        data={
            "from": "GB",
            "to": "PK",
            "sent": "1",
            "fee": "0",
            "received": "1",
            "receive": "USD",
        },
    )
    assert r.status_code == 400 and "This currency is not paid out on this route." in r.text


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (f"/compare?from={XSS}&to=PK", 400),
        (f"/compare?from=GB&to=PK&amount={XSS}", 400),
        (f"/compare?from=GB&to=PK&amount=200&payout={XSS}", 400),
        (f"/compare?from=GB&to=PK&amount=200&receive={XSS}", 400),
        (f"/compare?from=GB&to=PK&amount=200&lang={XSS}", 200),
        (f"/providers/{XSS}", 404),
        (f"/check?from={XSS}&to=PK", 200),
        (f"/widget?from={XSS}&to=PK", 400),
        (f"/nothing-here/{XSS}", 404),
    ],
)
def test_reflected_values_are_escaped(client: TestClient, path: str, status: int) -> None:
    r = client.get(path)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("text/html")
    assert "<script>alert" not in r.text
    assert "Traceback" not in r.text


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"from": "GB"},
        {"from": "GB", "to": "ZZ"},
        {"from": "ZZ", "to": "PK"},
        {"from": "G", "to": "PK"},
    ],
)
def test_bad_countries_give_a_friendly_4xx(client: TestClient, query: dict[str, str]) -> None:
    r = client.get("/compare", params=query)
    assert 400 <= r.status_code < 500, r.status_code
    assert r.headers["content-type"].startswith("text/html")
    assert "Start a new comparison" in r.text
    assert r.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount", "0"),
        ("amount", "-3"),
        ("amount", "NaN"),
        ("amount", "Infinity"),
        ("amount", "1e999999"),
        ("amount", "9" * 60),
        ("amount", "1.23456"),
        ("amount", "abc"),
        ("amount", "£200"),
        ("speed", "warp"),
        ("sort", "cheap"),
        ("receive", "USD"),
        ("fees", "sometimes"),
    ],
)
def test_bad_choices_keep_the_form_with_the_error_next_to_the_field(
    client: TestClient, field: str, value: str
) -> None:
    """Not the "Something in the address is not right" page: the normal form, the error
    next to the field, every other choice kept."""
    query = {**COMPARE, "payout": "cash", field: value}
    r = client.get("/compare", params=query)
    assert r.status_code == 400, r.status_code
    assert r.headers["Cache-Control"] == "no-store"
    assert "Start a new comparison" not in r.text and "Something in" not in r.text
    assert f'id="e-{field}"' in r.text and 'aria-invalid="true"' in r.text
    assert re.search(r'<option value="cash" selected>', r.text), "the payout choice is kept"
    assert 'name="from" value="GB"' in r.text and 'name="to" value="PK"' in r.text


def test_native_digits_are_understood(client: TestClient) -> None:
    body = client.get("/compare", params={**COMPARE, "amount": "۲۰۰"}).text
    assert 'name="amount" value="200"' in body
    body = client.get("/compare", params={**COMPARE, "amount": "২০০"}).text
    assert 'name="amount" value="200"' in body


def test_unknown_pages_are_html_404_but_the_api_keeps_json(client: TestClient) -> None:
    r = client.get("/providers/no-such-provider")
    assert r.status_code == 404 and "Provider not found" in r.text
    r = client.get("/no/such/page", params={"lang": "ar"})
    assert r.status_code == 404 and html_attrs(r.text) == ("ar", "rtl")
    r = client.get("/api/v1/no-such-endpoint")
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/json")


def test_pages_have_etag_cache_control_and_answer_304(client: TestClient) -> None:
    for path in ("/", "/compare?from=GB&to=PK&amount=200", "/methodology", "/widget.js"):
        r = client.get(path)
        assert r.status_code == 200
        etag = r.headers["ETag"]
        assert r.headers["Cache-Control"].startswith("public")
        again = client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["ETag"] == etag
    for name, asset in assets().items():
        r = client.get(f"/static/{name}", params={"v": asset.version})
        assert r.status_code == 200 and "immutable" in r.headers["Cache-Control"]
        assert (
            client.get(f"/static/{name}", headers={"If-None-Match": r.headers["ETag"]}).status_code
            == 304
        )


def test_head_requests(client: TestClient) -> None:
    r = client.head("/compare", params=COMPARE)
    assert r.status_code == 200 and r.content == b""


def test_responses_are_compressed_and_within_budget(client: TestClient) -> None:
    r = client.get("/compare", params=COMPARE, headers={"Accept-Encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip"
    html_wire = r.num_bytes_downloaded
    assert html_wire <= 14 * 1024, html_wire
    total, js = html_wire, 0
    for src in re.findall(r'(?:href|src)="(/static/[^"]+)"', r.text):
        a = client.get(src, headers={"Accept-Encoding": "gzip"})
        total += a.num_bytes_downloaded
        if src.split("?")[0].endswith(".js"):
            js += len(a.content)
            assert "defer" in r.text.split(src)[1][:20], "scripts never block rendering"
        else:
            assert "@font-face" not in a.text and "url(" not in a.text, "no web fonts"
    assert total <= 50 * 1024 and js <= 5 * 1024
    widget = client.get("/widget", params=COMPARE)
    assert len(gzip.compress(widget.content)) <= 10 * 1024 and len(widget.content) <= 10 * 1024
    loader = client.get("/widget.js")
    assert len(loader.content) <= 2 * 1024


def test_pages_work_without_javascript(client: TestClient) -> None:
    body = client.get("/compare", params=COMPARE).text
    assert re.search(r'<form class="controls" method="get" action="/compare"', body)
    assert "onclick" not in body and "<script>" not in body
    body = client.get("/check").text
    assert re.search(r'<form class="picker" method="post" action="/check#answer"', body)


def test_every_control_has_a_label(client: TestClient) -> None:
    for path in ("/", "/compare?from=GB&to=AF&amount=200", "/check"):
        body = client.get(path).text
        ids = re.findall(r'<(?:input|select)(?![^>]*type="hidden")[^>]*\sid="([^"]+)"', body)
        assert ids
        for control in ids:
            assert f'<label for="{control}">' in body, (path, control)


def test_widget_csp_allows_only_configured_origins(client: TestClient) -> None:
    r = client.get("/widget", params=COMPARE)
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    app = client.app
    app.dependency_overrides[get_settings] = lambda: Settings(  # type: ignore[attr-defined]
        widget_allowed_origins=[
            "https://diaspora.example.org",
            "http://127.0.0.1:9000",
            "https://evil.example; script-src *",
        ]
    )
    try:
        csp = client.get("/widget", params=COMPARE).headers["Content-Security-Policy"]
        assert "frame-ancestors https://diaspora.example.org http://127.0.0.1:9000" in csp, csp
        assert "evil" not in csp and "script-src *" not in csp
        other = client.get("/compare", params=COMPARE).headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in other
        error = client.get("/widget", params={"from": "GB", "to": "ZZ"})
        assert error.status_code == 404
        assert "diaspora.example.org" in error.headers["Content-Security-Policy"]
    finally:
        app.dependency_overrides.pop(get_settings)  # type: ignore[attr-defined]


def test_widget_loader_inserts_an_iframe(client: TestClient) -> None:
    js = client.get("/widget.js")
    assert js.headers["content-type"].startswith("text/javascript")
    assert "currentScript" in js.text and "/widget?" in js.text
    assert "رقم کی منتقلی" in js.text, "iframe titles in every language"


def test_language_links_never_leave_the_site() -> None:
    from starlette.requests import Request

    from web.render import page_for

    for path in ("//evil.example/x", "/\\evil.example/x", "///evil.example"):
        scope = {
            "type": "http",
            "method": "GET",
            "path": path,
            "query_string": b"a=1",
            "headers": [],
            "scheme": "http",
            "server": ("testserver", 80),
        }
        link = page_for(Request(scope)).lang_url("ur")
        assert link.startswith("/") and link[1] not in "/\\", link
        assert link.endswith("?a=1&lang=ur")


def test_home_and_lessons_come_from_memory_until_the_data_changes(
    client: TestClient, session: Session, demo_now: datetime
) -> None:
    """Issue 23: under load the home page re-read every corridor and each page re-rendered
    on every request. With the page cache on, a repeat is served from memory, and a stored
    quote (a new data version) makes the next home page fresh."""
    import web.routes_home as home
    import web.routes_lessons as lessons

    built: list[str] = []
    list_corridors, lesson_page = home.list_corridors, lessons._lesson_page
    mp = pytest.MonkeyPatch()
    try:
        mp.setattr(get_settings(), "compare_cache_s", 30.0)
        mp.setattr(home, "list_corridors", lambda *a: built.append("home") or list_corridors(*a))
        mp.setattr(lessons, "_lesson_page", lambda *a: built.append("lesson") or lesson_page(*a))
        PAGE_CACHE.clear()
        first = client.get("/")
        assert client.get("/").content == first.content
        lesson = client.get("/learn/money-in-your-own-name")
        assert client.get("/learn/money-in-your-own-name").content == lesson.content
        assert built == ["home", "lesson"]

        store_quotes(session, [quote_in(rate=Decimal("374"), collected_at=demo_now)])
        after = client.get("/")
        assert built == ["home", "lesson", "home"]
        assert after.headers["ETag"] != first.headers["ETag"]
    finally:
        mp.undo()
        PAGE_CACHE.clear()
