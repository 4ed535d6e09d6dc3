"""Lessons in a real browser with JavaScript OFF (Debian's Chromium through Playwright, on a
360×640 phone): answer a quiz in English and in Urdu, checked by the server; change the live
example's corridor with the plain GET form. Reuses the live server of tests/web/web_live.py.

Without /usr/bin/chromium the tests are skipped with a message, unless
REMIT_REQUIRE_BROWSER=1, which makes that a failure. Screenshots: tests/artifacts/web/.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.web.web_live import (
    AXE_JS,
    CHROMIUM,
    CHROMIUM_ARGS,
    chromium_available,
    live_server,
    shoot,
)

pytestmark = pytest.mark.browser
REQUIRE_BROWSER = os.environ.get("REMIT_REQUIRE_BROWSER") == "1"


def _unavailable(reason: str) -> None:
    if REQUIRE_BROWSER:
        pytest.fail(f"REMIT_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(f"{reason} (set REMIT_REQUIRE_BROWSER=1 to make this a failure)")


@pytest.fixture(scope="module")
def lessons_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not chromium_available():
        _unavailable(f"Chromium not found at {CHROMIUM}")
    with live_server(tmp_path_factory.mktemp("lessons-live")) as url:
        yield url


@pytest.fixture(scope="module")
def chromium(lessons_url: str) -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is a test dependency
        _unavailable("the playwright Python package is not installed")
    with sync_playwright() as p:
        try:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Exception as exc:  # any launch failure means "no browser"
            _unavailable(f"Chromium at {CHROMIUM} does not start: {str(exc)[:200]}")
        yield browser
        browser.close()


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
    assert page.locator("#live").inner_text().count("Sample data — not live prices.") == 1
    answer(page, {"q1": "b", "q2": "a", "q3": "b"})
    assert "/learn/fee-and-margin/quiz" in page.url
    quiz = page.locator("#quiz")
    assert "You got 2 of 3 right." in quiz.inner_text()
    assert "✓ Your answer is right." in page.locator("#q-q1").inner_text()
    wrong = page.locator("#q-q2").inner_text()
    assert "✗ Your answer is wrong." in wrong and "The right answer:" in wrong
    assert "reference rate halfway between the buying and selling price" in wrong
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
    assert "آپ کا جواب درست ہے۔" in page.locator("#q-q1").inner_text()
    assert "آپ کا جواب غلط ہے۔" in page.locator("#q-q3").inner_text()
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


AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# The radio buttons' tap target is their whole label row (label.choice), checked instead.
TARGETS = (
    "button, select, summary, a.go, label.choice, .fact-source a, "
    "input:not([type=hidden]):not([type=radio])"
)


@pytest.mark.parametrize("lang", ["en", "ur", "bn", "ar"])
def test_lesson_pages_pass_axe_and_have_44px_targets(
    js_phone: Any, lessons_url: str, lang: str
) -> None:
    if not AXE_JS.exists():  # an extra check here: tests/web installs axe-core and requires it
        pytest.skip(f"axe-core not installed at {AXE_JS} (tests/web/conftest.py installs it)")
    axe = AXE_JS.read_text(encoding="utf-8")
    page = js_phone
    problems: list[str] = []
    for path in ("/learn", "/learn/fee-and-margin", "/learn/id-and-kyc", "quiz"):
        if path == "quiz":
            page.goto(f"{lessons_url}/learn/fee-and-margin?lang={lang}")
            answer(page, {"q1": "a", "q2": "c"})
        else:
            page.goto(f"{lessons_url}{path}?lang={lang}")
        page.evaluate(axe)
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
        )
        for v in result["violations"]:
            if v["impact"] in ("serious", "critical"):
                targets = [n["target"] for n in v["nodes"][:3]]
                problems.append(f"{path} [{lang}]: {v['id']} ({v['impact']}) {targets}")
        small = page.evaluate(
            """sel => [...document.querySelectorAll(sel)]
                .filter(e => e.offsetParent !== null)
                .map(e => [e.outerHTML.slice(0, 60), e.getBoundingClientRect()])
                .filter(([, r]) => r.height < 44 || r.width < 44)
                .map(([h, r]) => `${h} ${Math.round(r.width)}x${Math.round(r.height)}`)""",
            TARGETS,
        )
        problems += [f"{path} [{lang}]: small target {s}" for s in small]
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 360:
            problems.append(f"{path} [{lang}]: horizontal overflow {width}px")
    assert problems == []
