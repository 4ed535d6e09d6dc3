"""/trends and /trends/GB-PK in Chromium: no horizontal page overflow on a 360 px phone in all
six languages (tables scroll inside their own box), sorting by links with JavaScript off,
the SVG chart drawn at phone and desktop widths. Screenshots at 360 px and 1280 px go to
tests/artifacts/web/ for review."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from web_live import axe_problems, shoot

pytestmark = pytest.mark.browser

LANGS = {"en": "ltr", "ur": "rtl", "fa-AF": "rtl", "ps": "rtl", "bn": "ltr", "ar": "rtl"}
PATHS = {"overview": "/trends", "corridor": "/trends/GB-PK"}


@pytest.fixture()
def nojs_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        viewport={"width": 360, "height": 640}, java_script_enabled=False, has_touch=True
    )
    page = context.new_page()
    yield page
    context.close()


def page_width(page: Any) -> tuple[int, int]:
    width, inner = page.evaluate("[document.scrollingElement.scrollWidth, innerWidth]")
    return int(width), int(inner)


@pytest.mark.parametrize("lang", list(LANGS))
def test_trends_pages_fit_a_360px_phone(nojs_page: Any, base_url: str, lang: str) -> None:
    for name, path in PATHS.items():
        nojs_page.goto(f"{base_url}{path}?lang={lang}")
        html = nojs_page.locator("html")
        assert html.get_attribute("lang") == lang and html.get_attribute("dir") == LANGS[lang]
        width, inner = page_width(nojs_page)
        assert width <= inner, f"{name} {lang}: page {width} px wide in a {inner} px viewport"
        # The wide tables scroll inside their own box instead.
        boxes = nojs_page.locator(".scroll")
        assert boxes.count() >= 1
        box = boxes.first.bounding_box()
        assert box is not None and box["width"] <= inner
        if name == "corridor":
            chart = nojs_page.locator("svg.chart-svg").bounding_box()
            assert chart is not None and 0 < chart["width"] <= inner
        shoot(nojs_page, f"trends-{name}-{lang}-360")


def test_sorting_works_without_javascript(nojs_page: Any, base_url: str) -> None:
    nojs_page.goto(f"{base_url}/trends")
    nojs_page.locator("thead a", has_text="Average").first.click()
    nojs_page.wait_for_url("**sort=average**")
    assert nojs_page.locator('th[aria-sort="ascending"]').count() == 1
    nojs_page.locator("thead a", has_text="Average").first.click()
    nojs_page.wait_for_url("**order=desc**")
    assert nojs_page.locator('th[aria-sort="descending"]').count() == 1


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_desktop_screenshots(browser: Any, base_url: str, lang: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        for name, path in PATHS.items():
            page.goto(f"{base_url}{path}?lang={lang}")
            width, inner = page_width(page)
            assert width <= inner
            shoot(page, f"trends-{name}-{lang}-1280")
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_axe_finds_no_serious_issue_on_trends(
    browser: Any, base_url: str, axe_source: str, lang: str
) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 640})
    page = context.new_page()
    problems: list[str] = []
    try:
        for name, path in PATHS.items():
            page.goto(f"{base_url}{path}?lang={lang}")
            problems += axe_problems(page, axe_source, f"{name} [{lang}]")
    finally:
        context.close()
    assert problems == []
