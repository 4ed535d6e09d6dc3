"""Prometheus metrics at /metrics (prometheus-client), for a key with the `read` scope
(header X-API-Key, or `Authorization: Bearer <key>` as Prometheus sends it):

- `remit_http_requests_total{method,route,status}` and
  `remit_http_request_duration_seconds{method,route}`: per route template
  (`/providers/{slug}`, not every slug), counted by this process;
- `remit_collector_runs{source,status}`, `remit_collector_last_success_timestamp_seconds
  {source}` and `remit_corridor_data_age_seconds{corridor,sample}`: read from the database
  at scrape time, so every worker reports the same figures.

A `remit serve` process counts its own requests: scrape every such process (see
docs/deploy.md). Under `remit serve --workers N` the workers share one port, so they count in
prometheus-client's multiprocess mode (`PROMETHEUS_MULTIPROC_DIR`, set by `remit serve`) and
any worker's /metrics reports the sum over all of them."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.http.deps import ReadScope, app_session
from api.storage.metrics import stored_figures
from api.storage.types import utcnow

router = APIRouter(tags=["admin"])
# Label values come from a fixed set, so no client can add series: a made-up method is
# "other", and so is a path that matched no route (route templates are finite).
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER = "other"
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """One registry per app (tests build many apps in one process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "remit_http_requests",
            "HTTP requests answered, by route template",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "remit_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template",
            ["method", "route"],
            buckets=BUCKETS,
            registry=self.registry,
        )


class StoredCollector(Collector):
    """Figures read from the database when Prometheus scrapes."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def collect(self) -> Iterator[Any]:
        with app_session(self.app) as session:
            figures = stored_figures(session)
        now = utcnow()
        runs = GaugeMetricFamily(
            "remit_collector_runs",
            "Collector runs on record, by status",
            labels=["source", "status"],
        )
        for (source, status), n in sorted(figures.runs.items()):
            runs.add_metric([source, status], n)
        yield runs
        last = GaugeMetricFamily(
            "remit_collector_last_success_timestamp_seconds",
            "When the last good (ok or partial) run of a source finished (Unix time)",
            labels=["source"],
        )
        for source, when in sorted(figures.last_success.items()):
            last.add_metric([source], when.timestamp())
        yield last
        age = GaugeMetricFamily(
            "remit_corridor_data_age_seconds",
            "Seconds since the newest quote of a corridor was collected",
            labels=["corridor", "sample"],
        )
        for (corridor, sample), when in sorted(figures.newest_quote.items()):
            age.add_metric([corridor, str(sample).lower()], (now - when).total_seconds())
        yield age

    def describe(self) -> Iterator[Any]:
        return iter(())  # collected only on scrape (no database read at registration)


def install(app: FastAPI) -> Metrics:
    metrics = Metrics()
    metrics.registry.register(StoredCollector(app))
    app.state.metrics = metrics
    app.include_router(router)
    return metrics


MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def exposition_registry(app: FastAPI) -> CollectorRegistry:
    """What /metrics reports: this process's registry, or with several workers on one port
    the request counts summed over every worker's files plus the stored figures."""
    metrics: Metrics = app.state.metrics
    directory = os.environ.get(MULTIPROC_ENV)
    if not directory:
        return metrics.registry
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
    registry.register(StoredCollector(app))
    return registry


@router.get("/metrics", include_in_schema=False)
def metrics_endpoint(request: Request, _reader: ReadScope) -> Response:
    """Prometheus text format (needs the `read` scope)."""
    return Response(
        generate_latest(exposition_registry(request.app)), media_type=CONTENT_TYPE_LATEST
    )


class MetricsMiddleware:
    """Pure ASGI: counts each answer and its latency under the route template it matched."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]

        async def send_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = scope.get("route")
            template = getattr(route, "path_format", None) or getattr(route, "path", None)
            if template is None:
                template = "/static" if scope["path"].startswith("/static/") else OTHER
            method = scope.get("method", "GET")
            method = method if method in KNOWN_METHODS else OTHER
            self.metrics.requests.labels(method, template, str(status[0])).inc()
            self.metrics.latency.labels(method, template).observe(time.perf_counter() - started)
