"""SourceClient against a real loopback server (tests/replay.py), no mocks."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from scrapers.http import (
    USER_AGENT,
    ClientPolicy,
    FetchError,
    RobotsDisallowed,
    SourceClient,
    build_user_agent,
    parse_retry_after,
)
from tests.replay import ReplayServer, Reply

FAST = ClientPolicy(
    per_host_concurrency=2,
    min_interval_s=0.0,
    timeout_s=2.0,
    max_retries=3,
    backoff_base_s=0.01,
    max_retry_after_s=5.0,
)


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    with ReplayServer() as srv:
        yield srv


def client(policy: ClientPolicy = FAST) -> SourceClient:
    return SourceClient(policy)


# -- policy and helpers ----------------------------------------------------------


def test_user_agent_identifies_project_and_contact() -> None:
    assert build_user_agent() == USER_AGENT
    assert USER_AGENT.startswith("silkroutes-remit/")
    assert "(+https://github.com/silkroutes/remit; data@silkroutes.example)" in USER_AGENT


def test_default_policy_is_polite() -> None:
    policy = ClientPolicy.default()
    assert policy.user_agent == USER_AGENT
    assert policy.per_host_concurrency == 2
    assert policy.min_interval_s > 0
    assert policy.max_retries >= 1


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="per_host_concurrency"):
        ClientPolicy(per_host_concurrency=0)
    with pytest.raises(ValueError, match="max_retries"):
        ClientPolicy(max_retries=-1)


def test_parse_retry_after_seconds_and_http_date() -> None:
    now = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after("7") == 7.0
    assert (
        parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now=now)
        == 30.0
    )
    assert (
        parse_retry_after(format_datetime(now - timedelta(seconds=30), usegmt=True), now=now) == 0.0
    )
    assert parse_retry_after("soon") is None
    assert parse_retry_after("-3") is None
    assert parse_retry_after(None) is None


# -- success path ------------------------------------------------------------------


@pytest.mark.asyncio
async def test_fetched_carries_provenance_and_user_agent(server: ReplayServer) -> None:
    server.add("/rates.csv", b"a,b\n1,2\n", headers={"Content-Type": "text/csv"})
    async with client() as c:
        got = await c.get(server.url + "/rates.csv", html_page=False)
    assert got.status == 200
    assert got.content == b"a,b\n1,2\n"
    assert got.sha256 == hashlib.sha256(b"a,b\n1,2\n").hexdigest()
    assert got.headers["content-type"] == "text/csv"
    assert got.fetched_at.tzinfo is UTC
    assert abs((datetime.now(UTC) - got.fetched_at).total_seconds()) < 5
    assert server.requests[0].headers["user-agent"] == USER_AGENT
    assert server.hits("/robots.txt") == 0  # not an HTML page: robots not consulted


@pytest.mark.asyncio
async def test_query_params_are_sent(server: ReplayServer) -> None:
    server.add("/v4/comparisons", b"{}")
    async with client() as c:
        await c.get(server.url + "/v4/comparisons", html_page=False, params={"sendAmount": "200"})
    assert server.requests[0].query == "sendAmount=200"


# -- retries -------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_retries_500_then_succeeds(server: ReplayServer) -> None:
    server.script("/flaky", [500, 502, Reply(b"ok")])
    async with client() as c:
        got = await c.get(server.url + "/flaky", html_page=False)
    assert got.content == b"ok"
    assert server.hits("/flaky") == 3


@pytest.mark.asyncio
async def test_429_retry_after_is_honoured(server: ReplayServer) -> None:
    server.script("/busy", [Reply(status=429, headers={"Retry-After": "1"}), Reply(b"ok")])
    async with client() as c:
        started = time.monotonic()
        got = await c.get(server.url + "/busy", html_page=False)
        elapsed = time.monotonic() - started
    assert got.content == b"ok"
    assert elapsed >= 0.9  # correctness: we waited as told, not a speed target
    times = [r.time for r in server.requests if r.path == "/busy"]
    assert times[1] - times[0] >= 0.9


@pytest.mark.asyncio
async def test_retry_after_is_capped(server: ReplayServer) -> None:
    server.script("/busy", [Reply(status=503, headers={"Retry-After": "3600"}), Reply(b"ok")])
    async with client(replace(FAST, max_retry_after_s=0.05)) as c:
        started = time.monotonic()
        await c.get(server.url + "/busy", html_page=False)
    assert time.monotonic() - started < 2.0


@pytest.mark.asyncio
async def test_gives_up_after_max_retries_naming_status(server: ReplayServer) -> None:
    server.script("/down", [503])
    async with client(replace(FAST, max_retries=2)) as c:
        with pytest.raises(FetchError) as caught:
            await c.get(server.url + "/down", html_page=False)
    err = caught.value
    assert err.status == 503
    assert err.source_url == server.url + "/down"
    assert "503" in str(err) and "3 attempts" in str(err)
    assert server.hits("/down") == 3


@pytest.mark.asyncio
async def test_other_4xx_is_not_retried(server: ReplayServer) -> None:
    server.script("/missing", [404])
    async with client() as c:
        with pytest.raises(FetchError) as caught:
            await c.get(server.url + "/missing", html_page=False)
    assert caught.value.status == 404
    assert "404" in str(caught.value)
    assert server.hits("/missing") == 1


@pytest.mark.asyncio
async def test_timeout_raises_fetch_error(server: ReplayServer) -> None:
    server.add("/slow", b"late", delay_s=1.0)
    async with client(replace(FAST, timeout_s=0.2, max_retries=1)) as c:
        with pytest.raises(FetchError) as caught:
            await c.get(server.url + "/slow", html_page=False)
    assert caught.value.status is None
    assert "timed out" in str(caught.value)
    assert server.hits("/slow") == 2


@pytest.mark.asyncio
async def test_timeout_then_success(server: ReplayServer) -> None:
    server.script("/slow", [Reply(b"late", delay_s=1.0), Reply(b"ok")])
    async with client(replace(FAST, timeout_s=0.2)) as c:
        got = await c.get(server.url + "/slow", html_page=False)
    assert got.content == b"ok"


@pytest.mark.asyncio
async def test_truncated_body_is_retried(server: ReplayServer) -> None:
    server.script("/cut", [Reply(b"0123456789", fault="truncate"), Reply(b"0123456789")])
    async with client() as c:
        got = await c.get(server.url + "/cut", html_page=False)
    assert got.content == b"0123456789"
    assert server.hits("/cut") == 2


@pytest.mark.asyncio
async def test_dropped_connection_gives_connection_error(server: ReplayServer) -> None:
    server.add("/drop", fault="drop")
    async with client(replace(FAST, max_retries=1)) as c:
        with pytest.raises(FetchError, match="connection error"):
            await c.get(server.url + "/drop", html_page=False)
    assert server.hits("/drop") == 2


@pytest.mark.asyncio
async def test_refused_connection_gives_fetch_error() -> None:
    with ReplayServer() as srv:
        url = srv.url + "/gone"
    async with client(replace(FAST, max_retries=1)) as c:
        with pytest.raises(FetchError, match="connection error"):
            await c.get(url, html_page=False)


@pytest.mark.asyncio
async def test_non_http_url_is_rejected() -> None:
    async with client() as c:
        with pytest.raises(FetchError, match="absolute http"):
            await c.get("ftp://example.org/x", html_page=False)


# -- robots.txt ----------------------------------------------------------------------


ROBOTS = b"User-agent: *\nDisallow: /private/\n\nUser-agent: silkroutes-remit\nDisallow: /no-bots\n"


@pytest.mark.asyncio
async def test_robots_disallow_raises(server: ReplayServer) -> None:
    server.add("/robots.txt", ROBOTS)
    server.add("/no-bots", b"<html></html>")
    async with client() as c:
        with pytest.raises(RobotsDisallowed) as caught:
            await c.get(server.url + "/no-bots", html_page=True)
    assert isinstance(caught.value, FetchError)
    assert "robots.txt" in str(caught.value)
    assert server.hits("/no-bots") == 0


@pytest.mark.asyncio
async def test_robots_allowed_page_is_fetched_and_robots_cached(server: ReplayServer) -> None:
    server.add("/robots.txt", b"User-agent: *\nDisallow: /private/\n")
    server.add("/exchange-rates", b"<html>rates</html>")
    async with client() as c:
        for _ in range(3):
            got = await c.get(server.url + "/exchange-rates", html_page=True)
        assert got.content == b"<html>rates</html>"
        with pytest.raises(RobotsDisallowed):
            await c.get(server.url + "/private/x", html_page=True)
    assert server.hits("/robots.txt") == 1


@pytest.mark.asyncio
async def test_robots_404_means_allowed(server: ReplayServer) -> None:
    server.add("/page", b"<html></html>")
    async with client() as c:
        got = await c.get(server.url + "/page", html_page=True)
    assert got.status == 200
    assert server.hits("/robots.txt") == 1


@pytest.mark.asyncio
async def test_robots_forbidden_means_disallowed(server: ReplayServer) -> None:
    server.add("/robots.txt", status=403)
    server.add("/page", b"<html></html>")
    async with client() as c:
        with pytest.raises(RobotsDisallowed):
            await c.get(server.url + "/page", html_page=True)


@pytest.mark.asyncio
@pytest.mark.parametrize("status", [503, 429])
async def test_robots_unreachable_means_disallowed(server: ReplayServer, status: int) -> None:
    server.add("/robots.txt", status=status)
    server.add("/page", b"<html></html>")
    async with client(replace(FAST, max_retries=1)) as c:
        with pytest.raises(RobotsDisallowed, match="unreachable"):
            await c.get(server.url + "/page", html_page=True)
    assert server.hits("/page") == 0


@pytest.mark.asyncio
async def test_robots_crawl_delay_spaces_requests(server: ReplayServer) -> None:
    server.add("/robots.txt", b"User-agent: *\nCrawl-delay: 1\n")  # whole seconds only
    server.add("/page", b"<html></html>")
    async with client() as c:
        for _ in range(2):
            await c.get(server.url + "/page", html_page=True)
    times = [r.time for r in server.requests if r.path == "/page"]
    assert times[1] - times[0] >= 0.9


# -- per-host limits -----------------------------------------------------------------


@pytest.mark.asyncio
async def test_per_host_concurrency_never_exceeded(server: ReplayServer) -> None:
    server.add("/slowish", b"ok", delay_s=0.15)
    async with client(replace(FAST, per_host_concurrency=2)) as c:
        results = await asyncio.gather(
            *(c.get(server.url + "/slowish", html_page=False) for _ in range(10))
        )
    assert len(results) == 10
    assert server.max_in_flight == 2  # limited, yet actually parallel


@pytest.mark.asyncio
async def test_concurrency_limit_is_per_host() -> None:
    with ReplayServer() as one, ReplayServer() as two:
        for srv in (one, two):
            srv.add("/slowish", b"ok", delay_s=0.2)
        async with client(replace(FAST, per_host_concurrency=1)) as c:
            started = time.monotonic()
            await asyncio.gather(
                *(c.get(srv.url + "/slowish", html_page=False) for srv in (one, two, one, two))
            )
            elapsed = time.monotonic() - started
        assert one.max_in_flight == 1 and two.max_in_flight == 1
    assert elapsed < 0.8  # the two hosts were served in parallel (serial would be 0.8 s)


@pytest.mark.asyncio
async def test_min_interval_spaces_requests_to_a_host(server: ReplayServer) -> None:
    server.add("/x", b"ok")
    async with client(replace(FAST, min_interval_s=0.2)) as c:
        await asyncio.gather(*(c.get(server.url + "/x", html_page=False) for _ in range(3)))
    times = sorted(r.time for r in server.requests)
    assert all(b - a >= 0.18 for a, b in itertools.pairwise(times))
