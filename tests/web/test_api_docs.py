"""/api/v1/docs works offline (issue 13, item 8): every script and style
comes from this server, the page's own CSP allows them (no violation), and the operations
render in Chromium."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

pytestmark = pytest.mark.browser


def test_api_docs_render_from_local_assets_within_their_csp(browser: Any, base_url: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    requested: list[str] = []
    problems: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.on("requestfailed", lambda r: problems.append(f"failed {r.url}"))
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" or "Content Security Policy" in m.text
            else None
        ),
    )
    try:
        response = page.goto(base_url + "/api/v1/docs")
        assert response is not None and response.status == 200
        page.wait_for_selector(".opblock-summary-path", timeout=30_000)
        text = page.inner_text("body")
    finally:
        context.close()
    assert "/api/v1/compare" in text
    origin = urlsplit(base_url).netloc
    foreign = [
        u
        for u in requested
        if urlsplit(u).scheme in ("http", "https") and urlsplit(u).netloc != origin
    ]
    assert foreign == [], "the docs load nothing from another host"
    assert problems == []


def test_the_docs_page_has_no_inline_script_and_keeps_the_strict_csp(
    client: TestClient,
) -> None:
    r = client.get("/api/v1/docs")
    assert r.status_code == 200
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert "<script>" not in r.text and "cdn" not in r.text.lower()
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert client.get(f"/api/v1/docs/assets/{asset}").status_code == 200
    assert "SwaggerUIBundle" in client.get("/api/v1/docs/swagger-init.js").text
