"""The pages in a real browser (Debian's Chromium through Playwright) on a 360×640 phone:
compare, filter, check a receipt, switch to Urdu and back, with JavaScript on and off; every
language, right-to-left layout without horizontal overflow, keyboard use, touch targets,
axe-core accessibility checks, and the widget embedded on allowed and other origins.

Screenshots go to tests/artifacts/web/ for review.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import suppress
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from web_live import ARTIFACTS, axe_problems, shoot

from web.routes_widget import LOADER_WAIT_MS

pytestmark = pytest.mark.browser

LANGS = {"en": "ltr", "ur": "rtl", "fa-AF": "rtl", "ps": "rtl", "bn": "ltr", "ar": "rtl"}
PAGES = {
    "home": "/",
    "compare": "/compare?from=US&to=PK&amount=200",
    "compare-survey": "/compare?from=GB&to=PK&amount=200",
    "compare-on-top": "/compare?from=US&to=PK&amount=200&fees=on_top",
    "compare-af": "/compare?from=GB&to=AF&amount=250",
    "compare-iran": "/compare?from=DE&to=IR",
    "compare-error": "/compare?from=GB&to=PK&amount=abc",
    "compare-question": "/compare?from=DE&to=AF&amount=1.000",
    "providers": "/providers",
    "provider": "/providers/western-union",
    "check": "/check?from=GB&to=PK",
    "learn": "/learn",
    "lesson": "/learn/fee-and-margin",
    "trends": "/trends",
    "methodology": "/methodology",
    "not-found": "/compare?from=GB&to=ZZ",
    "widget": "/widget?from=GB&to=PK&amount=200",
}
STATUS = {"not-found": 404, "compare-error": 400}


def new_phone(browser: Any, js: bool = True) -> Any:
    context = browser.new_context(
        viewport={"width": 360, "height": 640},
        java_script_enabled=js,
        locale="en-GB",
        has_touch=True,
    )
    return context.new_page()


@pytest.fixture()
def phone(browser: Any, js: bool) -> Iterator[Any]:
    page = new_phone(browser, js)
    yield page
    page.context.close()


@pytest.fixture()
def phone_js(browser: Any) -> Iterator[Any]:
    page = new_phone(browser, True)
    yield page
    page.context.close()


def mode(js: bool) -> str:
    return "js" if js else "nojs"


def assert_lang(page: Any, lang: str) -> None:
    html = page.locator("html")
    assert html.get_attribute("lang") == lang
    assert html.get_attribute("dir") == LANGS[lang]


def assert_no_overflow(page: Any) -> None:
    width, inner = page.evaluate("[document.scrollingElement.scrollWidth, innerWidth]")
    assert width <= inner, f"horizontal overflow on {page.url}: {width} > {inner}"


def query(page: Any) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlparse(page.url).query).items()}


@pytest.mark.parametrize("lang", list(LANGS))
def test_compare_flow(phone: Any, base_url: str, lang: str, js: bool) -> None:
    phone.goto(f"{base_url}/?lang={lang}")
    assert_lang(phone, lang)
    phone.select_option("#f-from", "US")
    phone.select_option("#f-to", "PK")
    phone.fill("#f-amount", "200")
    phone.click("form.picker button[type=submit]")
    phone.wait_for_url(re.compile(r"/compare\?"))
    assert query(phone) == {"from": "US", "to": "PK", "amount": "200", "lang": lang}
    assert_lang(phone, lang)
    offers = phone.locator("ol.offers > li")
    assert offers.count() >= 5
    first = offers.first.locator(".recv strong")
    assert first.is_visible() and re.search(r"\d", first.inner_text())
    assert first.locator("bdi").count() == 1, "amounts are isolated with <bdi>"
    assert phone.locator(".banner[role=note]").first.is_visible(), "sample data is labelled"
    assert phone.locator("a[href*='/learn/fee-and-margin']").count() >= 1
    assert_no_overflow(phone)
    shoot(phone, f"compare-{lang}-{mode(js)}")
    # Recent corridors are remembered on the device only when JavaScript runs.
    phone.goto(f"{base_url}/?lang={lang}")
    recent = phone.locator("#recent")
    if js:
        assert recent.is_visible()
        assert recent.locator("a[href*='from=US'][href*='to=PK']").count() == 1
    else:
        assert not recent.is_visible()


def test_filter_by_payout_method(phone: Any, base_url: str, js: bool) -> None:
    phone.goto(f"{base_url}/compare?from=US&to=PK&amount=200")
    all_offers = phone.locator("ol.offers dl").count()
    phone.click("details.filters > summary")
    phone.select_option("#f-payout", "cash")
    phone.select_option("#f-sort", "total_cost")
    phone.select_option("#f-sort", "speed")
    phone.click("#controls button[type=submit]")
    phone.wait_for_url(re.compile(r"payout=cash"))
    assert query(phone)["sort"] == "speed"
    payouts = phone.locator(
        "ol.offers dl > div:has(dt:text-is('Paid out as')) dd"
    ).all_text_contents()
    assert payouts and set(payouts) == {"Cash pickup"}
    assert 0 < len(payouts) < all_offers
    assert phone.locator("details.filters").get_attribute("open") is not None
    assert_no_overflow(phone)
    shoot(phone, f"filter-cash-{mode(js)}")


def test_check_a_receipt(phone: Any, base_url: str, js: bool) -> None:
    phone.goto(f"{base_url}/check")
    phone.select_option("#f-from", "US")
    phone.select_option("#f-to", "PK")
    phone.fill("#f-sent", "abc")
    phone.fill("#f-fee", "3")
    phone.fill("#f-received", "54500")
    phone.click("form.picker button[type=submit]")
    phone.wait_for_load_state()
    assert "sent=" not in phone.url and "received=" not in phone.url, "the form POSTs"
    assert phone.locator(".error-summary").is_visible()
    assert phone.locator("#f-sent").get_attribute("aria-invalid") == "true"
    assert phone.locator("#f-received").input_value() == "54500", "entries are kept"
    phone.fill("#f-sent", "200")
    phone.click("form.picker button[type=submit]")
    phone.wait_for_load_state()
    answer = phone.locator("section.answer")
    assert answer.is_visible()
    box = answer.bounding_box()
    assert box is not None and box["y"] < 640, "the answer is on the first screen"
    text = answer.inner_text()
    assert "You paid" in text and "%" in text and "$" in text
    assert "Cheapest alternative now" in text and "more" in text
    assert answer.locator("a[href*='/compare?']").count() == 1
    assert_no_overflow(phone)
    shoot(phone, f"check-{mode(js)}")


def test_switch_to_urdu_and_back(phone: Any, base_url: str, js: bool) -> None:
    phone.goto(f"{base_url}/compare?from=US&to=PK&amount=200")
    assert_lang(phone, "en")
    phone.click("nav.langs a[hreflang=ur]")
    phone.wait_for_url(re.compile(r"lang=ur"))
    assert_lang(phone, "ur")
    assert query(phone) == {"from": "US", "to": "PK", "amount": "200", "lang": "ur"}
    assert phone.locator("h1").inner_text().count("پاکستان") == 1
    assert_no_overflow(phone)
    shoot(phone, f"switch-ur-{mode(js)}")
    # Links inside the Urdu pages keep the language.
    assert "lang=ur" in (phone.locator("header a.brand").get_attribute("href") or "")
    phone.click("nav.langs a[hreflang=en]")
    phone.wait_for_url(re.compile(r"lang=en"))
    assert_lang(phone, "en")
    assert phone.locator("h1").inner_text().startswith("Send $200.00")


SHOT_PAGES = {"home", "compare-iran", "provider", "providers", "check", "methodology", "widget"}


# Pages whose axe check is in their own suite (trends: tests/web/test_trends_browser.py;
# lessons: tests/lessons/).
AXE_ELSEWHERE = {"trends", "learn", "lesson"}


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_in_every_language_fits_a_phone_and_passes_axe(
    phone_js: Any, base_url: str, name: str, request: pytest.FixtureRequest
) -> None:
    """No page is wider than 360 px in any language (/trends was 461 px), and axe-core finds
    no serious or critical WCAG 2.2 AA issue on it. One phone checks a page in every
    language, each language in one page load (a batch: one browser context, one load for
    both checks)."""
    try:
        axe: str | None = request.getfixturevalue("axe_source")
    except pytest.skip.Exception:
        axe = None  # no npm: the width is still checked; the summary says axe was skipped
    path = PAGES[name]
    sep = "&" if "?" in path else "?"
    problems: list[str] = []
    for lang in LANGS:
        response = phone_js.goto(f"{base_url}{path}{sep}lang={lang}")
        assert response is not None
        assert response.status == STATUS.get(name, 200), f"{name} [{lang}]"
        assert_lang(phone_js, lang)
        width = phone_js.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{name} [{lang}] is {width} px wide"
        if name in SHOT_PAGES:
            shoot(phone_js, f"{name}-{lang}")
        if axe is not None and name not in AXE_ELSEWHERE:
            problems += axe_problems(phone_js, axe, f"{name} [{lang}]")
    assert problems == []


def test_keyboard_skip_link_and_visible_focus(phone_js: Any, base_url: str) -> None:
    phone_js.goto(f"{base_url}/compare?from=US&to=PK&amount=200")
    phone_js.keyboard.press("Tab")
    skip = phone_js.locator("a.skip")
    assert skip.evaluate("el => el === document.activeElement")
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0, "the skip link shows when focused"
    outline = skip.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none"
    phone_js.keyboard.press("Enter")
    assert phone_js.evaluate("document.activeElement.id") == "main"
    # Tab onwards reaches the amount field and the submit button, each with a visible focus.
    seen: set[str] = set()
    for _ in range(12):
        phone_js.keyboard.press("Tab")
        info = phone_js.evaluate(
            "(() => { const e = document.activeElement; const s = getComputedStyle(e);"
            " return [e.id || e.tagName, s.outlineStyle, s.outlineWidth]; })()"
        )
        seen.add(info[0])
        assert info[1] != "none" and info[2] != "0px", f"no visible focus on {info[0]}"
    assert "f-amount" in seen and "BUTTON" in seen


@pytest.mark.parametrize("name", ["home", "compare", "check", "provider", "methodology"])
def test_touch_targets_are_at_least_44px(phone_js: Any, base_url: str, name: str) -> None:
    phone_js.goto(base_url + PAGES[name])
    small = phone_js.evaluate(
        """() => [...document.querySelectorAll(
              'button, input:not([type=hidden]), select, summary, nav a, a.go, a.brand')]
            .filter(e => e.offsetParent !== null)
            .map(e => [e.outerHTML.slice(0, 80), e.getBoundingClientRect()])
            .filter(([, r]) => r.height < 44 || r.width < 44)
            .map(([h, r]) => `${h} ${Math.round(r.width)}x${Math.round(r.height)}`)"""
    )
    assert small == []


def test_widget_embeds_on_allowed_origin_only(
    phone_js: Any, embed_server: tuple[str, str], base_url: str
) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    allowed, other = embed_server
    phone_js.goto(f"{allowed}/index.html")
    iframe = phone_js.locator("iframe")
    iframe.wait_for()
    assert iframe.get_attribute("title") == "رقم کی منتقلی کی قیمتوں کا موازنہ"
    inside = phone_js.frame_locator("iframe")
    assert inside.locator("html").get_attribute("dir") == "rtl"
    assert inside.locator("li").count() == 3
    shoot(phone_js, "widget-embedded-allowed")
    # A site that is not listed: the frame never reports its height (the browser refuses to
    # show it there), so the loader keeps its plain link and removes the frame (issue 18).
    phone_js.goto(f"{other}/index.html")
    phone_js.locator("a[href*='/compare']").first.wait_for()
    # Within the same bound as before (the loader's wait and 1.5 s), but no longer than the
    # frame takes to go: this waited the whole 6.5 s even once the frame was gone.
    with suppress(PlaywrightTimeout):  # still there: the assertion below says so
        phone_js.locator("iframe").wait_for(state="detached", timeout=LOADER_WAIT_MS + 1500)
    assert phone_js.locator("iframe").count() == 0, "the unlisted site keeps no frame"
    assert phone_js.locator("a[href*='/compare']").first.is_visible()


def snap(page: Any, name: str) -> None:
    """A screenshot of the first screen only (what a phone shows without scrolling)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def first_offer_box(page: Any) -> dict[str, float]:
    box = page.locator("ol.offers > li").first.bounding_box()
    assert box is not None
    return dict(box)


