"""Trends budgets (issue 10/11): the summary across all corridors <= 100 ms and the trends
API and pages <= 50 ms at 2 M quotes, because they read the rollups, not the history.

    .venv/bin/python benchmarks/bench_trends.py [--sizes 10000,200000,2000000] [--repeat 15]

For each size: a temporary SQLite database with that many synthetic quotes (the generator of
bench_exports.py: 40 corridors, one quote every 37 s over the ladder's amount points, so about
a tenth are at a basket amount), bulk-inserted as a loader would, then `rebuild_rollups`
(timed). Then, in-process through the ASGI app with its middleware (TestClient, no network,
access log off), the median and worst of --repeat requests:
GET /api/v1/trends/summary, GET /api/v1/trends?corridor=GB-PK, /trends, /trends/GB-PK; and
the time to store 100 new quotes through `store_quotes` (rollups maintained in the same
transaction). Nothing is asserted: the script prints figures beside the targets.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import os  # noqa: E402

os.environ.setdefault("REMIT_RATE_LIMIT_PER_MINUTE", "0")
os.environ.setdefault("REMIT_COMPARE_CACHE_S", "0")

from bench_exports import grow, seed_reference  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from sqlmodel import Session, func, select  # noqa: E402

from api.storage.db import get_session, make_engine  # noqa: E402
from api.storage.models import TrendRollup  # noqa: E402
from api.storage.quotes import QuoteIn, store_quotes  # noqa: E402
from api.storage.rollups import rebuild_rollups  # noqa: E402
from remit.app import create_app  # noqa: E402


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    fn()  # warm up
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs) * 1000, max(runs) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,200000")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument(
        "--profile", action="store_true", help="print a cProfile of the summary at each size"
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"cores: {os.cpu_count()}; SQLite; in-process ASGI (middleware on); ms")
    header = (
        f"{'quotes':>9} {'rollup rows':>11} {'rebuild s':>9} {'summary':>13} {'trends API':>13} "
        f"{'/trends':>13} {'/trends/GB-PK':>13} {'store 100':>9}"
    )
    print(header)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        templates = seed_reference(engine)
        have = 0
        for size in sizes:
            grow(engine, templates, have, size)
            have = size
            with Session(engine) as s:
                start = time.perf_counter()
                rebuild_rollups(s)
                s.commit()
                rebuild = time.perf_counter() - start
                rollup_rows = s.exec(select(func.count()).select_from(TrendRollup)).one()
            app = create_app()

            def session_dep() -> object:
                with Session(engine, expire_on_commit=False) as s:
                    yield s

            app.dependency_overrides[get_session] = session_dep
            with TestClient(app) as client:

                def get(url: str) -> Callable[[], object]:
                    def run() -> object:
                        r = client.get(url)
                        assert r.status_code == 200, (url, r.status_code)
                        return r

                    return run

                summary = timed(get("/api/v1/trends/summary"), args.repeat)
                api = timed(get("/api/v1/trends?corridor=GB-PK"), args.repeat)
                overview = timed(get("/trends"), args.repeat)
                corridor = timed(get("/trends/GB-PK"), args.repeat)
            if args.profile:  # the summary service itself (the ASGI client runs it in a thread)
                import cProfile
                import pstats

                from api.services.trends_summary import trends_summary

                with Session(engine) as s:
                    prof = cProfile.Profile()
                    prof.runcall(trends_summary, s, 200, now=datetime.now(UTC))
                pstats.Stats(prof).sort_stats("tottime").print_stats(14)
            stamp = datetime(2030, 1, 1, tzinfo=UTC)
            with Session(engine) as s:
                batch = [
                    QuoteIn(
                        provider="wise",
                        corridor="GB-PK",
                        send_amount=Decimal(120),
                        send_currency="GBP",
                        fee=Decimal("0.50") + Decimal(i) / 100,
                        rate=Decimal(370),
                        receive_currency="PKR",
                        payout_method="bank",
                        speed="same_day",
                        collected_at=stamp + timedelta(seconds=i),
                        source="bench",
                        mid_rate=Decimal("375.629488"),
                        mid_rate_type="interbank",
                        mid_rate_source="bench",
                    )
                    for i in range(100)
                ]
                start = time.perf_counter()
                store_quotes(s, batch)
                store = (time.perf_counter() - start) * 1000
                s.rollback()

            def cell(pair: tuple[float, float]) -> str:
                return f"{pair[0]:6.1f} / {pair[1]:5.1f}"

            print(
                f"{size:>9,} {rollup_rows:>11,} {rebuild:>9.1f} {cell(summary):>13} "
                f"{cell(api):>13} {cell(overview):>13} {cell(corridor):>13} {store:>9.1f}",
                flush=True,
            )
        engine.dispose()
    print("cells: median / worst of --repeat; targets at 2 M: summary <= 100, trends <= 50")


if __name__ == "__main__":
    main()
