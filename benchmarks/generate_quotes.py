"""Benchmark databases: the demo data plus N synthetic quotes, a year of collection.

    .venv/bin/python benchmarks/generate_quotes.py --sizes 10k,200k [--postgres URL]

Each size is the demo as of the current hour (`remit demo`: reference data, central-bank
rates, the RPW survey prices and one sample quote per service and amount point on the
corridors that have providers) plus N synthetic quotes: every (service, amount point) of
the demo collected in rounds spread evenly over the year before that hour, fees and rates
varied around the demo's. Synthetic quotes are stored with sample=True and source "bench":
they are not prices anyone offered. Rows are bulk-inserted through SQLAlchemy core (10,000
per statement), then the derived tables are rebuilt if this branch has them:
`api.storage.pricebook.rebuild_current_prices(session)` and
`api.storage.rollups.rebuild_rollups(session)`.

Databases are cached under benchmarks/.cache/ (SQLite files; PostgreSQL databases named
remit_bench_<size>) with a marker recording the generator version, the schema head, the
row count and when it was built; a missing or stale marker (or one older than 36 hours, after
which the newest quotes would no longer be fresh) regenerates.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import random
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, create_engine, func, insert, select, text  # noqa: E402
from sqlmodel import Session  # noqa: E402

from api.domain.costs import compute_cost  # noqa: E402
from api.storage.db import make_engine, session_scope  # noqa: E402
from api.storage.migrate import upgrade  # noqa: E402
from api.storage.models import Quote  # noqa: E402

CACHE = Path(__file__).resolve().parent / ".cache"
GENERATOR_VERSION = 1
STEP = 10_000
VARIANTS = 16  # price variants per (service, amount point), cycled through the rounds
FRESH_FOR = timedelta(hours=36)  # a cached database older than this is rebuilt (its newest
# quotes must stay fresh for compare: corridors' fresh_hours are 48)
SIZES = {"10k": 10_000, "200k": 200_000, "2m": 2_000_000}


def parse_sizes(text_: str) -> list[tuple[str, int]]:
    out = []
    for part in text_.split(","):
        label = part.strip().lower()
        if label not in SIZES:
            raise SystemExit(f"--sizes: {part!r} is not one of {', '.join(SIZES)}")
        out.append((label, SIZES[label]))
    return out


def schema_head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(ROOT / "api" / "migrations"))
    return ",".join(sorted(ScriptDirectory.from_config(cfg).get_heads()))


def _templates(session: Session) -> list[dict[str, Any]]:
    """The demo's sample quotes: one per (service, amount point)."""
    rows = session.execute(select(Quote).where(Quote.source == "sample").order_by(Quote.id))
    out = []
    for (q,) in rows:
        out.append(q.model_dump(exclude={"id", "dedupe_key", "collected_at", "payload_hash"}))
    return out


def _variants(t: dict[str, Any], rng: random.Random) -> list[dict[str, Any]]:
    """Price variants of one template: fee and rate varied, costs recomputed exactly."""
    out = []
    for _ in range(VARIANTS):
        fee = (t["fee"] * Decimal(rng.randint(80, 125)) / 100).quantize(Decimal("0.01"))
        if fee >= t["send_amount"]:
            fee = t["fee"]
        rate = (t["rate"] * (1 + Decimal(rng.randint(-150, 60)) / 10_000)).quantize(
            Decimal("0.000001")
        )
        cost = compute_cost(t["send_amount"], fee, rate, t["mid_rate"], t["receive_fee"])
        out.append(
            {
                **t,
                "fee": fee,
                "rate": rate,
                "fx_margin_pct": cost.fx_margin_pct,
                "total_cost_pct": cost.total_cost_pct,
                "total_cost": cost.total_cost,
                "received_amount": cost.received_amount,
                "source": "bench",
                "sample": True,
            }
        )
    return out


