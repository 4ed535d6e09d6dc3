"""The one HTTP client policy shared by every data source.

Every source fetches through :class:`SourceClient`, which applies:

- an identifying User-Agent (:data:`USER_AGENT`);
- a per-host concurrency limit and a minimum interval between requests to the
  same host (raised to the host's robots.txt ``Crawl-delay`` when it has one);
- connect and read timeouts;
- retries with exponential backoff and jitter on timeouts, connection errors,
  HTTP 429 and 5xx, honouring ``Retry-After`` (seconds or HTTP date) up to
  ``max_retry_after_s``; other 4xx answers fail at once;
- robots.txt for web pages (``html_page=True``), fetched once per host.

Failures raise :class:`FetchError` (or its subclass :class:`RobotsDisallowed`).
"""

from __future__ import annotations

import asyncio
import email.utils
import hashlib
import logging
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from urllib.parse import urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser

import httpx

__all__ = [
    "CLIENT_VERSION",
    "USER_AGENT",
    "ClientPolicy",
    "FetchError",
    "Fetched",
    "RobotsDisallowed",
    "SourceClient",
    "build_user_agent",
    "parse_retry_after",
]

log = logging.getLogger(__name__)

CLIENT_VERSION = "0.1.0"
PROJECT_URL = "https://github.com/silkroutes/remit"
CONTACT_EMAIL = "data@silkroutes.example"


def build_user_agent(version: str = CLIENT_VERSION) -> str:
    """The identifying User-Agent sent with every request."""
    return f"silkroutes-remit/{version} (+{PROJECT_URL}; {CONTACT_EMAIL})"


USER_AGENT = build_user_agent()

RETRYABLE_STATUS = frozenset({429}) | frozenset(range(500, 600))


@dataclass(frozen=True)
class ClientPolicy:
    """How politely and persistently sources fetch. Built from settings."""

    user_agent: str = USER_AGENT
    per_host_concurrency: int = 2
    min_interval_s: float = 0.0
    """Minimum time between the starts of two requests to the same host."""
    timeout_s: float = 30.0
    """Read (and write/pool) timeout per request attempt."""
    max_retries: int = 3
    """Retries after the first attempt (so at most ``max_retries + 1`` tries)."""
    backoff_base_s: float = 0.5
    max_retry_after_s: float = 60.0
    """Cap on any single wait: ``Retry-After``, backoff and ``Crawl-delay``."""
    connect_timeout_s: float = 10.0

    def __post_init__(self) -> None:
        if self.per_host_concurrency < 1:
            raise ValueError("per_host_concurrency must be at least 1")
        if self.max_retries < 0:
            raise ValueError("max_retries must not be negative")
        for name in ("min_interval_s", "backoff_base_s", "max_retry_after_s"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.timeout_s <= 0 or self.connect_timeout_s <= 0:
            raise ValueError("timeouts must be positive")

    @classmethod
    def default(cls) -> ClientPolicy:
        """Production defaults: polite (1 s between requests per host)."""
        return cls(min_interval_s=1.0)


class FetchError(Exception):
    """A source could not be fetched. ``status`` is the last HTTP status, if any."""

    def __init__(self, source_url: str, reason: str, status: int | None = None) -> None:
        self.source_url = source_url
        self.reason = reason
        self.status = status
        shown = f"HTTP {status}: {reason}" if status is not None else reason
        super().__init__(f"fetching {source_url} failed: {shown}")


class RobotsDisallowed(FetchError):
    """robots.txt of the host does not allow us to fetch this page."""


@dataclass(frozen=True)
class Fetched:
    """A successful response, with what provenance needs."""

    url: str
    status: int
    content: bytes
    headers: Mapping[str, str]
    """Response headers, names lower-cased."""
    fetched_at: datetime
    """UTC time the response was received."""
    sha256: str
    """Hex SHA-256 of ``content``."""

    def text(self, encoding: str = "utf-8") -> str:
        return self.content.decode(encoding)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date)."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now or datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())


