"""What every source module shares: the context a collection runs in, what it returns,
and the small base class each source fills in.

A source fetches through the one :class:`~scrapers.http.SourceClient`, parses with the pure
parsers in :mod:`scrapers.parsers`, and returns :class:`Collected`: the raw payloads (to be
archived) and the observations that came from them. It never touches the database; the runner
(:mod:`scrapers.runner`) stores everything of one run in one transaction.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import ClassVar, Literal, TypeVar

from api.settings import Settings
from api.storage.quotes import QuoteIn
from api.storage.rates import RateIn
from scrapers.http import Fetched, SourceClient
from scrapers.parsers.types import RateObservation

SourceKind = Literal["rates", "quotes"]
T = TypeVar("T")


class SourceConfigError(RuntimeError):
    """The source cannot run with the current settings (e.g. a missing API key)."""


@dataclass(frozen=True)
class CorridorTarget:
    """A corridor as a quote source needs it (a snapshot, no database session)."""

    code: str
    from_country: str
    to_country: str
    send_currency: str
    receive_currencies: tuple[str, ...]
    ladder: tuple[Decimal, ...]


@dataclass(frozen=True)
class Payload:
    """One fetched body: archived (hash-addressed) in the same transaction as its rows."""

    source: str
    url: str
    content: bytes
    fetched_at: datetime
    content_type: str | None
    sha256: str

    @classmethod
    def of(cls, source: str, fetched: Fetched) -> Payload:
        return cls(
            source=source,
            url=fetched.url,
            content=fetched.content,
            fetched_at=fetched.fetched_at,
            content_type=fetched.headers.get("content-type"),
            sha256=fetched.sha256,
        )


@dataclass(frozen=True)
class QuoteObservation:
    """A provider quote plus what storage needs beyond :class:`QuoteIn`."""

    quote: QuoteIn
    provider_name: str
    provider_type: str  # ours: bank, mto, fintech, ...


@dataclass
class Collected:
    """Everything one run of one source produced, not yet stored."""

    payloads: list[Payload] = field(default_factory=list)
    rates: list[RateIn] = field(default_factory=list)
    quotes: list[QuoteObservation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def observations(self) -> int:
        return len(self.rates) + len(self.quotes)

    def add_rates(self, observations: Sequence[RateObservation], payload: Payload) -> None:
        self.payloads.append(payload)
        self.rates.extend(rate_in(o, payload.sha256) for o in observations)


@dataclass(frozen=True)
class CollectContext:
    client: SourceClient
    settings: Settings
    now: datetime  # collection time (UTC)
    corridors: tuple[CorridorTarget, ...] = ()
    backfill: bool = False

    @property
    def today(self) -> date:
        return self.now.date()


def rate_in(obs: RateObservation, payload_hash: str) -> RateIn:
    return RateIn(
        base=obs.base,
        quote=obs.quote,
        rate=obs.rate,
        rate_type=obs.rate_type,
        source=obs.source,
        as_of=obs.as_of,
        buy=obs.buy,
        sell=obs.sell,
        variant=obs.variant,
        payload_hash=payload_hash,
    )


class Source(ABC):
    """One data source. Subclasses set the class attributes and implement :meth:`collect`."""

    name: ClassVar[str]
    title: ClassVar[str]
    kind: ClassVar[SourceKind] = "rates"
    interval: ClassVar[timedelta] = timedelta(hours=6)
    """How often the scheduler runs it."""
    timeout: ClassVar[timedelta] = timedelta(minutes=5)
    """Hard limit for fetching and parsing one run."""
    html: ClassVar[bool] = False
    """Fetches pages from a website (robots.txt applies) rather than an API."""

    def missing_configuration(self, settings: Settings) -> str | None:
        """Why this source cannot run with these settings (None: it can)."""
        return None

    def base_url(self, settings: Settings) -> str:
        value: str = getattr(settings, f"{self.name}_base_url")
        return value.rstrip("/")

    async def get(
        self,
        ctx: CollectContext,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Fetched:
        """GET ``path`` under this source's configured base URL."""
        url = self.base_url(ctx.settings) + path
        return await ctx.client.get(url, html_page=self.html, params=params, headers=headers)

    async def parse(self, parser: Callable[[bytes], T], content: bytes) -> T:
        """Run a (CPU-bound) parser in a worker thread, so other sources keep fetching."""
        return await asyncio.to_thread(parser, content)

    @abstractmethod
    async def collect(self, ctx: CollectContext) -> Collected:
        """Fetch, parse and return observations (no database access)."""
