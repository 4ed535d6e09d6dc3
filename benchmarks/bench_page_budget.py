"""Page budgets (DESIGN.md section 7, issue 4): the comparison page on a slow phone.

    .venv/bin/python benchmarks/bench_page_budget.py [--runs 3] [--url /compare?...]

Starts its own server on a loopback port (a temporary SQLite database loaded with
`remit demo`), then prints:

(a) Bytes, as served with `Accept-Encoding: gzip`: the first HTML response of /compare
    (budget 14 KB compressed), the whole page with its CSS and JavaScript (50 KB), the
    JavaScript (5 KB), the widget document (10 KB) and its loader (2 KB); and that the
    stylesheet asks for no web font.
(b) First contentful paint of /compare in Debian's Chromium (Playwright) on a 360×640
    viewport under CDP network emulation of 400 kbit/s both ways and 400 ms round trip,
    cache disabled (cold), median of --runs (target ≤ 2.5 s), in English and in Urdu; plus
    what the browser transferred and whether any font file was downloaded.
(c) Where the answer sits on a 360×640 phone, in English and in Urdu: the top and bottom
    edge of the summary sentence and of the first (best) offer, and whether the best offer
    is fully visible without scrolling (the target); for --url and for US->PK (live offers).

Exit status 1 when a figure is over its budget.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "web"))

from web_live import CHROMIUM, CHROMIUM_ARGS, chromium_available, live_server  # noqa: E402

KB = 1024
COMPARE = "/compare?from=GB&to=PK&amount=200"
WIDGET = "/widget?from=GB&to=PK&amount=200"
BANDWIDTH_BPS = 400_000  # 400 kbit/s
RTT_MS = 400
FCP_TARGET_S = 2.5


def fetch(url: str) -> tuple[bytes, dict[str, str]]:
    """The body as sent on the wire (compressed) and the response headers."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=30) as r:
        return r.read(), {k.lower(): v for k, v in r.headers.items()}


def assets_of(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def byte_budgets(base: str, path: str) -> list[tuple[str, int, int]]:
    import gzip

    wire, headers = fetch(base + path)
    assert headers.get("content-encoding") == "gzip", "pages must be served compressed"
    html = gzip.decompress(wire).decode()
    rows: list[tuple[str, int, int]] = [("first HTML response (gzip)", len(wire), 14 * KB)]
    total, js_total, css_text = len(wire), 0, ""
    for asset in assets_of(html):
        body, h = fetch(base + asset)
        total += len(body)
        plain = gzip.decompress(body) if h.get("content-encoding") == "gzip" else body
        if asset.split("?")[0].endswith(".js"):
            js_total += len(body)
            rows.append((f"  {asset.split('?')[0]} (gzip; {len(plain)} B raw)", len(body), 0))
        else:
            css_text += plain.decode()
            rows.append((f"  {asset.split('?')[0]} (gzip; {len(plain)} B raw)", len(body), 0))
    rows.append(("whole page: HTML + CSS + JS (gzip)", total, 50 * KB))
    rows.append(("JavaScript (gzip, optional)", js_total, 5 * KB))
    widget, _ = fetch(base + WIDGET)
    rows.append(("widget document (gzip)", len(widget), 10 * KB))
    loader, _ = fetch(base + "/widget.js")
    rows.append(("widget loader /widget.js (gzip)", len(loader), 2 * KB))
    fonts = len(re.findall(r"@font-face|url\(", css_text))
    rows.append(("web fonts referenced by the stylesheet", fonts, 0))
    return rows


def widget_budgets(base: str) -> bool:
    """Widget document (≤ 10 KB gzip) in en and ur, for a corridor with offers, an empty
    corridor and the chooser, and the loader (≤ 2 KB); prints them, True if all fit."""
    ok_all = True
    print("\n(a2) widget, as served with gzip")
    rows = [
        (f"widget {lang} {label}", f"{path}&lang={lang}" if "?" in path else f"{path}?lang={lang}")
        for lang in ("en", "ur")
        for label, path in (("GB-PK", WIDGET), ("DE-IR (empty)", "/widget?from=DE&to=IR"),
                            ("chooser", "/widget"))
    ]  # fmt: skip
    for label, path in [*rows, ("loader /widget.js", "/widget.js")]:
        wire, _ = fetch(base + path)
        budget = 2 * KB if path == "/widget.js" else 10 * KB
        ok = len(wire) <= budget
        ok_all &= ok
        print(f"  {label:<48} {len(wire):>7} B  budget {budget:>6} B  {'ok' if ok else 'OVER'}")
    for lang in ("en", "ur"):
        import gzip

        wire, _ = fetch(f"{base}{WIDGET}&lang={lang}")
        total = len(wire) + sum(
            len(fetch(base + a)[0]) for a in assets_of(gzip.decompress(wire).decode())
        )
        print(f"  {f'widget {lang} GB-PK with its CSS and JS':<48} {total:>7} B")
    return ok_all


def first_contentful_paint(
    browser: Any, url: str, latency_ms: int = RTT_MS
) -> tuple[float, int, list[str]]:
    context = browser.new_context(viewport={"width": 360, "height": 640}, locale="en-GB")
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": latency_ms,
            "downloadThroughput": BANDWIDTH_BPS / 8,
            "uploadThroughput": BANDWIDTH_BPS / 8,
        },
    )
    fonts: list[str] = []
    page.on(
        "response", lambda r: fonts.append(r.url) if r.request.resource_type == "font" else None
    )
    page.goto(url, wait_until="load")
    fcp_ms = page.evaluate(
        "new Promise(done => { const get = () => performance.getEntriesByName("
        "'first-contentful-paint')[0]; const e = get(); if (e) return done(e.startTime);"
        " new PerformanceObserver(() => done(get().startTime)).observe({type: 'paint',"
        " buffered: true}); })"
    )
    transferred = page.evaluate(
        "performance.getEntriesByType('navigation').concat(performance.getEntriesByType("
        "'resource')).reduce((n, e) => n + e.transferSize, 0)"
    )
    context.close()
    return float(fcp_ms) / 1000, int(transferred), fonts