class _Retryable(Exception):
    """One attempt failed in a way worth retrying."""

    def __init__(self, reason: str, status: int | None, wait_s: float | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.wait_s = wait_s


@dataclass
class _Host:
    semaphore: asyncio.Semaphore
    pace_lock: asyncio.Lock
    robots_lock: asyncio.Lock
    next_start: float = 0.0
    crawl_delay_s: float = 0.0
    robots: RobotFileParser | None = None


def _host_key(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(url, "not an absolute http(s) URL")
    return f"{parts.scheme}://{parts.netloc.lower()}"


class SourceClient:
    """Async HTTP client applying :class:`ClientPolicy`. Use as ``async with``."""

    def __init__(
        self,
        policy: ClientPolicy | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.policy = policy or ClientPolicy.default()
        self._rng = rng or random.Random()
        self._hosts: dict[str, _Host] = {}
        self._client = httpx.AsyncClient(
            headers={"User-Agent": self.policy.user_agent},
            timeout=httpx.Timeout(self.policy.timeout_s, connect=self.policy.connect_timeout_s),
            follow_redirects=True,
            transport=transport,
        )

    async def __aenter__(self) -> SourceClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    # -- public --------------------------------------------------------------

    async def get(
        self,
        url: str,
        *,
        html_page: bool,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Fetched:
        """GET ``url`` under the policy; ``html_page`` pages must pass robots.txt."""
        if html_page:
            await self._check_robots(url)
        return await self._fetch(url, params=params, headers=headers)

    async def post(
        self,
        url: str,
        *,
        data: Mapping[str, str],
        headers: Mapping[str, str] | None = None,
    ) -> Fetched:
        """POST a form once under the policy (User-Agent, per-host limit and pacing,
        timeouts). Not retried here and any status is returned: a POST may have taken effect
        even when its answer was lost, so the caller decides (the message outbox reconciles
        with the gateway, then retries with backoff)."""
        host = self._host(url)
        async with host.semaphore:
            await self._pace(host)
            try:
                response = await self._client.post(url, data=data, headers=headers)
            except httpx.HTTPError as exc:
                raise FetchError(url, f"connection error ({type(exc).__name__})") from exc
        content = response.content
        return Fetched(
            url=str(response.url),
            status=response.status_code,
            content=content,
            headers={k.lower(): v for k, v in response.headers.items()},
            fetched_at=datetime.now(UTC),
            sha256=hashlib.sha256(content).hexdigest(),
        )

    # -- retries ---------------------------------------------------------------

    async def _fetch(
        self,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Fetched:
        attempts = self.policy.max_retries + 1
        for attempt in range(attempts):
            try:
                return await self._attempt(url, params, headers)
            except _Retryable as failure:
                if attempt + 1 >= attempts:
                    raise FetchError(
                        url, f"{failure.reason} (gave up after {attempts} attempts)", failure.status
                    ) from failure
                wait = self._wait_before_retry(attempt, failure.wait_s)
                log.info("retrying %s in %.2fs: %s", url, wait, failure.reason)
                await asyncio.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait_before_retry(self, attempt: int, retry_after_s: float | None) -> float:
        cap = self.policy.max_retry_after_s
        if retry_after_s is not None:
            return min(retry_after_s, cap)
        backoff = self.policy.backoff_base_s * 2.0**attempt
        jittered = backoff / 2 + self._rng.uniform(0, backoff / 2)
        return min(jittered, cap)

    async def _attempt(
        self,
        url: str,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
    ) -> Fetched:
        host = self._host(url)
        async with host.semaphore:
            await self._pace(host)
            try:
                response = await self._client.get(url, params=params, headers=headers)
            except httpx.TimeoutException as exc:
                raise _Retryable(f"timed out ({type(exc).__name__})", None, None) from exc
            except httpx.TransportError as exc:
                raise _Retryable(
                    f"connection error ({type(exc).__name__}: {exc})", None, None
                ) from exc
        return self._result(url, response)

    def _result(self, url: str, response: httpx.Response) -> Fetched:
        status = response.status_code
        if status in RETRYABLE_STATUS:
            wait = parse_retry_after(response.headers.get("Retry-After"))
            raise _Retryable(response.reason_phrase or "server error", status, wait)
        if not 200 <= status < 300:
            raise FetchError(url, response.reason_phrase or "unexpected status", status)
        content = response.content
        return Fetched(
            url=str(response.url),
            status=status,
            content=content,
            headers={k.lower(): v for k, v in response.headers.items()},
            fetched_at=datetime.now(UTC),
            sha256=hashlib.sha256(content).hexdigest(),
        )

    # -- per-host limits -------------------------------------------------------

    def _host(self, url: str) -> _Host:
        key = _host_key(url)
        host = self._hosts.get(key)
        if host is None:
            host = _Host(
                semaphore=asyncio.Semaphore(self.policy.per_host_concurrency),
                pace_lock=asyncio.Lock(),
                robots_lock=asyncio.Lock(),
            )
            self._hosts[key] = host
        return host

    async def _pace(self, host: _Host) -> None:
        interval = max(self.policy.min_interval_s, host.crawl_delay_s)
        if interval <= 0:
            return
        loop = asyncio.get_running_loop()
        async with host.pace_lock:
            wait = host.next_start - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            host.next_start = loop.time() + interval

    # -- robots.txt --------------------------------------------------------------

    async def _check_robots(self, url: str) -> None:
        robots = await self._robots_for(url)
        if not robots.can_fetch(self.policy.user_agent, url):
            raise RobotsDisallowed(url, "disallowed by robots.txt")

    async def _robots_for(self, url: str) -> RobotFileParser:
        host = self._host(url)
        async with host.robots_lock:
            if host.robots is None:
                host.robots = await self._load_robots(url)
                delay = host.robots.crawl_delay(self.policy.user_agent)
                if delay is not None:
                    host.crawl_delay_s = min(float(delay), self.policy.max_retry_after_s)
            return host.robots

    async def _load_robots(self, url: str) -> RobotFileParser:
        parts = urlsplit(url)
        robots_url = urlunsplit((parts.scheme, parts.netloc, "/robots.txt", "", ""))
        parser = RobotFileParser(robots_url)
        try:
            fetched = await self._fetch(robots_url)
        except FetchError as exc:
            if exc.status in (401, 403):
                parser.parse(["User-agent: *", "Disallow: /"])
                return parser
            if exc.status is not None and 400 <= exc.status < 500 and exc.status != 429:
                parser.parse([])  # no robots.txt: everything allowed
                return parser
            # RFC 9309: an unreachable robots.txt means "assume complete disallow".
            raise RobotsDisallowed(
                url, f"robots.txt unreachable: {exc.reason}", exc.status
            ) from exc
        parser.parse(fetched.content.decode("utf-8", errors="replace").splitlines())
        return parser
