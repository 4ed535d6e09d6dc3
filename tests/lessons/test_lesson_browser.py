"""Lessons in a real browser (Debian's Chromium through Playwright, on a 360×640 phone):
answer a quiz with JavaScript OFF in English and in Urdu, checked by the server; change the
live example's corridor with the plain GET form; every lesson in every language through axe
(no serious or critical finding) and without horizontal scrolling at 360 px and at 200 %
zoom; the service worker serves an opened lesson and the last comparison with the network
off. Reuses the live server and browser of tests/browser_fixtures.py.

Without /usr/bin/chromium the tests are skipped with a message, unless
REMIT_REQUIRE_BROWSER=1, which makes that a failure. Screenshots: tests/artifacts/web/.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.web.web_live import AXE_JS, axe_problems, shoot

pytestmark = pytest.mark.browser
REQUIRE_BROWSER = os.environ.get("REMIT_REQUIRE_BROWSER") == "1"


def _unavailable(reason: str) -> None:
    if REQUIRE_BROWSER:
        pytest.fail(f"REMIT_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(f"{reason} (set REMIT_REQUIRE_BROWSER=1 to make this a failure)")


@pytest.fixture(scope="session")
def lessons_url(base_url: str) -> str:
    """The live server the other browser tests share (tests/browser_fixtures.py): these
    tests only read, so one server per test process is enough."""
    return base_url


@pytest.fixture(scope="session")
def chromium(browser: Any) -> Any:
    return browser


@pytest.fixture()
def no_js_phone(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(
        viewport={"width": 360, "height": 640}, java_script_enabled=False, locale="en-GB"
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture()
def js_phone(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 360, "height": 640}, locale="en-GB")
    page = context.new_page()
    yield page
    context.close()


def answer(page: Any, answers: dict[str, str]) -> None:
    for question, choice in answers.items():
        page.locator(f"label[for='{question}-{choice}']").click()
        assert page.locator(f"#{question}-{choice}").is_checked()
    with page.expect_navigation():
        page.locator("#quiz button[type=submit]").click()


def test_quiz_without_javascript_in_english(no_js_phone: Any, lessons_url: str) -> None:
    page = no_js_phone
    page.goto(f"{lessons_url}/learn/fee-and-margin")
    assert page.locator("html").get_attribute("dir") == "ltr"
    # `remit demo` holds real World Bank survey prices for GB→PK and no live ones: the
    # example uses them, dated, and never calls them today's
    live = page.locator("#live").inner_text()
    assert live.count("No live offer on this corridor: these are World Bank survey prices") == 1
    assert "Best price in the survey" in live and "Today's" not in live
    assert "Sample data" not in live
    answer(page, {"q1": "b", "q2": "a", "q3": "b"})
    assert "/learn/fee-and-margin/quiz" in page.url
    quiz = page.locator("#quiz")
    assert "You got 2 of 3 right." in quiz.inner_text()
    right = page.locator("#q-q1").inner_text()
    assert "✓" in right and "Your answer is right" not in right
    wrong = page.locator("#q-q2").inner_text()
    assert "✗" in wrong and "The right answer:" in wrong
    assert page.locator("#q2-a").is_checked()  # the answer given stays selected
    shoot(page, "lesson-quiz-en-nojs")
    # fix the wrong answer and send again: all right, and the lesson counts as done
    answer(page, {"q2": "c"})
    assert "You got 3 of 3 right." in page.locator("#quiz").inner_text()
    assert page.locator("a", has_text="All lessons").last.get_attribute("href") == "/learn?done=1"


def test_quiz_without_javascript_in_urdu(no_js_phone: Any, lessons_url: str) -> None:
    page = no_js_phone
    page.goto(f"{lessons_url}/learn/formal-vs-informal?lang=ur")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "ur"
    answer(page, {"q1": "b", "q2": "a", "q3": "a"})
    assert "lang=ur" in page.url
    assert "آپ کے 3 میں سے 2 جواب درست ہیں۔" in page.locator("#quiz").inner_text()
    assert "✓" in page.locator("#q-q1").inner_text()
    assert "✗" in page.locator("#q-q3").inner_text()
    assert "درست جواب:" in page.locator("#q-q3").inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"horizontal overflow: {width}px"
    shoot(page, "lesson-quiz-ur-nojs")


def test_live_example_form_without_javascript(no_js_phone: Any, lessons_url: str) -> None:
    page = no_js_phone
    page.goto(f"{lessons_url}/learn/reading-a-quote?lang=ur")
    page.locator("#live summary").click()
    page.select_option("#lx-from", "AE")
    page.fill("#lx-amount", "1000")
    with page.expect_navigation():
        page.locator("#live button[type=submit]").click()
    assert "from=AE" in page.url and "amount=1000" in page.url and "lang=ur" in page.url
    live = page.locator("#live").inner_text()
    assert "AED" in live and "PKR" in live
    shoot(page, "lesson-live-ur-nojs")


# The radio buttons' tap target is their whole label row (label.choice), checked instead.
TARGETS = (
    "button, select, summary, a.go, label.choice, .fact-source a, "
    "input:not([type=hidden]):not([type=radio])"
)


def small_targets(page: Any, where: str) -> list[str]:
    small = page.evaluate(
        """sel => [...document.querySelectorAll(sel)]
            .filter(e => e.offsetParent !== null)
            .map(e => [e.outerHTML.slice(0, 60), e.getBoundingClientRect()])
            .filter(([, r]) => r.height < 44 || r.width < 44)
            .map(([h, r]) => `${h} ${Math.round(r.width)}x${Math.round(r.height)}`)""",
        TARGETS,
    )
    return [f"{where}: small target {s}" for s in small]


def overflow(page: Any, where: str) -> list[str]:
    """No horizontal scrolling at 360 px, nor at 200 % zoom (a 180 px CSS viewport)."""
    out = []
    for width in (360, 180):
        page.set_viewport_size({"width": width, "height": 640})
        scroll = page.evaluate("document.documentElement.scrollWidth")
        if scroll > width:
            out.append(f"{where}: scrollWidth {scroll}px at a {width} px viewport")
    page.set_viewport_size({"width": 360, "height": 640})
    return out


LANGS = ["en", "ur", "fa-AF", "fa-IR", "ps", "bn", "ar"]


@pytest.mark.parametrize("lang", LANGS)
def test_every_lesson_passes_axe_and_fits_360px_and_200_percent_zoom(
    js_phone: Any, lessons_url: str, lang: str
) -> None:
    if not AXE_JS.exists():
        _unavailable(f"axe-core not installed at {AXE_JS} (run `make axe`)")
    from api.services.lessons import get_store

    axe = AXE_JS.read_text(encoding="utf-8")
    page = js_phone
    problems: list[str] = []
    paths = ["/learn", "/learn?audience=women"] + [
        f"/learn/{e.lesson.slug}" for e in get_store().list(lang)
    ]
    assert len(paths) == 19  # 17 lessons since lesson 17 (branch words)
    paths.append("/offline")  # what the service worker shows for a page it has not saved
    for path in paths:
        sep = "&" if "?" in path else "?"
        page.goto(f"{lessons_url}{path}{sep}lang={lang}")
        where = f"{path} [{lang}]"
        problems += axe_problems(page, axe, where)
        problems += small_targets(page, where)
        problems += overflow(page, where)
    # a checked quiz: feedback, verdicts and the status region
    page.goto(f"{lessons_url}/learn/fee-and-margin?lang={lang}")
    answer(page, {"q1": "a", "q2": "c"})
    problems += axe_problems(page, axe, f"quiz [{lang}]") + overflow(page, f"quiz [{lang}]")
    assert page.locator("#quiz-result").get_attribute("role") == "status"
    assert problems == []
    if lang in ("bn", "fa-AF"):
        page.goto(f"{lessons_url}/learn/money-in-your-own-name?lang={lang}")
        shoot(page, f"lesson-15-{lang}")


SAVED = "url => caches.open('remit-offline-2').then(c => c.match(url)).then(r => !!r)"


def _controlled(page: Any) -> None:
    """The worker installed, saved the page that registered it, and took control."""
    page.wait_for_function(
        "() => navigator.serviceWorker.controller !== null", timeout=20_000, polling=200
    )


def _goto_offline(page: Any, url: str) -> Any:
    """The response the worker gives with the network off (None: the browser's error)."""
    try:
        return page.goto(url)
    except Exception:  # the browser's own network error page
        return None


def test_service_worker_serves_an_opened_lesson_and_that_comparison_only_offline(
    chromium: Any, lessons_url: str
) -> None:
    context = chromium.new_context(viewport={"width": 360, "height": 640}, locale="en-GB")
    page = context.new_page()
    try:
        lesson = f"{lessons_url}/learn/getting-cash-in-a-village?lang=ps"
        page.goto(lesson)
        _controlled(page)
        page.wait_for_function(SAVED, arg=lesson, timeout=20_000, polling=200)
        comparison = f"{lessons_url}/compare?from=GB&to=PK&amount=200"
        page.goto(comparison)
        page.wait_for_function(SAVED, arg=comparison, timeout=20_000, polling=200)
        # the offline page in the language of the comparison (no `lang`: the browser's)
        page.wait_for_function(SAVED, arg=f"{lessons_url}/offline", timeout=20_000, polling=200)
        assert page.locator(".offline-note").is_hidden()  # online: no note

        context.set_offline(True)
        page.goto(lesson)
        assert page.locator("html").get_attribute("lang") == "ps"
        from api.services.lessons import get_store

        entry = get_store().get("getting-cash-in-a-village", "ps")
        assert entry is not None
        assert page.locator("h1").inner_text() == entry.lesson.header.title
        note = page.locator(".offline-note")
        assert note.is_visible() and note.get_attribute("role") == "status"
        assert "آفلاین کاپي" in note.inner_text()
        assert page.locator(".offline-note time").inner_text().strip() != ""
        shoot(page, "lesson-offline-ps")
        # the same comparison offline: its saved copy, dated
        page.goto(comparison)
        assert page.locator(".offline-note").is_visible()
        assert "Pakistan" in page.locator("main").inner_text()
        # another route offline never gets GB→PK's page: the offline page, in English
        response = _goto_offline(page, f"{lessons_url}/compare?from=GB&to=BD&amount=300")
        assert response is not None and response.ok
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.locator("h1").inner_text() == "You are offline"
        assert page.locator(".offline-note").count() == 0  # no saved page, no saved date
        # a lesson never opened: the offline page too, not the browser's error
        _goto_offline(page, f"{lessons_url}/learn/your-rights")
        assert page.locator("h1").inner_text() == "You are offline"
    finally:
        context.set_offline(False)
        context.close()


def test_save_all_lessons_then_read_any_of_them_offline(chromium: Any, lessons_url: str) -> None:
    """Issue 21, item 6: "Save all lessons for offline" on /learn (Urdu), then offline an
    unopened lesson renders, an address not saved gets the Urdu offline page, and route B
    never gets route A's page."""
    from api.services.lessons import get_store

    lang = "ur"
    entries = get_store().list(lang)
    context = chromium.new_context(viewport={"width": 360, "height": 640}, locale="en-GB")
    page = context.new_page()
    try:
        page.goto(f"{lessons_url}/learn?lang={lang}")
        _controlled(page)
        box = page.locator("#save-all")
        assert box.is_visible()
        button = box.locator("button")
        assert button.inner_text() == "تمام اسباق آف لائن کے لیے محفوظ کریں"
        button.click()
        done = box.get_attribute("data-ok")
        assert done is not None and "محفوظ ہو گئے" in done
        page.wait_for_function(
            "t => document.querySelector('#save-all output').value === t",
            arg=done,
            timeout=60_000,
            polling=200,
        )
        assert button.is_enabled() and box.locator("progress").is_hidden()
        shoot(page, f"learn-saved-for-offline-{lang}")
        route_a = f"{lessons_url}/compare?from=GB&to=PK&amount=200&lang={lang}"
        page.goto(route_a)
        page.wait_for_function(SAVED, arg=route_a, timeout=20_000, polling=200)

        context.set_offline(True)
        # a lesson never opened, as the list links to it: its saved copy
        last = entries[-1].lesson
        page.goto(f"{lessons_url}/learn/{last.slug}?lang={lang}")
        assert page.locator("html").get_attribute("lang") == lang
        assert page.locator("h1").inner_text() == last.header.title
        assert page.locator(".offline-note").is_visible()
        # its stylesheet came from the saved copies too
        assert page.evaluate(
            "[...document.styleSheets].some(s => (s.href || '').includes('lessons.css')"
            " && s.cssRules.length > 0)"
        )
        shoot(page, f"lesson-saved-offline-{lang}")
        # an address not saved (another route's worked example): the Urdu offline page
        response = _goto_offline(
            page, f"{lessons_url}/learn/{last.slug}?lang={lang}&from=US&to=PK&amount=300"
        )
        assert response is not None and response.ok
        assert page.locator("html").get_attribute("lang") == lang
        assert page.locator("h1").inner_text() == "آپ آف لائن ہیں"
        links = page.locator("[data-saved-only] a")
        page.wait_for_function(
            "n => document.querySelectorAll('[data-saved-only] a').length === n",
            arg=len(entries),
            timeout=10_000,
            polling=200,
        )
        links.first.click()
        page.wait_for_load_state()
        assert page.locator("h1").inner_text() == entries[0].lesson.header.title
        page.go_back()
        shoot(page, f"offline-page-{lang}")
        # route B offline after route A was opened: never A's page
        _goto_offline(page, f"{lessons_url}/compare?from=GB&to=BD&lang={lang}")
        assert page.locator("h1").inner_text() == "آپ آف لائن ہیں"
        page.goto(route_a)
        assert page.locator(".offline-note").is_visible()
    finally:
        context.set_offline(False)
        context.close()


def test_copy_link_button_appears_with_javascript_only(
    js_phone: Any, no_js_phone: Any, lessons_url: str
) -> None:
    url = f"{lessons_url}/learn/money-in-your-own-name?lang=bn"
    no_js_phone.goto(url)
    assert no_js_phone.locator(".copy-link").is_hidden()
    assert no_js_phone.locator(".share a[href^='https://wa.me/?text=']").is_visible()
    js_phone.goto(url)
    assert js_phone.locator(".copy-link").is_visible()


# -- words that fit the reader (issue 21) -----------------------------------------------


def test_pashto_lesson_16_for_a_reader_who_compared_pk_to_af(
    no_js_phone: Any, lessons_url: str
) -> None:
    page = no_js_phone
    page.goto(f"{lessons_url}/learn/getting-cash-in-a-village?lang=ps&from=PK&to=AF")
    assert page.get_attribute("html", "dir") == "rtl"
    text = page.inner_text("main")
    assert "M-Paisa" in text and "افغانۍ" in text
    assert "ټاکا" not in text and "bKash" not in text
    assert overflow(page, "lesson 16 [ps, AF]") == []
    shoot(page, "lesson-16-ps-pk-af")


def test_iran_page_in_the_persian_of_iran(chromium: Any, lessons_url: str) -> None:
    context = chromium.new_context(
        viewport={"width": 360, "height": 640},
        java_script_enabled=False,
        locale="fa-IR",
        extra_http_headers={"Accept-Language": "fa-IR,fa;q=0.9"},
    )
    page = context.new_page()
    try:
        page.goto(f"{lessons_url}/compare?from=DE&to=IR")
        assert page.get_attribute("html", "lang") == "fa-IR"
        assert page.get_attribute("html", "dir") == "rtl"
        text = page.inner_text("main")
        assert "ایران" in text and "دالر" not in text
        shoot(page, "compare-de-ir-fa-IR")
    finally:
        context.close()
    # Overflow and axe run scripts in the page: a page with JavaScript off never answers
    # them (the test hung), so the same fa-IR page is measured with JavaScript on.
    context = chromium.new_context(
        viewport={"width": 360, "height": 640},
        locale="fa-IR",
        extra_http_headers={"Accept-Language": "fa-IR,fa;q=0.9"},
    )
    page = context.new_page()
    try:
        page.goto(f"{lessons_url}/compare?from=DE&to=IR")
        assert page.get_attribute("html", "lang") == "fa-IR"
        assert overflow(page, "compare DE-IR [fa-IR]") == []
        if AXE_JS.exists():
            assert axe_problems(page, AXE_JS.read_text(encoding="utf-8"), "DE-IR") == []
    finally:
        context.close()


def test_lessons_page_says_opened_lessons_work_offline(no_js_phone: Any, lessons_url: str) -> None:
    page = no_js_phone
    page.goto(f"{lessons_url}/learn?lang=ps")
    hint = page.locator(".offline-hint")
    assert hint.is_visible() and "انټرنېټ" in hint.inner_text()
    # "Save all lessons for offline" needs JavaScript: without it, no dead button
    assert page.locator("#save-all").is_hidden()
    shoot(page, "learn-offline-ps")
