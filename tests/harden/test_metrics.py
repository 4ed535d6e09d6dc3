"""Prometheus metrics at /metrics, for a key with the `read` scope: request counts and
latencies per route template, collector runs by status, last success per source, data
age per corridor."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlmodel import Session

from api.settings import get_settings
from api.storage.apikeys import create_key
from api.storage.models import CollectorRun
from api.storage.types import utcnow


def _key(session: Session, *scopes: str) -> str:
    _, plain = create_key(
        session, "prometheus", utcnow(), secret=get_settings().secret_key, scopes=scopes
    )
    return plain


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_metrics_need_the_read_scope(client: TestClient, session: Session) -> None:
    assert client.get("/metrics").status_code == 401
    ingest = _key(session, "ingest")
    assert client.get("/metrics", headers={"X-API-Key": ingest}).status_code == 403
    read = _key(session, "read")
    assert client.get("/metrics", headers={"Authorization": f"Bearer {read}"}).status_code == 200


def test_metrics_count_routes_by_template_and_read_stored_figures(
    client: TestClient, session: Session
) -> None:
    now = utcnow()
    session.add(
        CollectorRun(
            source="dab", started_at=now - timedelta(minutes=2), finished_at=now, status="ok"
        )
    )
    session.add(CollectorRun(source="dab", started_at=now, finished_at=now, status="failed"))
    session.flush()
    for slug in ("wise", "western-union", "no-such-provider"):
        client.get(f"/providers/{slug}")
    client.get("/api/v1/corridors")

    response = client.get("/metrics", headers={"X-API-Key": _key(session, "read")})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = _samples(response.text)

    def value(name: str, **labels: str) -> float:
        return samples[(name, tuple(sorted(labels.items())))]

    assert (
        value("remit_http_requests_total", method="GET", route="/providers/{slug}", status="200")
        == 2
    )
    assert (
        value("remit_http_requests_total", method="GET", route="/providers/{slug}", status="404")
        == 1
    )
    assert (
        value("remit_http_requests_total", method="GET", route="/api/v1/corridors", status="200")
        == 1
    )
    assert (
        value("remit_http_request_duration_seconds_count", method="GET", route="/providers/{slug}")
        == 3
    )
    assert not any("western-union" in str(k) for k in samples), "templates, not every slug"

    assert value("remit_collector_runs", source="dab", status="ok") >= 1
    assert value("remit_collector_runs", source="dab", status="failed") >= 1
    last = value("remit_collector_last_success_timestamp_seconds", source="dab")
    assert abs(last - now.timestamp()) < 1
    # Sample quotes are labelled sample in the data age too (the demo has both kinds).
    ages = {k: v for k, v in samples.items() if k[0] == "remit_corridor_data_age_seconds"}
    assert {dict(labels)["sample"] for _, labels in ages} == {"true", "false"}
    assert any(dict(labels)["corridor"] == "GB-PK" for _, labels in ages)
    assert all(v >= 0 for v in ages.values())
