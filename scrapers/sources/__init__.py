"""The data sources: one module each, and the registry the runner and scheduler use."""

from __future__ import annotations

from api.settings import Settings
from scrapers.http import ClientPolicy, build_user_agent
from scrapers.sources.base import (
    CollectContext,
    Collected,
    CorridorTarget,
    Payload,
    QuoteObservation,
    Source,
    SourceConfigError,
)
from scrapers.sources.cbi import CbiSource
from scrapers.sources.cbr import CbrSource
from scrapers.sources.dab import DabSource
from scrapers.sources.ecb import EcbSource
from scrapers.sources.imf import ImfSource
from scrapers.sources.sbp import SbpSource
from scrapers.sources.tcmb import TcmbSource
from scrapers.sources.wise import WiseSource

SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        WiseSource(),
        SbpSource(),
        DabSource(),
        CbiSource(),
        EcbSource(),
        ImfSource(),
        TcmbSource(),
        CbrSource(),
    )
}


class UnknownSource(KeyError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        return f"unknown source {self.name!r}; known sources: {', '.join(SOURCES)}"


def get_source(name: str) -> Source:
    try:
        return SOURCES[name.strip().lower()]
    except KeyError:
        raise UnknownSource(name) from None


def client_policy(settings: Settings) -> ClientPolicy:
    """The one HTTP client policy, from settings (REMIT_HTTP_*)."""
    return ClientPolicy(
        user_agent=build_user_agent(),
        per_host_concurrency=settings.http_per_host_concurrency,
        min_interval_s=settings.http_min_interval_s,
        timeout_s=settings.http_timeout_s,
        connect_timeout_s=min(10.0, settings.http_timeout_s),
        max_retries=settings.http_max_retries,
        backoff_base_s=settings.http_backoff_base_s,
        max_retry_after_s=settings.http_max_retry_after_s,
    )


__all__ = [
    "SOURCES",
    "CollectContext",
    "Collected",
    "CorridorTarget",
    "Payload",
    "QuoteObservation",
    "Source",
    "SourceConfigError",
    "UnknownSource",
    "client_policy",
    "get_source",
]
