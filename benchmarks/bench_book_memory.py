"""Memory under writes: `import-feed` of one row, then one compare, repeated (issue 23 item 1).

Each round stores one feed row on a corridor (a new data version of that corridor) through
the same `import_feed` the CLI and the admin API use, then answers one comparison of the
corridor through the service (price book on, as served). It prints, per round, the Python
heap that tracemalloc sees and the corridor books held in memory. A process that keeps every
data version of a corridor grows by one book per round; one that keeps only the newest stays
flat after the first round.

    .venv/bin/python benchmarks/bench_book_memory.py [--rounds 20] [--points 3000]
        [--postgres postgresql+psycopg://remit:remit@127.0.0.1:5432/postgres]

`--points` adds that many extra amount points (sample quotes) to the corridor first, so a
book is as large as on a database with a long feed history.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import tracemalloc
from datetime import timedelta
from decimal import Decimal

os.environ.setdefault("REMIT_COMPARE_CACHE_S", "30")  # the book is on, as served

from sqlalchemy import text

from api.domain.ranking import FeesMode
from api.services.compare import BOOK, CompareRequest, compare
from api.services.ingest import import_feed
from api.storage.db import make_engine, session_scope
from api.storage.migrate import upgrade
from api.storage.types import utcnow
from scrapers.demo import load_demo

HEADER = (
    "provider,from,to,send_currency,receive_currency,send_amount,fee,rate,receive_fee,"
    "payout_method,payin_method,speed,promotional,captured_at\n"
)


def feed(amounts: list[Decimal], rate: Decimal, at: str) -> bytes:
    """A provider feed (docs/feed-format.md) with one GB->PK row per amount."""
    rows = [f"hbl,GB,PK,GBP,PKR,{a},1.00,{rate},0,bank,bank,2_5_days,false,{at}\n" for a in amounts]
    return (HEADER + "".join(rows)).encode()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--points", type=int, default=3000)
    ap.add_argument("--postgres", default=None, help="a PostgreSQL URL allowed to CREATE DATABASE")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="bench_book_")
    if args.postgres:
        admin = make_engine(args.postgres)
        db = f"bench_book_{os.getpid()}"
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'CREATE DATABASE "{db}"'))
        admin.dispose()
        url = args.postgres.rsplit("/", 1)[0] + f"/{db}"
    else:
        url = f"sqlite:///{tmp}/book.sqlite3"
    engine = make_engine(url)
    upgrade(engine)
    now = utcnow() - timedelta(hours=args.rounds + 2)
    with session_scope(engine) as s:
        load_demo(s, now - timedelta(days=1))
        amounts = [Decimal(10) + Decimal(i) / 10 for i in range(args.points)]
        extra = feed(amounts, Decimal("370"), now.isoformat())
        import_feed(s, extra, filename="points.csv", now=now + timedelta(minutes=1))

    req = CompareRequest("GB", "PK", Decimal("200"), fees=FeesMode.ON_TOP)
    BOOK.clear()
    tracemalloc.start()
    print(f"{'round':>5}  {'heap MB':>8}  {'books held':>10}  {'s':>5}")
    first = None
    for i in range(args.rounds):
        started = time.perf_counter()
        at = (now + timedelta(minutes=i + 1)).isoformat()
        with session_scope(engine) as s:
            row = feed([Decimal(200)], Decimal(370) + Decimal(i) / 1000, at)
            report = import_feed(s, row, filename="one.csv", now=utcnow())
            assert report.stored == 1, report
        with session_scope(engine) as s:
            compare(s, req, utcnow())
        heap = tracemalloc.get_traced_memory()[0] / 1e6
        first = heap if first is None else first
        held = len(BOOK._entries)  # every book in memory, whatever its version
        took = time.perf_counter() - started
        print(f"{i + 1:>5}  {heap:>8.1f}  {held:>10}  {took:>5.2f}")
    assert first is not None
    print(f"heap growth over {args.rounds} rounds: {heap - first:+.1f} MB")
    engine.dispose()
    if args.postgres:
        admin = make_engine(args.postgres)
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
