"""Where a compare answer's own time goes, in-process (no HTTP): US->PK with a random amount
per answer on a cached benchmark database (`generate_quotes.py`), the corridor's book held.

    .venv/bin/python benchmarks/bench_compare_json.py [--size 10k] [--answers 2000]

Prints CPU microseconds per answer for: reading the data version (the version watch), the
comparison (`compare()`: pricing and ranking at the amount), writing the JSON the lean path
writes (`compare_json`: the JSON kept with the book, amount figures filled in) and writing
it through the response models as the full route does (`compare_response(...)
.model_dump_json`), which gives the same bytes (checked here on every answer too); and the
whole answer as the lean path writes it, from the amount's price segment
(`api/http/segments.py`: the same bytes as compare() and compare_json). Nothing is
asserted.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from generate_quotes import database, parse_sizes  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="10k", help="10k, 200k or 2m")
    parser.add_argument("--answers", type=int, default=2000)
    opts = parser.parse_args()
    ((label, count),) = parse_sizes(opts.size)
    url = database("sqlite", label, count)
    from sqlmodel import Session

    from api.http.present import compare_json, compare_response
    from api.http.segments import segment_json
    from api.services.compare import CompareRequest, compare, corridor_version
    from api.storage.db import make_engine
    from api.storage.types import utcnow

    rnd = random.Random(20261201)
    now = utcnow()
    reqs = [
        CompareRequest(
            "US", "PK", Decimal(f"{rnd.randint(50, 1999)}.{rnd.randint(0, 99):02d}").normalize()
        )
        for _ in range(opts.answers)
    ]

    def per_answer(fn: object, items: list[object]) -> float:
        t0 = time.process_time()
        for item in items:
            fn(item)  # type: ignore[operator]
        return (time.process_time() - t0) / len(items) * 1e6

    with Session(make_engine(url)) as s:
        version = corridor_version(s, "US", "PK")
        first = compare(s, reqs[0], now, version)  # the book, held from here on
        version_us = per_answer(lambda _: corridor_version(s, "US", "PK"), list(reqs))
        compare_us = per_answer(lambda q: compare(s, q, now, version), list(reqs))
        results = [(q, compare(s, q, now, version)) for q in reqs]
        json_us = per_answer(lambda qr: compare_json(qr[0], qr[1], now), list(results))
        models_us = per_answer(
            lambda qr: compare_response(qr[0], qr[1], now).model_dump_json(by_alias=True),
            list(results),
        )
        same = all(
            compare_json(q, r, now)
            == compare_response(q, r, now).model_dump_json(by_alias=True).encode()
            for q, r in results[:200]
        )
        segment_json(s, reqs[0], now, version)
        segment_us = per_answer(lambda q: segment_json(s, q, now, version), list(reqs))
        same_segments = all(
            segment_json(s, q, now, version) == compare_json(q, r, now) for q, r in results
        )
    print(
        f"\n== compare answer, in-process: US->PK, {label} quotes (SQLite), {opts.answers} "
        f"random amounts; {os.cpu_count()} cores, load average "
        + ", ".join(f"{x:.1f}" for x in os.getloadavg())
        + " =="
    )
    print(f"offers per answer: {len(first.quotes)} live, {len(first.survey)} survey")
    print(f"{'data version (watch)':<44}{version_us:>10.0f} us")
    print(f"{'compare(): pricing and ranking':<44}{compare_us:>10.0f} us")
    print(f"{'JSON kept with the book (lean path)':<44}{json_us:>10.0f} us")
    print(f"{'JSON through the response models (full)':<44}{models_us:>10.0f} us")
    print(f"{'the same bytes (200 answers checked)':<44}{'yes' if same else 'NO':>13}")
    print(f"{'the answer from its price segment (lean path)':<44}{segment_us:>10.0f} us")
    print(
        f"{'  compare() + JSON kept with the book, beside it':<44}{compare_us + json_us:>10.0f} us"
    )
    print(f"{'  the same bytes (every answer)':<44}{'yes' if same_segments else 'NO':>13}")
    page_figures(url, reqs, now)


def page_figures(url: str, reqs: list[object], now: object) -> None:
    """The /compare page of the same requests, in-process (the route's own function after
    FastAPI: the page cache off, so every page is written): written from its shape (shapes
    of the run's amounts rendered first), and rendered in full; the same bytes."""
    from fastapi import Request
    from sqlmodel import Session

    from api.settings import get_settings
    from api.storage.db import make_engine
    from web import routes_compare, routes_lessons  # the lessons set the pages' globals
    from web.data import corridor_of
    from web.lean_page import SHAPES
    from web.render import page_for

    assert routes_lessons.ENV is routes_compare.lean_page.ENV
    settings = get_settings()
    settings.compare_cache_s = 30.0  # the book held; pages are not kept (cached_page bypassed)

    def page(s: Session, amount: object, shapes: bool) -> bytes:
        settings.compare_page_shapes = shapes
        query = f"from=US&to=PK&amount={amount}".encode()
        scope = {"type": "http", "method": "GET", "path": "/compare", "headers": []}
        request = Request({**scope, "query_string": query, "query_params": {}})
        corridor = corridor_of(s, "US", "PK")
        assert corridor is not None
        version = routes_compare.corridor_version(s, "US", "PK")
        response = routes_compare._compare_page(
            request,
            page_for(request),
            s,
            now,  # type: ignore[arg-type]
            corridor,
            version,
        )
        return bytes(response.body)

    amounts = [r.amount for r in reqs]  # type: ignore[attr-defined]
    with Session(make_engine(url)) as s:
        t0 = time.process_time()
        for a in amounts:  # first sight: shapes rendered
            page(s, a, True)
        first_us = (time.process_time() - t0) / len(amounts) * 1e6
        built = SHAPES.built
        t0 = time.process_time()
        lean = [page(s, a, True) for a in amounts]
        lean_us = (time.process_time() - t0) / len(amounts) * 1e6
        t0 = time.process_time()
        full = [page(s, a, False) for a in amounts]
        full_us = (time.process_time() - t0) / len(amounts) * 1e6
    print(f"{'/compare page, shapes rendered on first sight':<44}{first_us:>10.0f} us")
    print(f"{'  shapes rendered (of ' + str(len(amounts)) + ' amounts)':<44}{built:>10}")
    print(f"{'/compare page from its shape (lean)':<44}{lean_us:>10.0f} us")
    print(f"{'/compare page rendered in full':<44}{full_us:>10.0f} us")
    print(f"{'the same bytes (every page)':<44}{'yes' if lean == full else 'NO':>13}")


if __name__ == "__main__":
    main()
