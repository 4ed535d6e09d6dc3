"""Export budgets (DESIGN.md section 7): "Exports stream: memory flat as rows grow; CSV
throughput within 2x of the database's own CSV dump of the same rows."

    .venv/bin/python benchmarks/bench_exports.py [--sizes 10000,50000,200000] [--repeat 3]

(a) Memory: the quotes CSV export (the code path GET /api/v1/exports/quotes.csv streams) is
    run in a fresh process per size over a temporary SQLite database holding that many
    quotes; it reports the tracemalloc peak and the growth of the resident set while
    exporting; likewise the XLSX and Parquet exports (tracemalloc peak; pyarrow's own
    buffers are outside tracemalloc). For contrast, the CSV rows fetched with `.all()`.
(b) Throughput, side by side in one run, on the largest size (best of --repeat, runs
    interleaved): our CSV export (service generator, and through the ASGI app in-process)
    against the sqlite3 CLI's `.mode csv` dump and Python's sqlite3 + csv.writer of the same
    SELECT; with REMIT_BENCH_POSTGRES_URL set (a role that may create databases), also our
    export on PostgreSQL against `COPY (SELECT ...) TO STDOUT WITH CSV HEADER`.

The quotes are synthetic (generated here, stored with sample=True); only their number and
shape matter. Nothing is asserted: the script prints figures and the ratio to the target.
"""

from __future__ import annotations

import argparse
import csv
import gc
import hashlib
import json
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, create_engine, insert, text  # noqa: E402
from sqlalchemy.dialects import postgresql, sqlite  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from api.domain.costs import compute_cost  # noqa: E402
from api.storage.db import make_engine  # noqa: E402
from api.storage.exports import QuoteFilter, quote_select  # noqa: E402
from api.storage.migrate import upgrade  # noqa: E402
from api.storage.models import Corridor, ProviderCorridor, Quote, Service  # noqa: E402
from api.storage.reference import load_reference  # noqa: E402

TARGET_RATIO = 2.0  # SQLite: within 2x of the sqlite3 CLI
PG_TARGET_RATIO = 1.5  # PostgreSQL: within 1.5x of COPY
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * PAGE


# -- synthetic data ------------------------------------------------------------------------


def seed_reference(engine: Engine) -> list[dict[str, Any]]:
    """Reference data and one service per provider-corridor link; returns row templates."""
    upgrade(engine)
    templates: list[dict[str, Any]] = []
    with Session(engine) as s:
        load_reference(s)
        s.flush()
        links = s.exec(select(ProviderCorridor)).all()
        for link in links:
            corridor = s.get(Corridor, link.corridor_code)
            assert corridor is not None and corridor.basket_200 is not None
            svc = Service(
                provider_id=link.provider_id,
                corridor_code=link.corridor_code,
                payin_method="bank",
                payout_method="bank",
                payout_currency=corridor.receive_currency_list()[0],
                speed="same_day",
            )
            s.add(svc)
            s.flush()
            templates.append(
                {
                    "service_id": svc.id,
                    "provider_id": link.provider_id,
                    "corridor_code": corridor.code,
                    "send_currency": corridor.send_currency,
                    "receive_currency": svc.payout_currency,
                    "amounts": corridor.ladder_amounts(),
                }
            )
        s.commit()
    return templates


