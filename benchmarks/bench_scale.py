"""Scale benchmark (issue 10): the service as shipped at 10k / 200k (/ 2M) quotes.

    .venv/bin/python benchmarks/bench_scale.py [--sizes 10k,200k[,2m]] [--postgres URL]
        [--seconds 5] [--connections 8]

For each size and backend (SQLite; PostgreSQL with --postgres or REMIT_BENCH_POSTGRES_URL)
on a cached database from `generate_quotes.py`, it prints:

- compare API (GET /api/v1/compare US->PK: a corridor whose history grows with the size,
  while GB->PK holds the 44 World Bank survey prices only) and the /compare page with
  varied amounts (a random amount per request, so the response cache rarely helps):
  throughput, p50, p99, next to a bare FastAPI endpoint returning the same bytes (one
  typical response), loaded alternately in the same run with wrk (Debian package wrk) and
  the same uvicorn settings; and /healthz the same way, a route that does no work, which
  shows what the shipped stack (middleware, routing, access log) costs a request on its own;
  each also as server CPU per request, ours against bare (steadier than requests per
  second when other work shares the machine);
- trends API (/api/v1/trends?corridor=GB-PK&period=quarter) and /trends page latency
  (median of sequential requests after one warm-up), and the summary
  (/api/v1/trends/summary) once it exists, else "n/a";
- the quotes CSV export (ours, every row, in a child process) against the database's own
  dump of the same rows and columns (`sqlite3 -csv`; PostgreSQL `COPY ... TO STDOUT`);
- peak RSS of the server and of the export process;
- the compare API asked one amount again and again (answered from the response cache): what
  the stack and the body cost with no pricing or JSON, the ceiling of the API's ratio;
- each issue-22 target (by server CPU: /healthz >= 0.8x, compare API >= 0.4x, page >= 0.25x
  bare) per cell, met or missed;
- with --profile (the default; py-spy, a test dependency): where the server's CPU goes
  during one more run of each load, by part (pricing, JSON, page, session, socket write,
  access log, uvicorn/h11, middleware), so a missed target is explained by a profile;
- with --first-paint (the default; Chromium): first paint of `/` and `/compare` in English
  and Urdu at 400 kbit/s and 2 s latency (`bench_first_paint.py`).

The service runs as shipped: `remit serve --no-scheduler` (access log on, every
middleware), with one change: the rate limit is raised to 10^9 requests a minute
(REMIT_RATE_LIMIT_PER_MINUTE; the limiter still counts every request). The bare app runs
under uvicorn with the same log level (access log on). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from generate_quotes import database, parse_sizes  # noqa: E402
from server_profile import PARTS, profile_during  # noqa: E402

COMPARE = "/api/v1/compare?from=US&to=PK&amount={amount}"
PAGE = "/compare?from=US&to=PK&amount={amount}"
TRENDS = "/api/v1/trends?corridor=GB-PK&period=quarter"
TRENDS_PAGE = "/trends?corridor=GB-PK&period=quarter"
SUMMARY = "/api/v1/trends/summary?period=quarter&basket=200"
HEALTH = "/healthz"  # does nothing: what the shipped stack costs a request on its own
RATE_LIMIT = str(10**9)
BARE_APP = textwrap.dedent(
    """
    from pathlib import Path
    from fastapi import FastAPI, Response
    API = Path({api!r}).read_bytes()
    PAGE = Path({page!r}).read_bytes()
    HEALTH = Path({health!r}).read_bytes()
    app = FastAPI()

    @app.get("/healthz")
    async def health() -> Response:
        return Response(HEALTH, media_type="application/json")

    @app.get("/api/v1/compare")
    async def compare() -> Response:
        return Response(API, media_type="application/json")

    @app.get("/compare")
    async def page() -> Response:
        return Response(PAGE, media_type="text/html; charset=utf-8")
    """
)
# wrk: a random USD amount (two decimals) per request, from the same seed in every run
WRK_SCRIPT = textwrap.dedent(
    """
    math.randomseed(20261201)
    request = function()
      local amount = string.format("%d.%02d", math.random(50, 1999), math.random(0, 99))
      local path = string.gsub(wrk.path, "AMOUNT", amount)
      return wrk.format("GET", path)
    end
    """
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(port: int, proc: subprocess.Popen[bytes], path: str = "/healthz") -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server on port {port} exited with {proc.returncode}")
        try:
            httpx.get(f"http://127.0.0.1:{port}{path}", timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit(f"server on port {port} did not start")


def serve_ours(url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "REMIT_DATABASE_URL": url,
        "REMIT_RATE_LIMIT_PER_MINUTE": RATE_LIMIT,
    }
    remit = str(Path(sys.executable).with_name("remit"))
    cmd = [remit, "serve", "--host", "127.0.0.1", "--port", str(port), "--no-scheduler"]
    out = log.open("ab")
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=out, stderr=out)
    wait_up(port, proc)
    return proc


def serve_bare(
    tmp: Path, api: bytes, page: bytes, health: bytes, port: int, log: Path
) -> subprocess.Popen[bytes]:
    (tmp / "api.json").write_bytes(api)
    (tmp / "page.html").write_bytes(page)
    (tmp / "health.json").write_bytes(health)
    (tmp / "bare_app.py").write_text(
        BARE_APP.format(
            api=str(tmp / "api.json"),
            page=str(tmp / "page.html"),
            health=str(tmp / "health.json"),
        )
    )
    env = {**os.environ, "PYTHONPATH": str(tmp)}
    cmd = [sys.executable, "-m", "uvicorn", "bare_app:app", "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--log-level", "info"]
    out = log.open("ab")
    proc = subprocess.Popen(cmd, env=env, cwd=tmp, stdout=out, stderr=out)
    wait_up(port, proc, "/compare")
    return proc


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def peak_rss_kib(pid: int) -> int:
    """VmHWM of a process and its children (uvicorn may run the app in a child)."""
    total = 0
    pids = [pid]
    with contextlib.suppress(OSError):
        pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    for p in pids:
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        m = re.search(r"VmHWM:\s+(\d+) kB", status)
        total = max(total, int(m.group(1)) if m else 0)
    return total


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process and its children (uvicorn may run the app in
    a child). Unlike requests per second, CPU per request hardly moves with other work on
    the machine, so its ratio is the steadier figure on a shared machine."""
    tick = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    with contextlib.suppress(OSError):
        pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    total = 0.0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def _ms(text_: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s)", text_)
    if not m:
        return float("nan")
    return float(m.group(1)) * _UNITS[m.group(2)]


