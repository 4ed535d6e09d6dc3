from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from api.http.cache import ResponseCache
from api.http.deps import get_now
from api.settings import Settings
from api.storage.db import get_session
from remit.app import create_app


def test_entries_expire_after_the_ttl_and_the_oldest_are_evicted() -> None:
    now = [0.0]
    cache = ResponseCache(30, max_entries=2, clock=lambda: now[0])
    cache.put("a", b"1")
    assert cache.get("a") == b"1"
    now[0] = 31
    assert cache.get("a") is None
    cache.put("a", b"1")
    cache.put("b", b"2")
    cache.put("c", b"3")
    assert cache.get("a") is None and cache.get("c") == b"3"
    assert ResponseCache(0).get("a") is None


def test_compare_reuses_the_rendering_for_the_same_question(session: Session, demo_now) -> None:  # type: ignore[no-untyped-def]
    app = create_app(Settings(compare_cache_s=60))
    app.dependency_overrides[get_session] = lambda: session
    app.dependency_overrides[get_now] = lambda: demo_now
    with TestClient(app) as client:
        first = client.get("/api/v1/compare", params={"from": "gb", "to": "PK", "amount": "200"})
        # The same question spelled differently is the same cache entry.
        again = client.get("/api/v1/compare", params={"from": "GB", "to": "pk", "amount": "200.00"})
        other = client.get("/api/v1/compare", params={"from": "GB", "to": "PK", "amount": "300"})
    assert first.status_code == again.status_code == other.status_code == 200
    assert first.content == again.content
    assert other.json()["amount"] == "300" and first.json()["amount"] == "200"
    assert len(app.state.response_cache._entries) == 2