def quote_rows(templates: list[dict[str, Any]], start: int, count: int) -> list[dict[str, Any]]:
    rng = random.Random(start)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    rows = []
    for i in range(start, start + count):
        t = templates[i % len(templates)]
        amount = t["amounts"][i % len(t["amounts"])]
        mid = Decimal("375.629488")
        rate = (mid * (1 - Decimal(rng.randint(10, 400)) / 10000)).quantize(Decimal("0.000001"))
        fee = Decimal(rng.randint(0, 900)) / 100
        if fee >= amount:
            fee = Decimal(0)
        cost = compute_cost(amount, fee, rate, mid)
        rows.append(
            {
                "service_id": t["service_id"],
                "provider_id": t["provider_id"],
                "corridor_code": t["corridor_code"],
                "send_amount": amount,
                "send_currency": t["send_currency"],
                "fee": fee,
                "rate": rate,
                "receive_currency": t["receive_currency"],
                "receive_fee": Decimal(0),
                "mid_rate": mid,
                "mid_rate_type": "interbank",
                "mid_rate_source": "bench",
                "fx_margin_pct": cost.fx_margin_pct,
                "total_cost_pct": cost.total_cost_pct,
                "total_cost": cost.total_cost,
                "received_amount": cost.received_amount,
                "markup_pct": None,
                "speed": "same_day",
                "payout_method": "bank",
                "collected_at": base + timedelta(seconds=37 * i),
                "source_captured_at": None,
                "source": "bench",
                "payload_hash": hashlib.sha256(str(i // 50).encode()).hexdigest(),
                "sample": True,
                "estimated": False,
                "promotional": False,
                "transparent": True,
                "dedupe_key": hashlib.sha256(f"bench-{i}".encode()).hexdigest(),
            }
        )
    return rows


def grow(engine: Engine, templates: list[dict[str, Any]], have: int, want: int) -> None:
    step = 10_000
    with engine.begin() as conn:
        for start in range(have, want, step):
            conn.execute(insert(Quote), quote_rows(templates, start, min(step, want - start)))


# -- the exports measured -----------------------------------------------------------------


def ours_csv(engine: Engine, sink: Any) -> int:
    """Our CSV export, exactly as the HTTP endpoint produces it (minus the socket)."""
    from api.services.export_csv import csv_chunks
    from api.services.export_quotes import quotes_export

    written = 0
    with Session(engine) as session:
        for chunk in csv_chunks(quotes_export(session, typed=False)):
            sink.write(chunk)
            written += len(chunk)
    return written


def ours_http(engine: Engine) -> int:
    """GET /api/v1/exports/quotes.csv through the ASGI app in-process (no compression)."""
    from fastapi.testclient import TestClient

    from api.storage.db import get_session
    from remit.app import create_app

    app = create_app()

    def session_dep() -> Any:
        with Session(engine) as s:
            yield s

    app.dependency_overrides[get_session] = session_dep
    written = 0
    with (
        TestClient(app) as client,
        client.stream(
            "GET", "/api/v1/exports/quotes.csv", headers={"accept-encoding": "identity"}
        ) as r,
    ):
        assert r.status_code == 200, r.read()
        for chunk in r.iter_raw():
            written += len(chunk)
    return written


def ours_file(engine: Engine, fmt: str) -> int:
    """Our XLSX / Parquet export (constant_memory workbook / one row group per batch),
    written to a temporary file as GET /api/v1/exports/quotes.{xlsx,parquet} does."""
    from api.services.export_quotes import quotes_export
    from api.services.export_table import ExportFormat
    from api.services.exports import write_file

    with tempfile.TemporaryDirectory() as tmp, Session(engine) as session:
        path = Path(tmp) / f"quotes.{fmt}"
        write_file(quotes_export(session), ExportFormat(fmt), path)
        return path.stat().st_size


def materialised_csv(engine: Engine, sink: Any) -> int:
    """Contrast only: fetch every row first, then write (what streaming avoids)."""
    with Session(engine) as session:
        rows = session.execute(quote_select(QuoteFilter())).all()
        buf = csv.writer(sink_text := _TextSink(sink))
        for row in rows:
            buf.writerow(row)
    return sink_text.written


class _TextSink:
    def __init__(self, raw: Any) -> None:
        self.raw, self.written = raw, 0

    def write(self, s: str) -> None:
        b = s.encode()
        self.raw.write(b)
        self.written += len(b)


def export_sql(dialect: str) -> str:
    d = sqlite.dialect() if dialect == "sqlite" else postgresql.dialect()
    return str(quote_select(QuoteFilter()).compile(dialect=d))


def sqlite_cli(db: Path) -> int:
    sql = export_sql("sqlite")
    script = f".headers on\n.mode csv\n{sql};\n"
    out = subprocess.run(
        ["sqlite3", str(db)], input=script.encode(), capture_output=True, check=True
    )
    return len(out.stdout)


def sqlite_python(db: Path, sink: Any) -> int:
    conn = sqlite3.connect(db)
    cur = conn.execute(export_sql("sqlite"))
    text_sink = _TextSink(sink)
    writer = csv.writer(text_sink)
    writer.writerow([d[0] for d in cur.description])
    while batch := cur.fetchmany(2000):
        writer.writerows(batch)
    conn.close()
    return text_sink.written


def backend_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a PostgreSQL backend process on this machine, from
    /proc (NaN when the server runs elsewhere)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


SERVER_CPU: list[float] = []  # the backend CPU of the last PostgreSQL run (see measure)


def pg_copy(url: str) -> int:
    import psycopg

    sql = export_sql("postgresql")
    written = 0
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        pid = conn.info.backend_pid
        before = backend_cpu(pid)
        with cur.copy(f"COPY ({sql}) TO STDOUT WITH CSV HEADER") as cp:
            for data in cp:
                written += len(data)
        SERVER_CPU.append(backend_cpu(pid) - before)
    return written


def ours_csv_pg(engine: Engine, sink: Any) -> int:
    """`ours_csv` on PostgreSQL, also taking the CPU its backend spent."""
    from api.services.export_csv import csv_chunks
    from api.services.export_quotes import quotes_export

    written = 0
    with Session(engine) as session:
        pid = int(session.execute(text("SELECT pg_backend_pid()")).scalar_one())
        before = backend_cpu(pid)
        for chunk in csv_chunks(quotes_export(session, typed=False)):
            sink.write(chunk)
            written += len(chunk)
        SERVER_CPU.append(backend_cpu(pid) - before)
    return written


# -- child process: memory of one export ----------------------------------------------------


def child_memory(url: str, mode: str) -> None:
    engine = make_engine(url)
    from api.services import exports  # noqa: F401  (import cost before the baseline)

    with Session(engine) as s:  # warm the connection and metadata
        s.execute(text("SELECT 1"))
    gc.collect()
    before = rss_bytes()
    tracemalloc.start()
    with open(os.devnull, "wb") as sink:
        if mode == "stream":
            written = ours_csv(engine, sink)
        elif mode == "all":
            written = materialised_csv(engine, sink)
        else:
            written = ours_file(engine, mode)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    after_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(
        json.dumps(
            {
                "bytes": written,
                "tracemalloc_peak": peak,
                "rss_before": before,
                "rss_peak": after_peak,
            }
        )
    )


def run_child(url: str, mode: str) -> dict[str, int]:
    out = subprocess.run(
        [sys.executable, __file__, "--child-memory", mode, url],
        capture_output=True,
        check=True,
        cwd=ROOT,
    )
    result: dict[str, int] = json.loads(out.stdout.decode().strip().splitlines()[-1])
    return result


# -- reporting -------------------------------------------------------------------------------


def mb(n: float) -> str:
    return f"{n / 1_048_576:7.1f} MB"


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (the sqlite3 CLI)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def measure(fn: Callable[[], int]) -> tuple[float, float, int]:
    """Wall time, CPU time (this process, finished children such as the sqlite3 CLI, and
    the PostgreSQL backend the run used, when it reports one) and bytes written."""
    gc.collect()
    SERVER_CPU.clear()
    c0, t0 = cpu_seconds(), time.perf_counter()
    size = fn()
    wall, used = time.perf_counter() - t0, cpu_seconds() - c0
    return wall, used + sum(SERVER_CPU), size


def throughput(
    label: str,
    runners: dict[str, Callable[[], int]],
    rows: int,
    repeat: int,
    baseline: str,
    cpu: bool = True,
) -> dict[str, tuple[float, float]]:
    """Interleave the runners `repeat` times; keep each one's best wall and CPU time.
    CPU time is shown beside wall time because wall time on a shared, loaded machine is
    noisy: on SQLite it is this process plus the sqlite3 CLI child; on PostgreSQL it adds
    the server backend's own CPU (read from /proc: the server runs on this machine)."""
    best: dict[str, tuple[float, float, int]] = {
        k: (float("inf"), float("inf"), 0) for k in runners
    }
    for _ in range(repeat):
        for name, fn in runners.items():
            wall, used, size = measure(fn)
            old = best[name]
            best[name] = (min(old[0], wall), min(old[1], used), size)
    print(f"\n(b) CSV throughput on {label}, {rows:,} quotes, best of {repeat} (interleaved):")
    base_wall, base_cpu, _ = best[baseline]
    for name, (wall, used, size) in best.items():
        line = (
            f"  {name:<46} wall {wall:6.3f} s {rows / wall:>9,.0f} rows/s {mb(size / wall)}/s"
            f"  {wall / base_wall:5.2f}x"
        )
        if cpu:
            line += f" | cpu {used:6.3f} s {used / base_cpu:5.2f}x"
        print(line)
    print(f"  (ratios: to {baseline.removesuffix(' (baseline)')}, same rows and columns)")
    return {k: (v[0], v[1]) for k, v in best.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,50000,200000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child-memory", nargs=2, metavar=("MODE", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_memory:
        child_memory(args.child_memory[1], args.child_memory[0])
        return
    sizes = sorted(int(s) for s in args.sizes.split(","))
    if shutil.which("sqlite3") is None:
        print("sqlite3 CLI not found: its column is skipped")
    tmp = Path(tempfile.mkdtemp(prefix="remit-bench-exports-"))
    db = tmp / "bench.sqlite3"
    url = f"sqlite:///{db}"
    try:
        engine = make_engine(url)
        templates = seed_reference(engine)
        print(f"temporary SQLite database {db} ({len(templates)} services)")
        print("\n(a) Memory of the quotes CSV export as rows grow (fresh process per run):")
        print(
            f"  {'quotes':>8}  {'CSV size':>10}  {'CSV tracemalloc peak':>20}  {'RSS growth':>10}"
            f"  {'XLSX peak':>10}  {'Parquet peak':>12}   | contrast: CSV after .all()"
        )
        have = 0
        for size in sizes:
            grow(engine, templates, have, size)
            have = size
            stream = run_child(url, "stream")
            xlsx = run_child(url, "xlsx")
            parquet = run_child(url, "parquet")
            eager = run_child(url, "all")
            print(
                f"  {size:>8,}  {mb(stream['bytes'])}  {mb(stream['tracemalloc_peak']):>20}"
                f"  {mb(stream['rss_peak'] - stream['rss_before']):>10}"
                f"  {mb(xlsx['tracemalloc_peak']):>10}  {mb(parquet['tracemalloc_peak']):>12}"
                f"   | {mb(eager['tracemalloc_peak'])}"
            )
        rows = sizes[-1]
        devnull = open(os.devnull, "wb")  # noqa: SIM115 - closed below
        runners: dict[str, Callable[[], int]] = {}
        if shutil.which("sqlite3"):
            runners["sqlite3 CLI .mode csv (baseline)"] = lambda: sqlite_cli(db)
        runners["Python sqlite3 + csv.writer"] = lambda: sqlite_python(db, devnull)
        runners["ours: csv export generator"] = lambda: ours_csv(engine, devnull)
        runners["ours: GET /api/v1/exports/quotes.csv (ASGI)"] = lambda: ours_http(engine)
        times = throughput("SQLite", runners, rows, args.repeat, next(iter(runners)))
        ours = times["ours: csv export generator"]
        for name, (wall, used) in times.items():
            if not name.startswith("ours"):
                print(
                    f"  => ours / {name}: wall {ours[0] / wall:.2f}x, cpu {ours[1] / used:.2f}x"
                    f" (target <= {TARGET_RATIO:.0f}x)"
                )
        engine.dispose()
        pg_url = os.environ.get("REMIT_BENCH_POSTGRES_URL")
        if pg_url:
            bench_postgres(pg_url, templates, rows, args.repeat, devnull)
        else:
            print("\nREMIT_BENCH_POSTGRES_URL not set: PostgreSQL COPY comparison skipped")
        devnull.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def bench_postgres(
    admin_url: str, templates: list[dict[str, Any]], rows: int, repeat: int, devnull: Any
) -> None:
    name = f"remit_bench_{os.getpid()}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        engine = make_engine(url)
        pg_templates = seed_reference(engine)
        grow(engine, pg_templates, 0, rows)
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        runners: dict[str, Callable[[], int]] = {
            "PostgreSQL COPY ... TO STDOUT WITH CSV (baseline)": lambda: pg_copy(url),
            "ours: csv export generator": lambda: ours_csv_pg(engine, devnull),
        }
        times = throughput("PostgreSQL", runners, rows, repeat, next(iter(runners)))
        ours, base = times["ours: csv export generator"], times[next(iter(runners))]
        print(
            f"  => ours / psql COPY: wall {ours[0] / base[0]:.2f}x, cpu (client + backend) "
            f"{ours[1] / base[1]:.2f}x (target <= {PG_TARGET_RATIO}x)"
        )
        engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
