"""Pure parsers: recorded third-party responses -> typed observations.

No network, no database. Each source module exposes ``parse(content: bytes, ...)``
and raises :class:`ParseError` when the body is not what the module expects
(changed layout, truncated or malformed body) instead of returning nothing.
"""

from __future__ import annotations

from api.ingestion.formats import ParseError
from scrapers.parsers.types import ProviderQuote, RateObservation

__all__ = ["ParseError", "ProviderQuote", "RateObservation"]
