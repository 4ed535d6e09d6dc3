"""Bounded requests, bounded metrics, no key in a log (issue 23, items 4-6), in process."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.http.accesslog import RedactKeys, redact
from api.http.bodylimit import PUBLIC_BODY_BYTES
from api.services.ingest import MAX_FEED_BYTES
from api.storage.apikeys import new_key
from tests.harden.test_metrics import _key, _samples

RECEIPT = {
    "send_amount": "200",
    "send_currency": "USD",
    "fee": "3",
    "received_amount": "55000",
    "receive_currency": "PKR",
}


def test_a_public_json_body_over_the_cap_is_a_413_before_it_is_read(client: TestClient) -> None:
    big = json.dumps(RECEIPT | {"note": "x" * (PUBLIC_BODY_BYTES * 64)})
    r = client.post(
        "/api/v1/receipt-check", content=big, headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 413
    assert r.json()["detail"][0]["loc"] == ["body"]
    assert len(r.content) < 300


def test_a_streamed_body_without_a_length_is_cut_off_at_the_cap(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"send_amount": "'
        for _ in range(200):
            yield b"9" * 1024

    r = client.post(
        "/api/v1/receipt-check", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 413
    assert "larger than" in r.json()["detail"][0]["msg"]
    assert client.post("/api/v1/receipt-check", json=RECEIPT).status_code != 413


def test_the_admin_feed_route_takes_its_documented_limit(
    client: TestClient, session: Session
) -> None:
    headers = {"X-API-Key": _key(session, "ingest"), "Content-Type": "text/csv"}
    # Over the public cap but under the feed limit: read and judged as a feed.
    mid = client.post("/api/v1/admin/feeds", content=b"a,b\n" * 50_000, headers=headers)
    assert mid.status_code == 422 and "missing required column" in mid.text
    over = client.post("/api/v1/admin/feeds", content=b"a" * (MAX_FEED_BYTES + 1), headers=headers)
    assert over.status_code == 413


def test_a_422_quotes_only_a_little_of_a_huge_field(client: TestClient) -> None:
    r = client.post("/api/v1/receipt-check", json=RECEIPT | {"send_currency": "X" * 10_000})
    assert r.status_code == 422
    assert len(r.content) < 2_000
    [error] = r.json()["detail"]
    assert error["loc"] == ["body", "send_currency"]
    assert error["input"].endswith("(10000 characters)")


def test_made_up_methods_and_paths_add_no_metric_series(
    client: TestClient, session: Session
) -> None:
    for n in range(40):
        client.request(f"BREW{n}", "/api/v1/corridors")
        client.get(f"/no-such-page-{n}")
    text = client.get("/metrics", headers={"X-API-Key": _key(session, "read")}).text
    labels = {dict(k[1]).get("method") for k in _samples(text) if k[0].startswith("remit_http")}
    routes = {dict(k[1]).get("route") for k in _samples(text) if k[0].startswith("remit_http")}
    assert labels <= {"GET", "other"}
    assert "other" in labels and "other" in routes
    assert not any(r and "no-such-page" in r for r in routes)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/corridors?access_token={key}",
        "/api/v1/corridors?q=1&anything={key}",
        "/api/v1/corridors/{key}",
        "/x?auth={key}&b=2",
    ],
)
def test_a_key_anywhere_in_a_logged_url_is_redacted(
    path: str, caplog: pytest.LogCaptureFixture
) -> None:
    key = new_key()
    logged = path.format(key=key)
    assert key not in redact(logged)
    logger = logging.getLogger("test.access.keys")
    logger.addFilter(RedactKeys())
    with caplog.at_level(logging.INFO, logger="test.access.keys"):
        logger.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "GET", logged, "1.1", 200)
        logger.info("header Authorization: Bearer " + key)
    assert key not in caplog.text and "REDACTED" in caplog.text
