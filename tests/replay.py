"""A loopback HTTP server that replays canned responses, for tests and benchmarks.

Usage::

    with ReplayServer() as server:
        server.add("/rates.csv", b"a,b\\n1,2\\n")
        server.script("/flaky", [500, 500, Reply(b"ok")])
        server.add("/slow", b"late", delay_s=2.0)
        server.add("/cut", b"0123456789", fault="truncate")
        url = server.url + "/rates.csv"

Routing ignores the query string unless a route was registered with one
(``server.add("/x?page=2", ...)``), in which case the exact query wins.
Unregistered paths, including ``/robots.txt``, answer 404.

Each route holds a script of replies consumed in order; the last one repeats.
Every request is recorded (method, path, query, headers, monotonic time), and
the server tracks how many requests were in flight at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Literal
from urllib.parse import urlsplit

Fault = Literal["truncate", "malformed", "drop"]
"""Fault modes.

- ``truncate``: announce the full Content-Length, send half the body, close.
- ``malformed``: send a corrupted body (half the body, then garbage bytes)
  with a consistent Content-Length: the transfer succeeds, parsing should not.
- ``drop``: close the connection without sending any response.
"""

_GARBAGE = b"\x00\xff\xfe<<<\x1b[malformed]\"'{"


@dataclass(frozen=True)
class Reply:
    """One canned response."""

    body: bytes = b""
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    fault: Fault | None = None


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server saw it."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    time: float
    """``time.monotonic()`` when the request line was read."""


class _Route:
    def __init__(self, replies: Sequence[Reply]) -> None:
        if not replies:
            raise ValueError("a route needs at least one reply")
        self._replies = list(replies)
        self._next = 0
        self._lock = threading.Lock()

    def take(self) -> Reply:
        with self._lock:
            reply = self._replies[min(self._next, len(self._replies) - 1)]
            self._next += 1
            return reply


class _State:
    """Routes, request log and in-flight counters shared with handler threads."""

    def __init__(self) -> None:
        self.routes: dict[str, _Route] = {}
        self.requests: list[RecordedRequest] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()

    def enter(self, request: RecordedRequest) -> None:
        with self.lock:
            self.requests.append(request)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def leave(self) -> None:
        with self.lock:
            self.in_flight -= 1

    def route_for(self, path: str, query: str) -> _Route | None:
        with self.lock:
            if query and f"{path}?{query}" in self.routes:
                return self.routes[f"{path}?{query}"]
            return self.routes.get(path)


def _as_reply(item: Reply | int) -> Reply:
    return item if isinstance(item, Reply) else Reply(status=item)


class _Handler(BaseHTTPRequestHandler):
    # Without TCP_NODELAY every small response waits for the client's delayed ACK (~40 ms).
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self._serve(send_body=True)

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""

    def _serve(self, *, send_body: bool) -> None:
        state = self.server.state
        parts = urlsplit(self.path)
        state.enter(
            RecordedRequest(
                method=self.command,
                path=parts.path,
                query=parts.query,
                headers={k.lower(): v for k, v in self.headers.items()},
                time=time.monotonic(),
            )
        )
        try:
            route = state.route_for(parts.path, parts.query)
            reply = route.take() if route else Reply(b"not found", status=404)
            if reply.delay_s > 0:
                time.sleep(reply.delay_s)
            self._send(reply, send_body=send_body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            state.leave()

    def _send(self, reply: Reply, *, send_body: bool) -> None:
        if reply.fault == "drop":
            self.close_connection = True
            return
        body = reply.body
        if reply.fault == "malformed":
            body = body[: len(body) // 2] + _GARBAGE
        announced = len(body)
        if reply.fault == "truncate":
            body = body[: len(body) // 2]
            announced = max(announced, len(body) + 1)
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if not any(name.lower() == "content-length" for name in reply.headers):
            self.send_header("Content-Length", str(announced))
        if reply.fault == "truncate":
            self.send_header("Connection", "close")
        self.end_headers()
        if send_body:
            self.wfile.write(body)
        self.wfile.flush()
        if reply.fault == "truncate":
            self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 256

    def __init__(self, state: _State) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients that hang up early (timeouts) are expected in tests."""


class ReplayServer:
    """Threaded loopback server on 127.0.0.1 with an ephemeral port."""

    def __init__(self) -> None:
        self._state = _State()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> ReplayServer:
        if self._server is None:
            self._server = _Server(self._state)
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="replay-server",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (the server must be started)."""
        if self._server is None:
            raise RuntimeError("ReplayServer is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # -- routes --------------------------------------------------------------

    def add(
        self,
        path: str,
        body: bytes = b"",
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        delay_s: float = 0.0,
        fault: Fault | None = None,
    ) -> None:
        """Register (or replace) a route that always gives one reply."""
        reply = Reply(body, status, dict(headers or {}), delay_s, fault)
        self.script(path, [reply])

    def script(self, path: str, replies: Sequence[Reply | int]) -> None:
        """Register (or replace) a route answering ``replies`` in order.

        Ints are shorthand for an empty reply with that status. The last reply
        is repeated once the script is used up.
        """
        route = _Route([_as_reply(item) for item in replies])
        with self._state.lock:
            self._state.routes[path] = route

    # -- observations --------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """A copy of every request received so far, in arrival order."""
        with self._state.lock:
            return list(self._state.requests)

    def hits(self, path: str) -> int:
        """How many requests reached ``path`` (any query)."""
        return sum(1 for r in self.requests if r.path == path)

    @property
    def max_in_flight(self) -> int:
        """The highest number of requests being served at the same time."""
        with self._state.lock:
            return self._state.max_in_flight

    def reset_stats(self) -> None:
        """Forget recorded requests and the in-flight maximum."""
        with self._state.lock:
            self._state.requests.clear()
            self._state.max_in_flight = self._state.in_flight