def test_survey_only_route_summarises_the_world_bank_survey(phone_js: Any, base_url: str) -> None:
    """GB->PK carries the World Bank's real survey prices only: the summary says so."""
    phone_js.goto(f"{base_url}/compare?from=GB&to=PK&amount=200")
    summary = phone_js.locator("p.summary")
    box = summary.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 640
    assert summary.inner_text().startswith("No current price from a provider.")
    assert "World Bank survey" in summary.inner_text()
    snap(phone_js, "summary-gb-pk-en")


def test_the_answer_is_on_the_first_screen(phone: Any, base_url: str, js: bool) -> None:
    """US->PK on a 360x640 phone: the summary sentence and the best offer without scrolling."""
    phone.goto(f"{base_url}/compare?from=US&to=PK&amount=200")
    summary = phone.locator("p.summary")
    box = summary.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 640
    # The demo's sample margins rest on months-old recorded rates: not called "now".
    assert summary.inner_text().startswith(("Best now: ", "Cheapest here: "))
    form = phone.locator("#controls").bounding_box()
    assert form is not None and form["y"] < box["y"], "the compact form is above it"
    # Issue 18 puts how the family collects in the summary and the payout choices above
    # the list, so the card's links may now start below the fold: its headline (provider,
    # payout, what the family receives, what you pay) must not.
    offer = first_offer_box(phone)
    pay = phone.locator("ol.offers > li .pay").first.bounding_box()
    assert pay is not None and pay["y"] + pay["height"] <= 640, f"best offer cut at {offer}"
    snap(phone, f"summary-us-pk-en-{mode(js)}")
    # Options of a provider are grouped under it and open without JavaScript.
    first = phone.locator("ol.offers > li").first
    first.locator("details.more > summary").click()
    assert first.locator(".opt").first.is_visible()


