"""First paint in one round trip (issue 22): the stylesheet is inside the page, allowed by
its hash in the CSP, and Chromium applies it with no CSP violation."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from web.static import assets, style_hash

PAGES = ["/", "/compare?from=GB&to=PK&amount=200", "/compare?from=US&to=PK&amount=200&lang=ur"]


@pytest.mark.parametrize("path", PAGES)
def test_the_page_carries_its_stylesheet_and_the_csp_allows_exactly_it(
    base_url: str, path: str
) -> None:
    r = httpx.get(base_url + path)
    assert r.status_code == 200
    css = assets()["app.css"].body.decode()
    assert f"<style>{css}</style>" in r.text
    assert 'rel="stylesheet" href="/static/app.css' not in r.text  # no second round trip
    csp = r.headers["content-security-policy"]
    assert f"style-src 'self' {style_hash('app.css')};" in csp
    assert "'unsafe-inline'" not in csp


@pytest.mark.parametrize("path", PAGES)
def test_chromium_applies_the_inline_stylesheet(browser: Any, base_url: str, path: str) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 640})
    page = context.new_page()
    violations: list[str] = []
    page.on(
        "console", lambda m: violations.append(m.text) if "Content Security" in m.text else None
    )
    page.goto(base_url + path)
    # app.css moves the skip link off screen until it has focus.
    top = page.evaluate("getComputedStyle(document.querySelector('.skip')).position")
    rules = page.evaluate("document.styleSheets[0].cssRules.length")
    context.close()
    assert top == "absolute"
    assert rules > 50
    assert violations == []