def wrk(url: str, seconds: int, connections: int, script: Path, pid: int) -> dict[str, float]:
    cpu_before = cpu_s(pid)
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"wrk failed on {url}:\n{out.stdout}\n{out.stderr}")
    text_ = out.stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text_)
    p50 = re.search(r"\s50%\s+(\S+)", text_)
    p99 = re.search(r"\s99%\s+(\S+)", text_)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text_)
    total = re.search(r"(\d+) requests in", text_)
    cpu = cpu_s(pid) - cpu_before
    if not (rps and p50 and p99):
        raise SystemExit(f"could not read wrk output:\n{text_}")
    return {
        "rps": float(rps.group(1)),
        "p50": _ms(p50.group(1)),
        "p99": _ms(p99.group(1)),
        "errors": float(non2xx.group(1)) if non2xx else 0.0,
        "cpu_ms": cpu * 1000 / max(1, int(total.group(1)) if total else 1),
    }


def latency(client: httpx.Client, path: str, n: int) -> float | None:
    """Median wall time (ms) of n sequential requests after a warm-up; None if missing."""
    r = client.get(path)
    if r.status_code == 404:
        return None
    r.raise_for_status()
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        client.get(path).raise_for_status()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


# -- export vs the database's dump (child processes) ---------------------------------------


def child_export(url: str) -> None:
    from sqlmodel import Session

    from api.services.export_csv import csv_chunks
    from api.services.export_quotes import quotes_export
    from api.storage.db import make_engine

    engine = make_engine(url)
    c0 = _cpu(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    size = 0
    with Session(engine) as session, open(os.devnull, "wb") as sink:
        for chunk in csv_chunks(quotes_export(session, typed=False)):
            sink.write(chunk)
            size += len(chunk)
    seconds = time.perf_counter() - t0
    cpu = _cpu(resource.RUSAGE_SELF) - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "cpu": cpu, "bytes": size, "rss_kib": peak}))


def _cpu(who: int) -> float:
    use = resource.getrusage(who)
    return use.ru_utime + use.ru_stime


