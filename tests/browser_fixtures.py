"""Browser fixtures shared by every browser test (tests/web, tests/lessons, ...): one live
server with the demo data and one Chromium (Debian's, via Playwright) per test process,
reused by all the tests that only read. Registered in tests/conftest.py (`pytest_plugins`),
so the web and lessons tests share the same session fixtures instead of each starting its own.

The demo database is built once per run (`demo_db`, shared by the parallel test processes)
and every live server starts from a copy of it.

Without /usr/bin/chromium (or the axe-core npm package) the browser tests are skipped with
a clear message, unless REMIT_REQUIRE_BROWSER=1, which turns that into a failure (CI).
Screenshots are written to tests/artifacts/web/ for review.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.web.web_live import (
    AXE_INSTALL,
    AXE_JS,
    AXE_PREFIX,
    CHROMIUM,
    chromium_available,
    demo_template,
    free_port,
    live_server,
    shared_chromium,
)

REQUIRE_BROWSER = os.environ.get("REMIT_REQUIRE_BROWSER") == "1"
AXE_VERSION = "4.14.1"
_skipped: dict[str, str] = {}


def _unavailable(what: str, reason: str) -> None:
    if REQUIRE_BROWSER:
        pytest.fail(f"REMIT_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    _skipped[what] = reason
    pytest.skip(f"{reason} (set REMIT_REQUIRE_BROWSER=1 to make this a failure)")


@pytest.fixture(scope="session")
def demo_db(run_dir: Path) -> Path:
    """The demo data (`remit demo`) in a SQLite file built once per run (run_dir: shared by
    the test processes, tests/conftest.py); copy it, never write to it. The database
    `make run` starts from: tests/core/test_survey.py checks it too."""
    return demo_template(run_dir)


# The one route the browser tests read as the World Bank's survey prices alone.
SURVEY_ONLY = "GB-PK"


def _browser_demo(path: Path) -> None:
    """The demo with sample quotes on every route but SURVEY_ONLY. Since issue 17 `remit
    demo --sample` gives no sample quotes to a route with survey prices (US-PK among 26), but
    the browser tests exercise the offer list, filters and receipt check on US-PK's sample
    offers, like the in-process fixtures (tests/conftest.py, sample_on_real_corridors)."""
    from sqlmodel import col, delete, select

    from api.storage.db import make_engine, session_scope
    from api.storage.migrate import upgrade
    from api.storage.models import CurrentPrice, Quote
    from api.storage.pricebook import rebuild_current_prices
    from api.storage.rollups import rebuild_rollups
    from api.storage.types import utcnow
    from scrapers.demo import load_demo

    eng = make_engine(f"sqlite:///{path}")
    upgrade(eng)
    with session_scope(eng) as s:
        load_demo(s, utcnow(), sample=True, sample_on_real_corridors=True)
        ids = select(Quote.id).where(
            col(Quote.sample).is_(True), col(Quote.corridor_code) == SURVEY_ONLY
        )
        s.execute(delete(CurrentPrice).where(col(CurrentPrice.quote_id).in_(ids)))
        s.execute(
            delete(Quote).where(
                col(Quote.sample).is_(True), col(Quote.corridor_code) == SURVEY_ONLY
            )
        )
        rebuild_current_prices(s, {SURVEY_ONLY})
        s.flush()
        rebuild_rollups(s)
    eng.dispose()


@pytest.fixture(scope="session")
def browser_demo_db(run_dir: Path) -> Path:
    """The live server's database (built once per run, shared by the test processes)."""
    path = run_dir / "browser-demo.sqlite3"
    with (run_dir / "browser-demo.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            partial = run_dir / "browser-demo.partial.sqlite3"
            partial.unlink(missing_ok=True)
            _browser_demo(partial)
            partial.rename(path)
    return path


@pytest.fixture(scope="session")
def embed_port() -> int:
    """The port of the page that embeds the widget (an allowed origin)."""
    return free_port()


@pytest.fixture(scope="session")
def base_url(
    tmp_path_factory: pytest.TempPathFactory, embed_port: int, browser_demo_db: Path
) -> Iterator[str]:
    """The live server the read-only browser tests share (one per test process)."""
    if not chromium_available():
        _unavailable("browser", f"Chromium not found at {CHROMIUM}")
    origins = json.dumps([f"http://127.0.0.1:{embed_port}"])
    with live_server(
        tmp_path_factory.mktemp("live"),
        {"REMIT_WIDGET_ALLOWED_ORIGINS": origins},
        template=browser_demo_db,
    ) as url:
        yield url


@pytest.fixture(scope="session")
def browser(base_url: str) -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is a test dependency
        _unavailable("browser", "the playwright Python package is not installed")
    del sync_playwright  # the one shared instance (web_live.shared_chromium) is used
    try:
        chromium = shared_chromium()
    except Exception as exc:  # any launch failure means "no browser"
        _unavailable("browser", f"Chromium at {CHROMIUM} does not start: {str(exc)[:200]}")
    yield chromium


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core from npm (tests/web/.axe); installed on first use when npm is present."""
    if not AXE_JS.exists():
        npm = shutil.which("npm")
        if npm is None:
            _unavailable("axe", "npm not found, so the axe-core package cannot be installed")
        AXE_PREFIX.mkdir(parents=True, exist_ok=True)
        with (AXE_PREFIX / ".lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # several test workers may get here at once
            if not AXE_JS.exists():
                done = subprocess.run(
                    [str(AXE_INSTALL)],
                    env={**os.environ, "AXE_VERSION": AXE_VERSION},
                    capture_output=True,
                    text=True,
                    timeout=300,
                )
                if done.returncode != 0 or not AXE_JS.exists():
                    _unavailable("axe", f"npm install axe-core failed: {done.stderr[-500:]}")
    return AXE_JS.read_text(encoding="utf-8")


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def embed_server(
    tmp_path_factory: pytest.TempPathFactory, base_url: str, embed_port: int
) -> Iterator[tuple[str, str]]:
    """Two host pages embedding the widget: one on an allowed origin, one not."""
    root = tmp_path_factory.mktemp("embed")
    (root / "index.html").write_text(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Host</title></head>"
        "<body><h1>Diaspora association</h1>"
        f"<script src='{base_url}/widget.js' data-from='US' data-to='PK' data-amount='200' "
        "data-lang='ur'></script></body></html>",
        encoding="utf-8",
    )
    handler = partial(_Quiet, directory=str(root))
    servers = [ThreadingHTTPServer(("127.0.0.1", port), handler) for port in (embed_port, 0)]
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for t in threads:
        t.start()
    allowed, other = (f"http://127.0.0.1:{s.server_address[1]}" for s in servers)
    yield allowed, other
    for s in servers:
        s.shutdown()
        s.server_close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for what, reason in _skipped.items():
        terminalreporter.write_line(f"SKIPPED {what} tests: {reason}", yellow=True)
