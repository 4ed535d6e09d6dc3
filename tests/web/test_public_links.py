"""Links meant to leave the site come from REMIT_PUBLIC_BASE_URL, not the Host header, and
the page cache tells repeated query parameters apart the way the page reads them (the last
one wins) (issue 23, item 8)."""

from __future__ import annotations

import html
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.settings import get_settings
from tests.web.test_widget import add
from web import pagecache


@pytest.fixture()
def public_base() -> Iterator[str]:
    mp = pytest.MonkeyPatch()
    mp.setattr(get_settings(), "public_base_url", "https://remit.example.org")
    yield "https://remit.example.org"
    mp.undo()


def test_share_links_use_the_configured_base_not_the_host_header(
    client: TestClient, public_base: str
) -> None:
    forged = {"Host": "evil.example"}
    lesson = client.get("/learn/money-in-your-own-name", headers=forged).text
    assert f'data-copy="{public_base}/learn/money-in-your-own-name"' in lesson
    assert "evil.example" not in lesson


def test_widget_builder_snippets_use_the_configured_base(
    client: TestClient, public_base: str, session: Session
) -> None:
    add(session)
    page = client.get("/widget/builder?org=bradford-pk", headers={"Host": "evil.example"})
    assert page.status_code == 200
    assert f'{public_base}/widget.js" data-org="bradford-pk"' in html.unescape(page.text)
    assert "evil.example" not in page.text


def test_repeated_parameters_in_another_order_are_another_page(client: TestClient) -> None:
    pagecache.PAGES.clear()
    base = "/compare?from=US&to=PK&fees=on_top&lang=en"
    first = client.get(base + "&amount=300&amount=777")
    second = client.get(base + "&amount=777&amount=300")
    assert first.status_code == second.status_code == 200
    assert first.headers["etag"] != second.headers["etag"]
    assert "777" in first.text and first.text != second.text
