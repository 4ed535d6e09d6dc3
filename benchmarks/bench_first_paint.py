"""First paint on a slow link (issue 22): `/` and `/compare` in English and Urdu.

    .venv/bin/python benchmarks/bench_first_paint.py [--runs 3] [--latency-ms 2000]

Starts its own server (a temporary SQLite database loaded with `remit demo`) and measures
first contentful paint in Debian's Chromium (Playwright) on a 360×640 screen under CDP
network emulation: 400 kbit/s both ways, 2 s latency per request, cache disabled (cold).
With every style the first screen needs inside the first response, the page paints after
one request's round trip; a separate stylesheet adds a second one. Prints the median of
--runs, each run, and the bytes the browser transferred. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests" / "web"))

from bench_page_budget import BANDWIDTH_BPS, first_contentful_paint  # noqa: E402
from web_live import CHROMIUM, CHROMIUM_ARGS, chromium_available, live_server  # noqa: E402

PATHS = ("/", "/compare?from=GB&to=PK&amount=200", "/compare?from=US&to=PK&amount=200")


def first_paints(runs: int, latency_ms: int) -> list[str]:
    """The printed lines: a heading, then one line per page and language."""
    if not chromium_available():
        return [f"first paint: skipped (needs Chromium at {CHROMIUM})"]
    from playwright.sync_api import sync_playwright

    lines = [
        f"first contentful paint: Chromium 360x640, {BANDWIDTH_BPS // 1000} kbit/s, "
        f"{latency_ms} ms latency, cold cache, median of {runs}"
    ]
    with (
        tempfile.TemporaryDirectory() as tmp,
        live_server(Path(tmp)) as base,
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for path in PATHS:
            for lang in ("en", "ur"):
                sep = "&" if "?" in path else "?"
                url = base + path + (f"{sep}lang=ur" if lang == "ur" else "")
                got = [first_contentful_paint(browser, url, latency_ms) for _ in range(runs)]
                fcp = statistics.median(r[0] for r in got)
                each = ", ".join(f"{r[0]:.2f}" for r in got)
                lines.append(
                    f"  {lang} {path:<38} {fcp:5.2f} s  (runs {each});"
                    f" transferred {max(r[1] for r in got):,} B"
                )
        browser.close()
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--latency-ms", type=int, default=2000)
    args = parser.parse_args()
    if not chromium_available():
        raise SystemExit(f"needs Chromium at {CHROMIUM}")
    for line in first_paints(args.runs, args.latency_ms):
        print(line, flush=True)


if __name__ == "__main__":
    main()
