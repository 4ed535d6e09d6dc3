"""Answering a text message beside answering the compare API, side by side in one run, and
the SMS segments of a typical answer in each language.

Both go through the whole app in-process (FastAPI TestClient, SQLite with the demo data, the
compare cache on as in production): POST /api/v1/messages with "750 SAR PK" (read the text,
rank by what the family receives with api/services/compare.py, write the reply) against
GET /api/v1/compare for the same route and amount. Rounds alternate so machine noise hits
both alike; medians are printed with their ratio. Then the same for the service calls alone
(`handle` against `compare`), without HTTP.

    .venv/bin/python benchmarks/bench_messages.py [--rounds 5] [--requests 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

EXAMPLES = {
    "en": "750 SAR PK",
    "ur": "۷۵۰ ریال پاکستان",
    "fa-AF": "۲۰۰ یورو افغانستان کمک",
    "ps": "۲۰۰ یورو افغانستان ته ولېږئ",
    "bn": "১০০০ দিরহাম বাংলাদেশ",
    "ar": "200 يورو العراق",
}


def timed(fn: Callable[[], object], n: int) -> float:
    """Median microseconds per call over `n` calls."""
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1e6)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-messages-"))
    os.environ["REMIT_DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ["REMIT_RATE_LIMIT_PER_MINUTE"] = "0"
    os.environ["REMIT_MESSAGE_RATE_PER_MINUTE"] = "0"
    os.environ.setdefault("REMIT_PUBLIC_BASE_URL", "https://remit.example")

    from fastapi.testclient import TestClient

    from api.domain.smstext import segments
    from api.http.deps import get_now
    from api.services.compare import CompareRequest, compare
    from api.services.messages import handle
    from api.storage.db import get_engine, session_scope
    from api.storage.migrate import upgrade
    from api.storage.types import utcnow
    from remit.app import create_app
    from scrapers.demo import load_demo

    now = utcnow()
    upgrade(get_engine())
    with session_scope() as s:
        load_demo(s, now, sample_on_real_corridors=True)

    async def fixed_now() -> object:
        return now

    app = create_app()
    app.dependency_overrides[get_now] = fixed_now
    with TestClient(app) as client:

        def message() -> object:
            r = client.post(
                "/api/v1/messages", json={"from": "+923001234567", "text": "750 SAR PK"}
            )
            assert r.status_code == 200 and r.json()["reply"]
            return r

        def compare_api() -> object:
            r = client.get("/api/v1/compare?from=SA&to=PK&amount=750&sort=received")
            assert r.status_code == 200
            return r

        message(), compare_api()  # warm up both
        http_msg, http_cmp = [], []
        for _ in range(args.rounds):
            http_msg.append(timed(message, args.requests))
            http_cmp.append(timed(compare_api, args.requests))

    with session_scope() as s:
        req = CompareRequest("SA", "PK", Decimal(750))

        def service_message() -> object:
            return handle(s, "sms", "+923001234567", "750 SAR PK", now)

        def service_compare() -> object:
            return compare(s, req, now)

        svc_msg, svc_cmp = [], []
        for _ in range(args.rounds):
            svc_msg.append(timed(service_message, args.requests))
            svc_cmp.append(timed(service_compare, args.requests))
        replies = {
            lang: handle(s, "sms", "+923001234567", text, now) for lang, text in EXAMPLES.items()
        }

    m, c = statistics.median(http_msg), statistics.median(http_cmp)
    sm, sc = statistics.median(svc_msg), statistics.median(svc_cmp)
    print(f"{'median per request (µs)':<34}{'message':>10}{'compare':>10}{'ratio':>8}")
    print(f"{'HTTP, whole app':<34}{m:>10.0f}{c:>10.0f}{m / c:>8.2f}")
    print(f"{'service call (no HTTP)':<34}{sm:>10.0f}{sc:>10.0f}{sm / sc:>8.2f}")
    print(f"({args.rounds} rounds x {args.requests} requests, SA-PK 750, demo data)")
    print()
    print(f"{'language':<9}{'message':<30}{'encoding':>9}{'chars':>7}{'segments':>10}")
    for lang, reply in replies.items():
        seg = segments(reply.text)
        print(f"{lang:<9}{EXAMPLES[lang]:<30}{seg.encoding:>9}{seg.units:>7}{seg.count:>10}")


if __name__ == "__main__":
    main()