def child_dump(url: str) -> None:
    """The database's own CSV dump of the export's rows and columns."""
    from sqlalchemy.dialects import postgresql, sqlite

    from api.storage.exports import QuoteFilter, quote_select

    if url.startswith("sqlite"):
        sql = str(quote_select(QuoteFilter()).compile(dialect=sqlite.dialect()))
        path = url.removeprefix("sqlite:///")
        t0 = time.perf_counter()
        out = subprocess.run(
            ["sqlite3", "-csv", "-header", path, sql], capture_output=True, check=True
        )
        size = len(out.stdout)
        cpu = _cpu(resource.RUSAGE_CHILDREN)  # the sqlite3 CLI's own CPU time
    else:
        import psycopg

        sql = str(quote_select(QuoteFilter()).compile(dialect=postgresql.dialect()))
        size = 0
        t0 = time.perf_counter()
        dsn = url.replace("postgresql+psycopg://", "postgresql://")
        with (
            psycopg.connect(dsn) as conn,
            conn.cursor() as cur,
            cur.copy(f"COPY ({sql}) TO STDOUT WITH CSV HEADER") as cp,
        ):
            for data in cp:
                size += len(data)
        cpu = float("nan")  # the work is in the PostgreSQL server
    seconds = time.perf_counter() - t0
    print(json.dumps({"seconds": seconds, "cpu": cpu, "bytes": size}))


def run_child(mode: str, url: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, f"--child-{mode}", url],
        capture_output=True,
        check=True,
        cwd=ROOT,
    )
    result: dict[str, Any] = json.loads(out.stdout.decode().strip().splitlines()[-1])
    return result


def export_vs_dump(url: str, repeat: int) -> dict[str, float]:
    """Best of `repeat`, interleaved (wall time on a shared machine is noisy)."""
    ours, dump, rss = float("inf"), float("inf"), 0
    ours_cpu, dump_cpu = float("inf"), float("inf")
    for _ in range(repeat):
        d = run_child("dump", url)
        o = run_child("export", url)
        dump, ours = min(dump, d["seconds"]), min(ours, o["seconds"])
        dump_cpu, ours_cpu = min(dump_cpu, d["cpu"]), min(ours_cpu, o["cpu"])
        rss = max(rss, o["rss_kib"])
    return {"ours": ours, "dump": dump, "ours_cpu": ours_cpu, "dump_cpu": dump_cpu, "rss_kib": rss}


# -- one size, one backend --------------------------------------------------------------------


def bench_one(
    backend: str, label: str, url: str, opts: argparse.Namespace, tmp: Path
) -> dict[str, Any]:
    log = tmp / f"server-{backend}-{label}.log"
    ours_port, bare_port = free_port(), free_port()
    ours = serve_ours(url, ours_port, log)
    procs = [ours]
    result: dict[str, Any] = {"backend": backend, "size": label}
    try:
        base = f"http://127.0.0.1:{ours_port}"
        with httpx.Client(base_url=base, timeout=120) as client:
            api = client.get(COMPARE.format(amount="200"))
            page = client.get(PAGE.format(amount="200"))
            health = client.get(HEALTH)
            for r in (api, page, health):
                r.raise_for_status()
            bare = serve_bare(tmp, api.content, page.content, health.content, bare_port, log)
            procs.append(bare)
            script = tmp / "varied.lua"
            script.write_text(WRK_SCRIPT)
            for name, path in (("health", HEALTH), ("api", COMPARE), ("page", PAGE)):
                varied = path.format(amount="AMOUNT")
                runs: dict[str, list[dict[str, float]]] = {"ours": [], "bare": []}
                for _ in range(opts.rounds):
                    runs["bare"].append(
                        wrk(
                            f"http://127.0.0.1:{bare_port}{varied}",
                            opts.seconds,
                            opts.connections,
                            script,
                            bare.pid,
                        )
                    )
                    runs["ours"].append(
                        wrk(f"{base}{varied}", opts.seconds, opts.connections, script, ours.pid)
                    )
                for who, got in runs.items():
                    best = max(got, key=lambda r: r["rps"])
                    result[f"{name}_{who}"] = best
                if name == "api":
                    # The same answer every time (from the response cache): what the stack and
                    # the 33 KB body cost without pricing or JSON; the ceiling of the ratio.
                    result["repeat_ours"] = wrk(
                        f"{base}{path.format(amount='200')}",
                        opts.seconds,
                        opts.connections,
                        script,
                        ours.pid,
                    )
                if opts.profile:  # a separate run of the same load, not counted above
                    url_ = f"{base}{varied}"
                    result[f"{name}_profile"] = profile_during(
                        ours.pid,
                        opts.seconds,
                        lambda u=url_: wrk(u, opts.seconds, opts.connections, script, ours.pid),
                    )
            result["trends_ms"] = latency(client, TRENDS, opts.requests)
            result["trends_page_ms"] = latency(client, TRENDS_PAGE, opts.requests)
            result["summary_ms"] = latency(client, SUMMARY, opts.requests)
        result["server_rss_kib"] = peak_rss_kib(ours.pid)
    finally:
        for p in procs:
            stop(p)
    result["export"] = export_vs_dump(url, opts.export_repeat)
    return result


