"""A small per-app TTL cache for rendered API responses.

Quotes change when a collector runs (hourly at most) and every response carries its
`data_as_of`, so serving a rendering that is a few seconds old is honest and keeps the hot
compare path cheap. Each app instance has its own cache (`app.state.response_cache`).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable


class ResponseCache:
    def __init__(
        self, ttl_s: float, max_entries: int = 2048, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self.clock = clock
        self._entries: OrderedDict[Hashable, tuple[float, bytes]] = OrderedDict()

    def get(self, key: Hashable) -> bytes | None:
        if self.ttl_s <= 0:
            return None
        hit = self._entries.get(key)
        if hit is None:
            return None
        stored_at, body = hit
        if self.clock() - stored_at > self.ttl_s:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return body

    def put(self, key: Hashable, body: bytes) -> None:
        if self.ttl_s <= 0:
            return
        self._entries[key] = (self.clock(), body)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
