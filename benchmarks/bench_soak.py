"""Soak (issue 23): a real `remit serve` under 8 clients for N minutes while feeds are
imported and collections run every few seconds, on SQLite and on PostgreSQL.

    .venv/bin/python benchmarks/bench_soak.py [--minutes 10] [--db sqlite|postgres|both]
        [--clients 8] [--write-every 5]

Each database gets a fresh copy loaded with `remit demo` and an organisation whose widget
counts its views. The clients loop over three kinds of request: the API (/api/v1/compare on
varying corridors and amounts), the pages (/compare, /, a lesson) and the widget
(/widget?org=soak, which counts itself). A writer alternates `remit import-feed` of a small
feed (prices of the demo's own services, captured now) and `remit collect --source dab|ecb`
against a loopback server replaying recorded responses (tests/fixtures), every
--write-every seconds. No request leaves the machine.

Prints, per minute and database: the server's RSS, p50/p99 per kind, requests, errors
(5xx or no answer) and timeouts (30 s), then a summary against the issue's targets: RSS in
the last minute within 150 MB of the first, p99 under 500 ms for the API and pages, no
timeouts. PostgreSQL: REMIT_TEST_POSTGRES_URL (a role that may CREATE DATABASE); the
database is created and dropped here.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.collectors.conftest import FAST_HTTP, serve_recorded  # noqa: E402
from tests.deploy.servers import serve  # noqa: E402
from tests.replay import ReplayServer  # noqa: E402

REMIT = [sys.executable, "-m", "remit.cli"]
KINDS = ("api", "pages", "widget")
TIMEOUT_S = 30.0
CORRIDORS = [("US", "PK"), ("GB", "PK"), ("GB", "BD"), ("US", "BD"), ("DE", "AF"), ("AE", "PK")]
AMOUNTS = ["50", "100", "120", "200", "300", "500", "750", "1000"]
PAGES = ["/compare?from={f}&to={t}&amount={a}", "/", "/learn/money-in-your-own-name"]
HEADER = (
    "provider,from,to,send_currency,receive_currency,send_amount,fee,rate,receive_fee,"
    "payout_method,payin_method,speed,promotional,captured_at"
)
DEFAULT_PG = "postgresql+psycopg://remit:remit@127.0.0.1:5432/postgres"


def server_pid(port: int) -> int:
    """The `remit serve --port PORT` process (tests/deploy/servers.py started it)."""
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                argv = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"serve" in argv and str(port).encode() in argv:
                return int(proc.name)
    raise SystemExit(f"no remit serve process on port {port}")


def rss_mb(pid: int) -> float:
    """Resident memory of the server process and its children (uvicorn workers)."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def run(args: list[str], env: dict[str, str], check: bool = True) -> str:
    done = subprocess.run(
        [*REMIT, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=600
    )
    if check and done.returncode not in (0, 1):  # 1: some feed rows rejected
        raise SystemExit(f"remit {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout + done.stderr


@dataclass
class Minute:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: int = 0
    timeouts: int = 0
    writes: int = 0
    write_failures: int = 0
    rss: float = 0.0
    load: float = 0.0  # the machine's 1-minute load average at the end of the minute


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Soak:
    def __init__(self, base: str, minutes: float, clients: int) -> None:
        self.base = base
        self.minutes = minutes
        self.clients = clients
        self.started = time.monotonic()
        self.stats: list[Minute] = [Minute()]
        self.stop = False

    def now_minute(self) -> Minute:
        index = int((time.monotonic() - self.started) // 60)
        while len(self.stats) <= index:
            self.stats.append(Minute())
        return self.stats[index]

    def url(self, kind: str, rng: random.Random) -> str:
        f, t = rng.choice(CORRIDORS)
        a = rng.choice(AMOUNTS)
        if kind == "api":
            return f"{self.base}/api/v1/compare?from={f}&to={t}&amount={a}"
        if kind == "pages":
            return self.base + rng.choice(PAGES).format(f=f, t=t, a=a)
        return f"{self.base}/widget?org=soak&from={f}&to={t}&amount={a}"

    async def client(self, n: int) -> None:
        rng = random.Random(n)
        async with httpx.AsyncClient(timeout=TIMEOUT_S) as http:
            while not self.stop:
                kind = KINDS[rng.randrange(3)]
                started = time.perf_counter()
                try:
                    r = await http.get(self.url(kind, rng))
                    failed = r.status_code >= 500
                except httpx.TimeoutException:
                    self.now_minute().timeouts += 1
                    continue
                except httpx.HTTPError:
                    failed = True
                minute = self.now_minute()
                if failed:
                    minute.errors += 1
                else:
                    minute.latencies[kind].append(time.perf_counter() - started)

    async def drive(self) -> None:
        tasks = [asyncio.create_task(self.client(n)) for n in range(self.clients)]
        await asyncio.sleep(self.minutes * 60)
        self.stop = True
        await asyncio.gather(*tasks)


def feed_rows(base: str, rng: random.Random) -> str:
    """A feed of the demo's own services on two corridors, re-priced slightly, captured now."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    now = datetime.now(UTC).replace(microsecond=0)
    for f, t in (("US", "PK"), ("GB", "BD")):
        body = httpx.get(f"{base}/api/v1/compare?from={f}&to={t}&amount=200", timeout=30).json()
        for q in body.get("quotes", [])[:6]:
            factor = 1 + rng.uniform(-0.002, 0.002)
            writer.writerow(
                [
                    q["provider"]["slug"],
                    f,
                    t,
                    q["currency"] if "currency" in q else body["currency"],
                    q["receive_currency"],
                    q["send_amount"],
                    q["fee"],
                    f"{float(q['rate']) * factor:.6f}",
                    "0",
                    q["payout_method"],
                    q["payin_method"],
                    q["speed"],
                    "false",
                    (now - timedelta(seconds=rng.randrange(60))).isoformat(),
                ]
            )
    return HEADER + "\n" + out.getvalue()


def writer(soak: Soak, env: dict[str, str], every: float, workdir: Path) -> None:
    rng = random.Random(99)
    n = 0
    while not soak.stop:
        time.sleep(every)
        if soak.stop:
            return
        n += 1
        try:
            if n % 2:
                feed = workdir / f"feed-{n}.csv"
                feed.write_text(feed_rows(soak.base, rng))
                run(["import-feed", str(feed)], env)
            else:
                run(["collect", "--source", "dab" if n % 4 else "ecb"], env, check=False)
            soak.now_minute().writes += 1
        except (SystemExit, httpx.HTTPError, subprocess.TimeoutExpired) as exc:
            soak.now_minute().write_failures += 1
            print(f"  write {n} failed: {str(exc)[:200]}", file=sys.stderr)


def sampler(soak: Soak, pid: int) -> None:
    while not soak.stop:
        minute = soak.now_minute()
        minute.rss = max(minute.rss, rss_mb(pid))
        minute.load = os.getloadavg()[0]
        time.sleep(2)


def prepare(db: str, workdir: Path) -> tuple[str, Any]:
    if db == "sqlite":
        return f"sqlite:///{workdir / 'soak.sqlite3'}", None
    from sqlalchemy import create_engine, text

    admin_url = os.environ.get("REMIT_TEST_POSTGRES_URL", DEFAULT_PG)
    name = f"remit_soak_{os.getpid()}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return admin_url.rsplit("/", 1)[0] + f"/{name}", drop


def soak_one(db: str, minutes: float, clients: int, every: float) -> list[Minute]:
    with tempfile.TemporaryDirectory() as tmp, ReplayServer() as replay:
        workdir = Path(tmp)
        serve_recorded(replay)
        url, cleanup = prepare(db, workdir)
        env = {k: v for k, v in os.environ.items() if not k.startswith("REMIT_")}
        env.update(FAST_HTTP)
        env.update(
            {
                "REMIT_DATABASE_URL": url,
                "REMIT_RATE_LIMIT_PER_MINUTE": "0",
                "PYTHONUNBUFFERED": "1",
                **{f"REMIT_{s.upper()}_BASE_URL": replay.url for s in ("dab", "ecb")},
            }
        )
        try:
            run(["db", "upgrade"], env)
            run(["demo"], env)
            run(
                [
                    "admin",
                    "org",
                    "add",
                    "soak",
                    "--name",
                    "Soak test association",
                    "--origin",
                    "http://127.0.0.1:9",
                    "--count-views",
                ],
                env,
            )
            with serve(env, workdir / "serve.log") as base:
                pid = server_pid(int(base.rsplit(":", 1)[1]))
                soak = Soak(base, minutes, clients)
                threads = [
                    threading.Thread(target=writer, args=(soak, env, every, workdir), daemon=True),
                    threading.Thread(target=sampler, args=(soak, pid), daemon=True),
                ]
                for t in threads:
                    t.start()
                asyncio.run(soak.drive())
                for t in threads:
                    t.join(timeout=120)
                tracebacks = (workdir / "serve.log").read_text().count("Traceback")
                if tracebacks:
                    print(f"  {db}: {tracebacks} traceback(s) in the server log", file=sys.stderr)
                return soak.stats[: max(1, int(minutes + 0.999))]
        finally:
            if cleanup is not None:
                cleanup()


def report(db: str, stats: list[Minute]) -> None:
    print(f"\n== {db} ==")
    head = f"{'min':>3} {'RSS MB':>7} " + " ".join(
        f"{k + ' p50':>10} {k + ' p99':>10}" for k in KINDS
    )
    print(head + f" {'requests':>8} {'errors':>6} {'timeouts':>8} {'writes':>6} {'load':>5}")
    for i, m in enumerate(stats, 1):
        cells = " ".join(
            f"{pct(m.latencies[k], 0.5) * 1000:>8.0f}ms {pct(m.latencies[k], 0.99) * 1000:>8.0f}ms"
            for k in KINDS
        )
        requests = sum(len(v) for v in m.latencies.values()) + m.errors
        writes = f"{m.writes}" + (f"/{m.write_failures} failed" if m.write_failures else "")
        print(
            f"{i:>3} {m.rss:>7.0f} {cells} {requests:>8} {m.errors:>6} {m.timeouts:>8} "
            f"{writes:>6} {m.load:>5.2f}"
        )
    every = {k: [x for m in stats for x in m.latencies[k]] for k in KINDS}
    growth = stats[-1].rss - stats[0].rss
    p99 = {k: pct(every[k], 0.99) * 1000 for k in KINDS}
    timeouts = sum(m.timeouts for m in stats)
    errors = sum(m.errors for m in stats)
    print(
        f"summary {db}: RSS {stats[0].rss:.0f} -> {stats[-1].rss:.0f} MB ({growth:+.0f} MB; "
        f"target within 150), p99 api {p99['api']:.0f} ms, pages {p99['pages']:.0f} ms, widget "
        f"{p99['widget']:.0f} ms (target < 500 for api and pages), p50 api "
        f"{statistics.median(every['api']) * 1000 if every['api'] else float('nan'):.0f} ms, "
        f"{errors} errors, {timeouts} timeouts"
    )
    checks = {
        "RSS last minute within 150 MB of the first": abs(growth) <= 150,
        "p99 API < 500 ms": p99["api"] < 500,
        "p99 pages < 500 ms": p99["pages"] < 500,
        "no timeouts": timeouts == 0,
    }
    for what, ok in checks.items():
        print(f"  {'PASS' if ok else 'FAIL'}  {what}")
    print(f"{db}: {'PASS' if all(checks.values()) else 'FAIL'}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--minutes", type=float, default=10.0, help="length of each soak (shorter: e.g. 2)"
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--write-every", type=float, default=5.0, help="seconds between writes")
    args = parser.parse_args()
    if args.minutes <= 0:
        parser.error("--minutes must be positive")
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    one, five, fifteen = os.getloadavg()
    print(
        f"machine: {os.cpu_count()} cores, load average {one:.2f} {five:.2f} {fifteen:.2f} "
        f"(1/5/15 min) at start; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        flush=True,
    )
    for db in dbs:
        print(
            f"soaking {db}: {args.minutes:g} min, {args.clients} clients, a write every "
            f"{args.write_every:g} s",
            flush=True,
        )
        report(db, soak_one(db, args.minutes, args.clients, args.write_every))


if __name__ == "__main__":
    main()