LIVE_COMPARE = "/compare?from=US&to=PK&amount=200"


def first_screen(browser: Any, url: str) -> dict[str, float]:
    """Edges (CSS px from the top) of the summary and the first offer at 360×640."""
    context = browser.new_context(viewport={"width": 360, "height": 640}, locale="en-GB")
    page = context.new_page()
    page.goto(url, wait_until="load")
    edges: dict[str, float] = page.evaluate(
        """() => {
          const box = (sel) => { const e = document.querySelector(sel);
            return e ? e.getBoundingClientRect() : null; };
          const s = box('p.summary'), o = box('ol.offers > li');
          return {summary_top: s ? s.top : -1, summary_bottom: s ? s.bottom : -1,
                  offer_top: o ? o.top : -1, offer_bottom: o ? o.bottom : -1,
                  height: innerHeight};
        }"""
    )
    context.close()
    return edges


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--url", default=COMPARE)
    args = parser.parse_args()
    failed = False
    with tempfile.TemporaryDirectory() as tmp, live_server(Path(tmp)) as base:
        print(f"server {base} (temporary SQLite, `remit demo` data)")
        print(f"\n(a) bytes for {args.url}")
        for label, size, budget in byte_budgets(base, args.url):
            if budget:
                ok = size <= budget
                failed |= not ok
                print(f"  {label:<48} {size:>7} B  budget {budget:>6} B  {'ok' if ok else 'OVER'}")
            elif label.startswith("web fonts"):
                failed |= size > 0
                print(f"  {label:<48} {size:>7}    {'ok' if size == 0 else 'OVER'}")
            else:
                print(f"  {label:<48} {size:>7} B")
        failed |= not widget_budgets(base)
        if not chromium_available():
            print(f"\n(b) skipped: Chromium not found at {CHROMIUM}")
            return 1 if failed else 0
        from playwright.sync_api import sync_playwright

        print(
            f"\n(b) first contentful paint, Chromium, 360×640, {BANDWIDTH_BPS // 1000} kbit/s, "
            f"{RTT_MS} ms RTT, cold cache (median of {args.runs})"
        )
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for label, url in (("en", base + args.url), ("ur", base + args.url + "&lang=ur")):
                runs = [first_contentful_paint(browser, url) for _ in range(args.runs)]
                fcp = statistics.median(r[0] for r in runs)
                transferred = max(r[1] for r in runs)
                fonts = sorted({u for r in runs for u in r[2]})
                ok = fcp <= FCP_TARGET_S and not fonts and transferred <= 50 * KB
                failed |= not ok
                print(
                    f"  {label}: FCP {fcp:.2f} s (runs {', '.join(f'{r[0]:.2f}' for r in runs)})"
                    f"  target {FCP_TARGET_S} s; transferred {transferred} B;"
                    f" font downloads {len(fonts)}  {'ok' if ok else 'OVER'}"
                )
            print("\n(c) first screen at 360×640 (CSS px from the top; the screen ends at 640)")
            # GB-PK shows the World Bank's real survey prices only; US-PK has live (sample)
            # offers, so its first row is the best current offer.
            screens = [
                (f"{lang} {path}", base + path + ("&lang=ur" if lang == "ur" else ""))
                for path in dict.fromkeys([args.url, LIVE_COMPARE])
                for lang in ("en", "ur")
            ]
            for label, url in screens:
                e = first_screen(browser, url)
                visible = e["offer_top"] >= 0 and e["offer_bottom"] <= e["height"]
                print(
                    f"  {label}: summary {e['summary_top']:.0f}–{e['summary_bottom']:.0f};"
                    f" first offer top {e['offer_top']:.0f}, bottom {e['offer_bottom']:.0f};"
                    f" best offer fully visible: {'yes' if visible else 'no'}"
                )
            browser.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
