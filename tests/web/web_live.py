"""A real server for browser tests and the page benchmark: `remit demo` into a temporary
SQLite database, then uvicorn on a free loopback port in a subprocess. The tests build that
database once per run (`demo_template`) and give each server a copy."""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import subprocess
import sys
import time
import types
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("REMIT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
]
AXE_PREFIX = REPO / "tests" / "web" / ".axe"
AXE_JS = AXE_PREFIX / "node_modules" / "axe-core" / "axe.min.js"
AXE_INSTALL = REPO / "tests" / "web" / "install_axe.sh"  # the one install path (make axe too)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# Only the violations are gathered (axe skips the detail of what passed: half the run) and
# only what the message needs crosses back from the page.
_AXE_RUN = """tags => axe.run(document, {runOnly: {type: 'tag', values: tags},
                                resultTypes: ['violations']})
    .then(r => r.violations.map(v => [v.id, v.impact, v.nodes.slice(0, 3).map(n => n.target)]))"""


def axe_problems(page: Any, axe: str, where: str) -> list[str]:
    """axe-core's serious and critical WCAG 2.2 AA violations on the page now open in
    `page` (the one way every browser test runs axe), each as "where: id (impact) targets"."""
    page.evaluate(axe)
    return [
        f"{where}: {rule} ({impact}) {targets}"
        for rule, impact, targets in page.evaluate(_AXE_RUN, AXE_TAGS)
        if impact in ("serious", "critical")
    ]


ARTIFACTS = REPO / "tests" / "artifacts" / "web"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _bin(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def _env(db: Path, extra_env: dict[str, str] | None = None) -> dict[str, str]:
    return {
        **os.environ,
        "REMIT_DATABASE_URL": f"sqlite:///{db}",
        "REMIT_ENV": "test",
        "REMIT_RATE_LIMIT_PER_MINUTE": "0",
        **(extra_env or {}),
    }


def _remit_demo(db: Path) -> None:
    subprocess.run(
        [_bin("remit"), "demo"],
        cwd=REPO,
        env=_env(db),
        check=True,
        capture_output=True,
        timeout=300,
    )


def demo_template(shared_dir: Path) -> Path:
    """`remit demo` into a SQLite file once per test run: the first of the parallel test
    processes that asks builds it (under a file lock), the others wait and reuse it. Each
    live server starts from its own copy, so no server sees another's writes."""
    path = shared_dir / "demo-template.sqlite3"
    with (shared_dir / "demo-template.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            partial = shared_dir / "demo-template.partial.sqlite3"
            _remit_demo(partial)
            partial.rename(path)
    return path


@contextmanager
def live_server(
    workdir: Path,
    extra_env: dict[str, str] | None = None,
    port: int | None = None,
    template: Path | None = None,
) -> Iterator[str]:
    """Yield the base URL of a server with the demo data (a copy of `template` when given,
    else a fresh `remit demo`); stop it afterwards."""
    db = workdir / "remit.sqlite3"
    env = _env(db, extra_env)
    if template is not None:
        shutil.copyfile(template, db)
    else:
        _remit_demo(db)
    port = port or free_port()
    log = (workdir / "server.log").open("wb")
    proc = subprocess.Popen(
        [
            _bin("uvicorn"),
            "remit.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.close()
                raise RuntimeError(
                    "server did not start:\n" + (workdir / "server.log").read_text()[-3000:]
                )
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def chromium_available() -> bool:
    return Path(CHROMIUM).exists()


def shoot(page: Any, name: str) -> Path:
    """A full-page screenshot in tests/artifacts/web/ (gitignored) for review."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# -- one Playwright per test process ---------------------------------------------------------
# Playwright's sync API allows one running instance per thread: two modules each starting
# their own (a session fixture here, a module fixture there) fail with "using Playwright Sync
# API inside the asyncio loop" whenever xdist puts them on the same worker. Every browser
# fixture takes this one instead; tests/conftest.py stops it when the session ends. The
# holder sits in sys.modules because this file is imported under two names (web_live and
# tests.web.web_live), which would otherwise keep two instances.
_HOLDER = sys.modules.setdefault("_remit_shared_chromium", types.ModuleType("_remit_shared"))


def shared_chromium() -> Any:
    """The process-wide Chromium (started on first use)."""
    if getattr(_HOLDER, "browser", None) is None:
        from playwright.sync_api import sync_playwright

        pw = sync_playwright().start()
        _HOLDER.playwright = pw  # type: ignore[attr-defined]
        _HOLDER.browser = pw.chromium.launch(  # type: ignore[attr-defined]
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
    return _HOLDER.browser  # type: ignore[attr-defined]
