"""The real `remit serve` (uvicorn) trusts no forwarded header by default: from 127.0.0.1 a
varying X-Forwarded-For no longer evades the rate limit (uvicorn trusted loopback), and it
counts only from REMIT_TRUSTED_PROXIES."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.deploy.servers import remit_env, serve


def _codes(base: str) -> list[int]:
    return [
        httpx.get(
            base + "/api/v1/openapi.json", headers={"X-Forwarded-For": f"10.0.0.{n}"}
        ).status_code
        for n in range(3)
    ]


def test_serve_ignores_forwarded_for_unless_the_proxy_is_trusted(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'remit.sqlite3'}"
    env = remit_env(db, REMIT_RATE_LIMIT_PER_MINUTE="2")
    with serve(env, tmp_path / "default.log") as base:
        assert _codes(base) == [200, 200, 429]
        assert (
            "Strict-Transport-Security"
            not in httpx.get(base + "/healthz", headers={"X-Forwarded-Proto": "https"}).headers
        )
    trusted = remit_env(db, REMIT_RATE_LIMIT_PER_MINUTE="2", REMIT_TRUSTED_PROXIES="127.0.0.1")
    with serve(trusted, tmp_path / "trusted.log") as base:
        assert _codes(base) == [200, 200, 200]  # three clients behind a trusted proxy
        r = httpx.get(base + "/healthz", headers={"X-Forwarded-Proto": "https"})
        assert r.headers["Strict-Transport-Security"].startswith("max-age=")
    assert '10.0.0.1:0 - "GET /api/v1/openapi.json' in (tmp_path / "trusted.log").read_text()