def synthetic_rows(
    templates: list[dict[str, Any]], count: int, now: datetime
) -> Iterator[list[dict[str, Any]]]:
    """`count` quotes in batches: rounds of every template, spread over the year before
    `now` (the demo's own quotes, at `now`, stay the newest)."""
    rng = random.Random(20260302)
    variants = [_variants(t, rng) for t in templates]
    rounds = -(-count // len(templates))
    span = timedelta(days=365)
    start = now - span
    batch: list[dict[str, Any]] = []
    for i in range(count):
        r, k = divmod(i, len(templates))
        when = start + span * r / rounds + timedelta(seconds=k % 3600)
        row = dict(variants[k][r % VARIANTS])
        row["collected_at"] = when
        row["dedupe_key"] = hashlib.sha256(f"bench-{i}".encode()).hexdigest()
        row["payload_hash"] = hashlib.sha256(f"bench-round-{r}".encode()).hexdigest()
        batch.append(row)
        if len(batch) == STEP:
            yield batch
            batch = []
    if batch:
        yield batch


def _rebuilders() -> list[tuple[str, Callable[[Session], Any]]]:
    """The derived-table rebuilds this branch has (price book, trend rollups)."""
    found = []
    for module, name in (
        ("api.storage.pricebook", "rebuild_current_prices"),
        ("api.storage.rollups", "rebuild_rollups"),
    ):
        try:
            fn = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            continue
        found.append((f"{module}.{name}", fn))
    return found


def build(engine: Engine, count: int, now: datetime, log: Callable[[str], None] = print) -> None:
    from scrapers.demo import load_demo

    upgrade(engine)
    t0 = time.perf_counter()
    with session_scope(engine) as s:
        load_demo(s, now)
        templates = _templates(s)
    if not templates:
        raise SystemExit("the demo loaded no sample quotes to vary")
    inserted = 0
    with engine.begin() as conn:
        for batch in synthetic_rows(templates, count, now):
            conn.execute(insert(Quote), batch)
            inserted += len(batch)
    log(
        f"  inserted {inserted:,} synthetic quotes over {len(templates)} (service, amount) "
        f"points in {time.perf_counter() - t0:.1f} s"
    )
    for label, fn in _rebuilders():
        t1 = time.perf_counter()
        with session_scope(engine) as s:
            fn(s)
        log(f"  {label}: {time.perf_counter() - t1:.1f} s")
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(Quote)).scalar_one())


def _marker(path: Path) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads(path.read_text())
        return data
    except (OSError, ValueError):
        return None


def database(
    backend: str,
    label: str,
    count: int,
    pg_admin: str | None = None,
    log: Callable[[str], None] = print,
) -> str:
    """The URL of a cached benchmark database of `count` synthetic quotes (built if the
    cache is missing or stale)."""
    CACHE.mkdir(exist_ok=True)
    marker = CACHE / f"{backend}-{label}.json"
    want = {"version": GENERATOR_VERSION, "head": schema_head(), "synthetic": count}
    if backend == "sqlite":
        path = CACHE / f"quotes-{label}.sqlite3"
        url = f"sqlite:///{path}"
    else:
        if not pg_admin:
            raise SystemExit("PostgreSQL: give --postgres URL (a role that may create databases)")
        # REMIT_BENCH_PG_PREFIX keeps parallel checkouts on one server apart.
        name = f"{os.environ.get('REMIT_BENCH_PG_PREFIX', 'remit_bench')}_{label}"
        url = pg_admin.rsplit("/", 1)[0] + f"/{name}"
    have = _marker(marker)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    built = datetime.fromisoformat(have["now"]) if have and have.get("now") else None
    if have and {k: have.get(k) for k in want} == want and built and now - built < FRESH_FOR:
        try:
            engine = make_engine(url)
            if _count(engine) == have.get("quotes"):
                engine.dispose()
                return url
            engine.dispose()
        except Exception:  # any failure means: rebuild
            pass
    log(f"building {backend} database with {count:,} synthetic quotes ({label}) ...")
    if backend == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        admin = create_engine(pg_admin, isolation_level="AUTOCOMMIT")  # type: ignore[arg-type]
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    engine = make_engine(url)
    build(engine, count, now, log)
    marker.write_text(json.dumps({**want, "now": now.isoformat(), "quotes": _count(engine)}))
    engine.dispose()
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k,200k", help="comma list of 10k, 200k, 2m")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("REMIT_BENCH_POSTGRES_URL"),
        help="also build PostgreSQL databases (admin URL; default $REMIT_BENCH_POSTGRES_URL)",
    )
    args = parser.parse_args()
    backends = ["sqlite"] + (["postgres"] if args.postgres else [])
    for label, count in parse_sizes(args.sizes):
        for backend in backends:
            url = database(backend, label, count, args.postgres)
            print(f"{backend} {label}: {url}")


if __name__ == "__main__":
    main()
