"""Trust only the proxies you name (issue 13, item 6): X-Forwarded-For from anyone else
does not evade the rate limit; HSTS behind a trusted https proxy; pages and form posts are
rate-limited too; a key in a URL never reaches the access log."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.http.accesslog import RedactKeys, redact
from api.http.proxy import HSTS, client_from_forwarded, parse_networks
from api.settings import Settings
from api.storage.db import get_session
from remit.app import create_app

LOOPBACK = ("127.0.0.1", 40000)


def app_client(
    client: tuple[str, int] = LOOPBACK, session: Session | None = None, **settings: object
) -> TestClient:
    app = create_app(Settings(**settings))  # type: ignore[arg-type]
    if session is not None:
        app.dependency_overrides[get_session] = lambda: session
    return TestClient(app, client=client)


def test_forwarded_for_from_an_untrusted_peer_does_not_evade_the_limit() -> None:
    # Default: no trusted proxies, not even loopback (uvicorn trusted 127.0.0.1 by default).
    with app_client(rate_limit_per_minute=2) as client:
        codes = [
            client.get("/api/v1/openapi.json", headers={"X-Forwarded-For": f"10.0.0.{n}"})
            for n in range(3)
        ]
    assert [r.status_code for r in codes] == [200, 200, 429]


def test_a_trusted_proxy_forwards_each_client_its_own_budget() -> None:
    with app_client(rate_limit_per_minute=1, trusted_proxies=["127.0.0.1"]) as client:
        a = client.get("/api/v1/openapi.json", headers={"X-Forwarded-For": "203.0.113.7"})
        b = client.get("/api/v1/openapi.json", headers={"X-Forwarded-For": "203.0.113.8"})
        again = client.get("/api/v1/openapi.json", headers={"X-Forwarded-For": "203.0.113.7"})
        # A forged left-most entry does not help: the proxy appended the real address.
        forged = client.get(
            "/api/v1/openapi.json", headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.8"}
        )
    assert [a.status_code, b.status_code, again.status_code, forged.status_code] == [
        200,
        200,
        429,
        429,
    ]


def test_client_address_walks_past_trusted_hops_only() -> None:
    nets = parse_networks(["10.0.0.0/8", "127.0.0.1"])
    assert client_from_forwarded("127.0.0.1", "1.1.1.1, 2.2.2.2, 10.1.1.1", nets) == "2.2.2.2"
    assert client_from_forwarded("192.0.2.9", "1.1.1.1", nets) == "192.0.2.9"
    with pytest.raises(ValueError, match=r"'proxy\.example' is not an IP address"):
        parse_networks(["proxy.example"])


@pytest.mark.parametrize(
    ("trusted", "proto", "hsts"),
    [
        (["127.0.0.1"], "https", True),
        (["127.0.0.1"], "http", False),
        ([], "https", False),  # anyone can send the header: not trusted
    ],
)
def test_hsts_only_behind_a_trusted_https_proxy(trusted: list[str], proto: str, hsts: bool) -> None:
    with app_client(trusted_proxies=trusted) as client:
        r = client.get("/healthz", headers={"X-Forwarded-Proto": proto})
    assert r.headers.get("Strict-Transport-Security") == (HSTS if hsts else None)


def test_pages_and_form_posts_are_rate_limited_with_a_translated_page(session: Session) -> None:
    with app_client(session=session, rate_limit_per_minute=2) as client:
        assert client.get("/?lang=ur").status_code == 200
        assert client.post("/check", data={"send_amount": "x"}).status_code < 500
        r = client.post("/check?lang=ur", data={"send_amount": "x"})
        assert r.status_code == 429 and 0 < int(r.headers["Retry-After"]) <= 60
        assert r.headers["content-type"].startswith("text/html")
        assert "بہت زیادہ درخواستیں" in r.text
        page = client.get("/")
        assert page.status_code == 429 and "Too many requests" in page.text
        api = client.get("/api/v1/corridors")
        assert api.status_code == 429 and "rate limit" in api.json()["detail"]
        # Static assets and health checks are not counted. The stylesheet is inline since the
        # speed branch; the page still links its script from /static/.
        assert client.get("/healthz").status_code == 200
        assets = [p for p in page.text.split('"') if p.startswith("/static/")]
        assert assets and client.get(assets[0]).status_code == 200


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/api/v1/admin/collectors?api_key=remit_s3cret", "?api_key=REDACTED"),
        ("/x?a=1&TOKEN=remit_s3cret&b=2", "?a=1&TOKEN=REDACTED&b=2"),
        ("/x?api%5Fkey=remit_s3cret", "?api%5Fkey=REDACTED"),
        ("/x?monkey=banana", "?monkey=banana"),
    ],
)
def test_a_key_in_the_url_is_redacted_from_the_access_log(
    path: str, logged: str, caplog: pytest.LogCaptureFixture
) -> None:
    assert redact(path).endswith(logged)
    logger = logging.getLogger("test.access")
    logger.addFilter(RedactKeys())
    with caplog.at_level(logging.INFO, logger="test.access"):
        # The call uvicorn's access logger makes.
        logger.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "GET", path, "1.1", 400)
    assert "remit_s3cret" not in caplog.text and logged in caplog.text
