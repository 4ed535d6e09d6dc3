"""A real `remit serve` under faults (issue 23): a hung Redis does not freeze requests
(item 3), connections whose headers never end are closed (item 4), and a key sent under any
query parameter never reaches the access log (item 6). SQLite in a temporary directory; the
hung Redis is a loopback socket server that accepts and never answers."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.storage.apikeys import new_key
from tests.deploy.servers import remit_env, serve, wait_until


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'remit.sqlite3'}"


class HungServer:
    """Accepts connections, reads what is sent, never answers."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            self.held.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()


@pytest.fixture
def hung_redis() -> Iterator[HungServer]:
    server = HungServer()
    try:
        yield server
    finally:
        server.close()


def test_a_hung_redis_costs_one_timeout_then_the_limit_fails_open(
    sqlite_url: str, hung_redis: HungServer, tmp_path: Path
) -> None:
    env = remit_env(
        sqlite_url,
        REMIT_REDIS_URL=f"redis://127.0.0.1:{hung_redis.port}/0",
        REMIT_RATE_LIMIT_PER_MINUTE="5",
    )
    with serve(env, tmp_path / "serve.log") as base, httpx.Client(timeout=30) as client:
        codes = [client.get(base + "/api/v1/corridors").status_code for _ in range(8)]
        assert codes == [200] * 8  # the limit fails open while Redis hangs
        assert client.get(base + "/healthz").status_code == 200
    # One request waited for Redis; the others did not ask it again.
    assert 1 <= hung_redis.accepted <= 2
    log = (tmp_path / "serve.log").read_text()
    assert log.count("rate limit not enforced: Redis unreachable") == 1
    assert "Traceback" not in log


def test_connections_whose_headers_never_end_are_closed(sqlite_url: str, tmp_path: Path) -> None:
    env = remit_env(sqlite_url, REMIT_HEADER_TIMEOUT_S="1")
    with serve(env, tmp_path / "serve.log") as base:
        port = int(base.rsplit(":", 1)[1])
        slow = []
        for n in range(50):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow-%d: " % n)  # never finished
            slow.append(s)
        idle = socket.create_connection(("127.0.0.1", port))  # sends nothing at all

        def all_closed() -> bool:
            for s in [*slow, idle]:
                s.settimeout(0.05)
                try:
                    if s.recv(1) != b"":
                        return False
                except TimeoutError:
                    return False
                except OSError:
                    pass  # reset: closed too
            return True

        wait_until(all_closed, 30, "every slow connection closed by the server")
        assert httpx.get(base + "/healthz").status_code == 200
        for s in [*slow, idle]:
            s.close()


@pytest.mark.parametrize("param", ["access_token", "session", "q"])
def test_a_key_under_any_query_parameter_is_not_in_the_access_log(
    sqlite_url: str, tmp_path: Path, param: str
) -> None:
    key = new_key()
    with serve(remit_env(sqlite_url), tmp_path / "serve.log") as base:
        httpx.get(f"{base}/api/v1/corridors?{param}={key}")
        httpx.get(f"{base}/api/v1/admin/collectors", headers={"X-API-Key": key})
    log = (tmp_path / "serve.log").read_text()
    assert key not in log
    assert f"{param}=REDACTED" in log
