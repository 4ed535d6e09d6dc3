"""A full collection sweep against loopback replay servers with injected latency.

Every source's host is a ReplayServer (tests/replay.py) serving the recorded responses at
the live paths (Wise: one generated comparison per corridor and amount point), each reply
delayed by ``--latency``. The servers run in a child process (their CPU is
not charged to the client). The sweep runs every source through `run_sources` into a fresh
SQLite database (reference data and sample rates only, so every observation is new) and
prints the elapsed time against the ideal for the client policy's limits:

    ideal(host) = max(ceil(requests / per_host_concurrency), dependent chain) * latency
                  (or (requests - 1) * min_interval + latency, when pacing dominates)
    ideal       = max over hosts

Target (DESIGN.md section 7): elapsed / ideal <= 1.25.

    .venv/bin/python benchmarks/bench_collection_sweep.py [--latency 0.25] [--concurrency 2]
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import multiprocessing
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from multiprocessing.connection import Connection
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine  # noqa: E402
from sqlmodel import Session  # noqa: E402

from api.settings import Settings  # noqa: E402
from api.storage.db import make_engine, session_scope  # noqa: E402
from api.storage.migrate import upgrade  # noqa: E402
from api.storage.rates import reference_rate  # noqa: E402
from api.storage.reference import load_reference  # noqa: E402
from scrapers.demo import load_recorded_rates, load_sample_rates  # noqa: E402
from scrapers.runner import load_corridors, run_sources  # noqa: E402
from scrapers.sources import SOURCES  # noqa: E402
from scrapers.sources.tcmb import path as tcmb_path  # noqa: E402
from scrapers.sources.wise import PATH as WISE_PATH  # noqa: E402
from scrapers.sources.wise import WiseSource, plan  # noqa: E402
from tests.replay import ReplayServer  # noqa: E402

FIXTURES = ROOT / "data" / "sample" / "recorded"
NOW = datetime(2026, 5, 24, 9, 30, tzinfo=UTC)

#: source -> [(path, fixture file)], and the longest chain of dependent requests per host
#: (robots.txt before a page, CBI's page before its workbook).
RECORDED = {
    "sbp": [("/assets/document/BFER_Daily.xlsx", "sbp/BFER_Daily.xlsx")],
    "dab": [("/exchange-rates", "dab/exchange-rates-2026-05-18.html")],
    "cbi": [
        ("/page/144", "cbi/page-144.html"),
        ("/static/uploads/up/file-177909880482668.xlsx", "cbi/rates-file.xlsx"),
    ],
    "ecb": [("/service/data/EXR/D..EUR.SP00.A", "ecb/exr-daily.csv")],
    "imf": [("/external/np/fin/data/rms_mth.aspx", "imf/rms_mth-2026-03-REP.tsv")],
    "tcmb": [(tcmb_path(NOW.date() - timedelta(days=14), NOW.date()), "tcmb/evds.json")],
    "cbr": [("/scripts/XML_daily.asp", "cbr/XML_daily.xml")],
}
CHAIN = {"sbp": 2, "dab": 2, "cbi": 3, "imf": 2}  # HTML sources fetch robots.txt first


def wise_body(
    template: dict[str, object], send: str, receive: str, amount: Decimal, mid: Decimal
) -> bytes:
    body = json.loads(json.dumps(template))
    body.update(sourceCurrency=send, targetCurrency=receive, amount=float(amount))
    for provider in body["providers"]:
        for quote in provider["quotes"]:
            markup = Decimal(str(quote["markup"]))
            quote["rate"] = float((mid * (1 - markup / 100)).quantize(Decimal("1E-8")))
            quote["fee"] = float((amount * Decimal("0.004")).quantize(Decimal("0.01")))
            quote["sourceCountry"] = quote["targetCountry"] = None
    return json.dumps(body).encode()


Routes = dict[str, list[tuple[str, bytes, int]]]  # host -> [(path, body, status)]


def serve(routes: Routes, latency: float, pipe: Connection) -> None:
    """The replay servers, in their own process: their CPU is not charged to the client
    (the replay handler sets TCP_NODELAY, as real web servers do)."""
    servers = {name: ReplayServer().start() for name in routes}
    for name, entries in routes.items():
        for path, body, status in entries:
            servers[name].add(path, body, status=status, delay_s=latency)
    pipe.send({name: server.url for name, server in servers.items()})
    pipe.recv()  # the sweep is over
    pipe.send({name: (len(s.requests), s.max_in_flight) for name, s in servers.items()})
    for server in servers.values():
        server.stop()


def build_routes(engine: Engine) -> Routes:
    routes: Routes = {name: [] for name in SOURCES}
    for name, files in RECORDED.items():
        routes[name].append(("/robots.txt", b"", 404))
        routes[name] += [(path, (FIXTURES / f).read_bytes(), 200) for path, f in files]
    template = json.loads((FIXTURES / "wise/comparison-gbp-eur-10000.json").read_bytes())
    with Session(engine) as session:  # mids from the recorded rates, then rolled back
        load_recorded_rates(session, NOW)
        for send, receive, amount in plan(load_corridors(engine, None)):
            ref = reference_rate(session, send, receive)
            mid = ref.rate if ref is not None else Decimal(1)
            query = urlencode(WiseSource().params((send, receive, amount)))
            body = wise_body(template, send, receive, amount, mid)
            routes["wise"].append((f"{WISE_PATH}?{query}", body, 200))
        session.rollback()
    return routes


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--latency", type=float, default=0.25, help="seconds per reply")
    parser.add_argument("--concurrency", type=int, default=2, help="per-host concurrency")
    parser.add_argument("--min-interval", type=float, default=0.0, help="seconds between starts")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)  # rejected rows are summarised below

    workdir = Path(tempfile.mkdtemp(prefix="remit-bench-"))
    url = f"sqlite:///{workdir / 'sweep.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    with session_scope(engine) as session:
        load_reference(session)
        load_sample_rates(session, NOW)
    routes = build_routes(engine)
    engine.dispose()

    latency = args.latency
    parent, child = multiprocessing.get_context("spawn").Pipe()
    server_process = multiprocessing.get_context("spawn").Process(
        target=serve, args=(routes, latency, child), daemon=True
    )
    server_process.start()
    try:
        urls: dict[str, str] = parent.recv()
        settings = Settings(
            database_url=url,
            http_per_host_concurrency=args.concurrency,
            http_min_interval_s=args.min_interval,
            http_timeout_s=30,
            tcmb_api_key="bench",
            **{f"{name}_base_url": u for name, u in urls.items()},
        )
        engine = make_engine(url)
        started = time.perf_counter()
        runs = run_sources(engine, list(SOURCES.values()), settings=settings, now=NOW)
        elapsed = time.perf_counter() - started
        engine.dispose()
        parent.send("done")
        stats: dict[str, tuple[int, int]] = parent.recv()
    finally:
        server_process.join(10)
        if server_process.is_alive():
            server_process.kill()

    print(
        f"collection sweep: {len(runs)} sources on {len(stats)} hosts, latency "
        f"{latency * 1000:.0f} ms, per-host concurrency {args.concurrency}, "
        f"min interval {args.min_interval:g} s"
    )
    print(f"{'host':<6} {'requests':>8} {'max in flight':>13} {'ideal s':>8}")
    ideal = 0.0
    for name, (n, in_flight) in stats.items():
        rounds = max(math.ceil(n / args.concurrency), CHAIN.get(name, 1))
        host_ideal = max(rounds * latency, (n - 1) * args.min_interval + latency)
        ideal = max(ideal, host_ideal)
        print(f"{name:<6} {n:>8} {in_flight:>13} {host_ideal:>8.2f}")
    statuses = Counter(r.status for r in runs)
    stored = sum(r.rows_stored for r in runs)
    print(f"runs: {dict(statuses)}; rows stored: {stored}")
    for r in runs:
        if r.status != "ok":
            print(f"  {r.source}: {r.status}: {r.error}")
    ratio = elapsed / ideal
    verdict = "OK" if ratio <= 1.25 else "OVER BUDGET"
    print(
        f"elapsed {elapsed:.2f} s, ideal {ideal:.2f} s, ratio {ratio:.2f} "
        f"(target <= 1.25): {verdict}"
    )


if __name__ == "__main__":
    main()