@pytest.mark.parametrize("lang", list(LANGS))
def test_the_compact_form_shows_its_choices_whole(phone_js: Any, base_url: str, lang: str) -> None:
    """At 360 px the fees choice is readable ("included", not "include…") in every
    language, for both of its options."""
    phone_js.goto(f"{base_url}/compare?from=GB&to=PK&amount=200&lang={lang}")
    fits = phone_js.evaluate(
        """() => { const s = document.querySelector('#f-fees');
          const c = document.createElement('canvas').getContext('2d');
          c.font = getComputedStyle(s).font;
          const pad = parseFloat(getComputedStyle(s).paddingInlineStart) +
                      parseFloat(getComputedStyle(s).paddingInlineEnd);
          // the drop-down arrow takes about 20 px of the box
          return [...s.options].map(o => [o.text, c.measureText(o.text).width + pad + 20,
                                          s.clientWidth]); }"""
    )
    for text, needed, width in fits:
        assert needed <= width, f"{lang}: {text!r} needs {needed:.0f} px of {width} px"
    assert_no_overflow(phone_js)


def test_the_first_survey_price_starts_on_the_first_screen(phone_js: Any, base_url: str) -> None:
    """GB->PK (World Bank survey prices only): under the summary, the first surveyed price
    begins on a 360x640 screen in English and Urdu."""
    for lang in ("en", "ur"):
        phone_js.goto(f"{base_url}/compare?from=GB&to=PK&amount=200&lang={lang}")
        card = phone_js.locator("ol.survey-rows > li").first.bounding_box()
        assert card is not None and card["y"] < 640, f"{lang}: first survey price at {card}"


