"""Compare API throughput vs a bare FastAPI endpoint returning the same bytes.

Budget (DESIGN.md section 7): throughput of GET /api/v1/compare >= 70 % of a bare FastAPI
endpoint that returns the very same response body, measured side by side in one run on this
machine. Both servers run one uvicorn worker on loopback; the load alternates between them in
rounds so that machine noise hits both alike. Uses `wrk` when installed (Debian package wrk),
otherwise a small httpx load generator in a separate process.

    .venv/bin/python benchmarks/bench_compare_api.py [--rounds 3] [--seconds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
QUERY = "/api/v1/compare?from=GB&to=PK&amount=200"
BARE_APP = textwrap.dedent(
    """
    from pathlib import Path
    from fastapi import FastAPI, Response
    BODY = Path({body_path!r}).read_bytes()
    app = FastAPI()

    @app.get("/api/v1/compare")
    def compare() -> Response:
        return Response(BODY, media_type="application/json")
    """
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(args: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", *args, "--port", str(port), "--log-level", "warning"],
        env=env,
        cwd=ROOT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}{QUERY}", timeout=2)
            return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"server on port {port} did not start")


def load_wrk(url: str, seconds: int, connections: int) -> float:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not match:
        raise SystemExit(f"could not read wrk output:\n{out}")
    return float(match.group(1))


async def _python_load(url: str, seconds: int, connections: int) -> float:
    count = 0
    stop = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=10) as client:

        async def worker() -> None:
            nonlocal count
            while time.monotonic() < stop:
                r = await client.get(url)
                r.raise_for_status()
                count += 1

        await asyncio.gather(*(worker() for _ in range(connections)))
    return count / seconds


def load(url: str, seconds: int, connections: int) -> float:
    if shutil.which("wrk"):
        return load_wrk(url, seconds, connections)
    return asyncio.run(_python_load(url, seconds, connections))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    opts = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "REMIT_DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
            "REMIT_RATE_LIMIT_PER_MINUTE": "0",
        }
        remit = str(Path(sys.executable).with_name("remit"))
        subprocess.run([remit, "demo"], env=env, check=True, capture_output=True)
        ours_port, bare_port = free_port(), free_port()
        ours = start(["--factory", "remit.app:create_app"], env, ours_port)
        procs = [ours]
        try:
            body = httpx.get(f"http://127.0.0.1:{ours_port}{QUERY}").content
            body_path = Path(tmp) / "body.json"
            body_path.write_bytes(body)
            (Path(tmp) / "bare_app.py").write_text(BARE_APP.format(body_path=str(body_path)))
            bare_env = {**env, "PYTHONPATH": tmp}
            procs.append(start(["bare_app:app"], bare_env, bare_port))
            tool = "wrk" if shutil.which("wrk") else "httpx (install wrk for a lighter client)"
            print(
                f"load generator: {tool}; {opts.connections} connections, {opts.seconds} s x "
                f"{opts.rounds} rounds each, alternating; response {len(body)} bytes"
            )
            ours_rps: list[float] = []
            bare_rps: list[float] = []
            for i in range(opts.rounds):
                bare_rps.append(
                    load(f"http://127.0.0.1:{bare_port}{QUERY}", opts.seconds, opts.connections)
                )
                ours_rps.append(
                    load(f"http://127.0.0.1:{ours_port}{QUERY}", opts.seconds, opts.connections)
                )
                print(f"round {i + 1}: bare {bare_rps[-1]:8.0f} req/s   ", end="")
                print(f"compare {ours_rps[-1]:8.0f} req/s")
            ratio = statistics.median(ours_rps) / statistics.median(bare_rps)
            verdict = "ok" if ratio >= 0.70 else "BELOW TARGET"
            print(
                f"median: bare {statistics.median(bare_rps):.0f} req/s, compare "
                f"{statistics.median(ours_rps):.0f} req/s, "
                f"ratio {ratio:.2f} (target >= 0.70) {verdict}"
            )
            # For the record: every request computed afresh (response cache and book off).
            cold_port = free_port()
            cold_env = {**env, "REMIT_COMPARE_CACHE_S": "0", "REMIT_PRICE_BOOK": "0"}
            procs.append(start(["--factory", "remit.app:create_app"], cold_env, cold_port))
            cold = load(f"http://127.0.0.1:{cold_port}{QUERY}", opts.seconds, opts.connections)
            print(
                f"without the response cache and book (every request queries and ranks): "
                f"{cold:.0f} req/s, "
                f"ratio {cold / statistics.median(bare_rps):.2f}"
            )
        finally:
            for p in procs:
                p.terminate()
                p.wait(timeout=10)


if __name__ == "__main__":
    main()