def _ratio(ours: float, bare: float) -> str:
    return f"{ours:,.0f} ({ours / bare:.3f}x)"


def _cpu_ratio(e: dict[str, float]) -> str:
    if not 0 < e["dump_cpu"] < float("inf"):  # PostgreSQL: the work is in the server
        return "n/a"
    return f"{e['ours_cpu']:.2f} / {e['dump_cpu']:.2f} s = {e['ours_cpu'] / e['dump_cpu']:.2f}x"


def _cpu_cell(ours: dict[str, float], bare: dict[str, float]) -> str:
    """Server CPU per request, and bare's over ours: the throughput ratio a CPU-bound server
    would reach, steadier than requests per second on a machine shared with other work."""
    return f"{ours['cpu_ms']:.2f} ms ({bare['cpu_ms'] / ours['cpu_ms']:.3f}x)"


def fmt_ms(v: float | None) -> str:
    return "n/a" if v is None else f"{v:,.1f} ms"


def report(results: list[dict[str, Any]]) -> None:
    cores = os.cpu_count()
    print(f"\n== scale benchmark: {cores} cores; service as shipped (`remit serve`, access log")
    print("   and middleware on; rate limit raised to 10^9/min); wrk, varied amounts;")
    print("   bare: a FastAPI() app with FastAPI's defaults (ours turns FastAPI's OpenTelemetry")
    print("   hooks off: the service has no OpenTelemetry) ==")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"   load average at the end: {load} (other work on the machine skews wall times)\n")
    cols = [f"{r['backend']} {r['size']}" for r in results]
    width = max(24, *(len(c) + 2 for c in cols))
    print(f"{'measure':<44}" + "".join(f"{c:>{width}}" for c in cols))

    def line(label: str, cells: list[str]) -> None:
        print(f"{label:<44}" + "".join(f"{c:>{width}}" for c in cells))

    for name, title in (
        ("health", "/healthz (no work)"),
        ("api", "compare API"),
        ("page", "/compare page"),
    ):
        line(
            f"{title} req/s (ratio to bare)",
            [_ratio(r[f"{name}_ours"]["rps"], r[f"{name}_bare"]["rps"]) for r in results],
        )
        line(
            f"{title} p50 / p99",
            [
                f"{r[f'{name}_ours']['p50']:.1f} / {r[f'{name}_ours']['p99']:.0f} ms"
                for r in results
            ],
        )
        line(f"  bare {title} req/s", [f"{r[f'{name}_bare']['rps']:,.0f}" for r in results])
        line(
            f"{title} server CPU per request (ratio)",
            [_cpu_cell(r[f"{name}_ours"], r[f"{name}_bare"]) for r in results],
        )
        line(
            f"  {title} non-2xx responses",
            [f"{r[f'{name}_ours']['errors']:.0f}" for r in results],
        )
    line(
        "compare API, one repeated amount: CPU (ratio)",
        [_cpu_cell(r["repeat_ours"], r["api_bare"]) for r in results],
    )
    line("trends API GB-PK quarter (median)", [fmt_ms(r["trends_ms"]) for r in results])
    line("/trends page (median)", [fmt_ms(r["trends_page_ms"]) for r in results])
    line("trends summary (median)", [fmt_ms(r["summary_ms"]) for r in results])
    line(
        "quotes.csv export / database dump",
        [f"{r['export']['ours']:.2f} / {r['export']['dump']:.2f} s" for r in results],
    )
    line(
        "  CPU time ours / sqlite3 CLI (SQLite only)",
        [_cpu_ratio(r["export"]) for r in results],
    )
    line(
        "  ratio (target <= 2x SQLite, 1.5x PG)",
        [f"{r['export']['ours'] / r['export']['dump']:.2f}x" for r in results],
    )
    line(
        "peak RSS server / export",
        [
            f"{r['server_rss_kib'] / 1024:.0f} / {r['export']['rss_kib'] / 1024:.0f} MB"
            for r in results
        ],
    )


