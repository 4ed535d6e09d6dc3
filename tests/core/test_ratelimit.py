from __future__ import annotations

from fastapi.testclient import TestClient

from api.http.ratelimit import RateLimiter
from api.settings import Settings
from remit.app import create_app


def test_limiter_counts_per_client_and_resets_each_window() -> None:
    now = [0.0]
    limiter = RateLimiter(2, clock=lambda: now[0])
    assert limiter.hit("a") is None and limiter.hit("a") is None
    wait = limiter.hit("a")
    assert wait == 60.0
    assert limiter.hit("b") is None, "another client has its own budget"
    now[0] = 45.0
    assert limiter.hit("a") == 15.0
    now[0] = 61.0
    assert limiter.hit("a") is None


def test_api_answers_429_with_retry_after() -> None:
    app = create_app(Settings(rate_limit_per_minute=3))
    with TestClient(app) as client:
        codes = [client.get("/api/v1/openapi.json").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        r = client.get("/api/v1/openapi.json")
        assert r.status_code == 429 and 0 < int(r.headers["Retry-After"]) <= 60
        assert "rate limit" in r.json()["detail"]
        assert client.get("/healthz").status_code == 200, "health checks are not limited"


def test_security_headers_on_every_response_including_429() -> None:
    app = create_app(Settings(rate_limit_per_minute=1))
    with TestClient(app) as client:
        for _ in range(2):
            r = client.get("/api/v1/openapi.json")
            assert r.headers["X-Content-Type-Options"] == "nosniff"
            assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
        assert r.status_code == 429
