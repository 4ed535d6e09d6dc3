"""/compare answers a matching If-None-Match without rendering, serves repeats from memory,
and never serves a rendering older than the corridor's data."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.services.compare import BOOK
from api.settings import get_settings
from api.storage.quotes import store_quotes
from tests.web.conftest import home_delivery_quote
from web import pagecache, routes_compare

PARAMS = {"from": "US", "to": "PK", "amount": "200", "fees": "on_top", "lang": "en"}


@pytest.fixture()
def cache_on() -> Iterator[None]:
    mp = pytest.MonkeyPatch()
    mp.setattr(get_settings(), "compare_cache_s", 30.0)
    pagecache.PAGES.clear()
    BOOK.clear()
    yield
    mp.undo()
    pagecache.PAGES.clear()
    BOOK.clear()


def test_a_matching_etag_is_a_304_without_rendering(
    client: TestClient, cache_on: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = client.get("/compare", params=PARAMS)
    assert first.status_code == 200 and first.headers["etag"].startswith('W/"p')
    rendered: list[int] = []
    real = routes_compare._compare_page

    def counting(*args: object, **kw: object):  # type: ignore[no-untyped-def]
        rendered.append(1)
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(routes_compare, "_compare_page", counting)
    again = client.get("/compare", params=PARAMS, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    repeat = client.get("/compare", params=PARAMS)
    assert repeat.status_code == 200 and repeat.content == first.content
    assert rendered == [], "neither the 304 nor the repeat rendered the page"
    other = client.get("/compare", params={**PARAMS, "lang": "ur"})
    assert other.headers["etag"] != first.headers["etag"] and rendered == [1]


def test_a_new_quote_shows_on_the_next_page_request(
    client: TestClient, session: Session, demo_now: datetime, cache_on: None
) -> None:
    before = client.get("/compare", params=PARAMS)
    assert "56,380.00" not in before.text
    store_quotes(session, [home_delivery_quote(demo_now - timedelta(minutes=1))])
    after = client.get("/compare", params=PARAMS, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200, "the stored quote changed the data version, so the ETag"
    assert after.headers["etag"] != before.headers["etag"]
    assert "56,380.00" in after.text  # 200 x 281.9, the new home-delivery offer