TARGETS = (
    ("health", "/healthz", 0.8),
    ("api", "compare API", 0.4),
    ("page", "/compare page", 0.25),
)


def report_targets(results: list[dict[str, Any]]) -> None:
    """Each issue-22 target (server CPU of bare over ours) per cell: met or missed."""
    print("\ntargets, by server CPU per request (bare / ours):")
    for name, title, target in TARGETS:
        cells = []
        for r in results:
            ratio = r[f"{name}_bare"]["cpu_ms"] / r[f"{name}_ours"]["cpu_ms"]
            verdict = "met" if ratio >= target else "missed"
            cells.append(f"{r['backend']} {r['size']} {ratio:.2f}x {verdict}")
        print(f"  {title} >= {target}x: " + "; ".join(cells))


def report_profiles(results: list[dict[str, Any]]) -> None:
    """Where the server's CPU went (py-spy), per measure and cell."""
    for name, title, _target in TARGETS:
        if not any(f"{name}_profile" in r for r in results):
            continue
        print(f"\nwhere the server's CPU goes, {title} (py-spy samples, a separate run):")
        cols = [f"{r['backend']} {r['size']}" for r in results]
        print(f"{'part':<44}" + "".join(f"{c:>16}" for c in cols))
        for part, _fragments in PARTS:
            cells = []
            for r in results:
                prof = r.get(f"{name}_profile")
                if isinstance(prof, str):
                    cells.append("n/a")
                elif prof is None or part not in prof:
                    cells.append("-")
                else:
                    cells.append(f"{prof[part] * 100:.1f} %")
            if any(c != "-" for c in cells):
                print(f"{part:<44}" + "".join(f"{c:>16}" for c in cells))
        for r in results:
            prof = r.get(f"{name}_profile")
            if isinstance(prof, str):
                print(f"  {r['backend']} {r['size']}: no profile ({prof})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k,200k", help="comma list of 10k, 200k, 2m")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("REMIT_BENCH_POSTGRES_URL"),
        help="also PostgreSQL (admin URL; default $REMIT_BENCH_POSTGRES_URL)",
    )
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=1, help="wrk runs per measure (best kept)")
    parser.add_argument("--requests", type=int, default=15, help="sequential latency samples")
    parser.add_argument("--export-repeat", type=int, default=2)
    parser.add_argument(
        "--profile",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also sample the server with py-spy during one more run of each load",
    )
    parser.add_argument(
        "--first-paint",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also print first paint on a slow link (bench_first_paint.py; needs Chromium)",
    )
    parser.add_argument("--child-export", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--child-dump", metavar="URL", help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.child_export:
        child_export(opts.child_export)
        return
    if opts.child_dump:
        child_dump(opts.child_dump)
        return
    if shutil.which("wrk") is None or shutil.which("sqlite3") is None:
        raise SystemExit("needs wrk and sqlite3 (Debian packages wrk, sqlite3)")
    random.seed(1)
    backends = ["sqlite"] + (["postgres"] if opts.postgres else [])
    results = []
    with tempfile.TemporaryDirectory(prefix="remit-bench-scale-") as tmp:
        for label, count in parse_sizes(opts.sizes):
            for backend in backends:
                url = database(backend, label, count, opts.postgres)
                print(f"{backend} {label}: measuring ...", flush=True)
                results.append(bench_one(backend, label, url, opts, Path(tmp)))
        report(results)
        report_targets(results)
        report_profiles(results)
    if opts.first_paint:
        from bench_first_paint import first_paints

        print()
        for row in first_paints(runs=3, latency_ms=2000):
            print(row)


if __name__ == "__main__":
    main()
