"""Rendered pages kept per (what they show, data version, language, minute).

A page whose content is fixed by its address, its language and the data version of what it
shows (e.g. `/compare`: the corridor's `data_version`, which changes whenever a quote or
rate for it is stored) gets an ETag computed from those inputs, not from the rendered HTML.
So a matching `If-None-Match` is answered `304` before anything is rendered, and a repeated
request is served from memory. The minute is part of the key because such pages show ages
("3 hours ago") and freshness, which move with the clock; pages are `max-age=60` anyway.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import datetime

from fastapi import Response

from web.render import PAGE_CACHE, Page
from web.static import etag_matches

MAX_PAGES = 1024


class PageCache:
    def __init__(self, max_entries: int = MAX_PAGES) -> None:
        self._entries: OrderedDict[str, tuple[bytes, dict[str, str]]] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def get(self, etag: str) -> tuple[bytes, dict[str, str]] | None:
        with self._lock:
            hit = self._entries.get(etag)
            if hit is not None:
                self._entries.move_to_end(etag)
            return hit

    def put(self, etag: str, body: bytes, headers: dict[str, str]) -> None:
        with self._lock:
            self._entries[etag] = (body, headers)
            self._entries.move_to_end(etag)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)


PAGES = PageCache()


def page_etag(page: Page, now: datetime, *parts: Hashable) -> str:
    """A weak ETag over everything the page depends on (not over its HTML)."""
    request = page.request
    key = repr(
        (
            request.url.path,
            # By name only (a stable sort): repeated values keep their order, as the page
            # reads the last one (amount=300&amount=777 is not amount=777&amount=300).
            sorted(request.query_params.multi_items(), key=lambda item: item[0]),
            page.lang,
            page.explicit_language,
            now.replace(second=0, microsecond=0).isoformat(),
            parts,
        )
    )
    return 'W/"p' + hashlib.sha256(key.encode()).hexdigest()[:31] + '"'


def cached_page(
    page: Page,
    now: datetime,
    parts: tuple[Hashable, ...],
    build: Callable[[], Response],
    *,
    cache_control: str = PAGE_CACHE,
    enabled: bool = True,
) -> Response:
    """Answer from the inputs' ETag: 304 without rendering, a stored rendering, or `build()`
    (stored when it is a 200). `parts` must name every input beyond the address, the
    language and the minute (e.g. the corridor's data version)."""
    etag = page_etag(page, now, *parts)
    headers = {"ETag": etag, "Cache-Control": cache_control, "Vary": "Accept-Language"}
    if etag_matches(page.request, etag):
        return Response(status_code=304, headers=headers)
    hit = PAGES.get(etag) if enabled else None
    if hit is not None:
        body, stored = hit
        return Response(body, media_type="text/html", headers=stored)
    response = build()
    if response.status_code != 200 or not isinstance(response.body, bytes):
        return response
    replaced = {k.lower() for k in headers} | {"content-length"}
    out = {k: v for k, v in response.headers.items() if k.lower() not in replaced}
    out.update(headers)
    if enabled:
        PAGES.put(etag, bytes(response.body), out)
    return Response(bytes(response.body), media_type="text/html", headers=out)