def test_fees_on_top_comparison(phone_js: Any, base_url: str) -> None:
    phone_js.goto(f"{base_url}/compare?from=US&to=PK&amount=200")
    phone_js.select_option("#f-fees", "on_top")
    phone_js.click("#controls button[type=submit]")
    phone_js.wait_for_url(re.compile(r"fees=on_top"))
    pays = phone_js.locator("p.pay > span:first-child strong").all_inner_texts()
    assert pays and any(p != "$200.00" for p in pays), pays
    assert_no_overflow(phone_js)
    snap(phone_js, "compare-fees-on-top-en")


def test_urdu_receipt_verdict(phone_js: Any, base_url: str) -> None:
    phone_js.goto(f"{base_url}/check?from=US&to=PK&lang=ur")
    phone_js.fill("#f-sent", "200")
    phone_js.fill("#f-fee", "3")
    phone_js.fill("#f-received", "54500")
    phone_js.click("form.picker button[type=submit]")
    phone_js.wait_for_load_state()
    assert_lang(phone_js, "ur")
    answer = phone_js.locator("#answer")
    box = answer.bounding_box()
    assert box is not None and -1 <= box["y"] < 640, "the verdict is the first thing on screen"
    assert "%" in phone_js.locator("p.big").inner_text()
    assert_no_overflow(phone_js)
    snap(phone_js, "receipt-verdict-ur")


def test_arabic_heading_keeps_the_currency_symbol_whole(phone_js: Any, base_url: str) -> None:
    """The heading read '£UK 200.00': 'UK£' must be drawn left to right, in one piece."""
    phone_js.goto(f"{base_url}/compare?from=GB&to=AF&amount=200&lang=ar")
    assert_lang(phone_js, "ar")
    order = phone_js.evaluate(
        """() => {
          const bdi = document.querySelector('h1 bdi');
          const walker = document.createTreeWalker(bdi, NodeFilter.SHOW_TEXT);
          const node = walker.nextNode();
          const at = (ch) => { const i = node.data.indexOf(ch); const r = document.createRange();
            r.setStart(node, i); r.setEnd(node, i + 1); return r.getBoundingClientRect().left; };
          return {u: at('U'), k: at('K'), pound: at('£'), digit: at('2')};
        }"""
    )
    assert order["u"] < order["k"] < order["pound"], order
    assert order["pound"] < order["digit"], "Arabic order: symbol left of the number"
    snap(phone_js, "heading-ar")


def test_receipt_currencies_follow_the_destination(phone_js: Any, base_url: str) -> None:
    """The checker offered US dollars for Pakistan, then rejected them."""
    phone_js.goto(f"{base_url}/check?from=GB&to=AF")
    values = lambda: phone_js.eval_on_selector_all(  # noqa: E731
        "#f-receive option", "os => os.map(o => o.value)"
    )
    # Afghani only since Sept 2021 (issue 18 item 8): no route pays a second currency now.
    assert values() == [""]
    phone_js.select_option("#f-to", "PK")
    assert values() == [""]
    phone_js.select_option("#f-to", "AF")
    assert values() == [""]
