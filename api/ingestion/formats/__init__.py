"""Readers of the files users upload or import: pure functions from bytes to validated records.

RPW workbook (`rpw`), RPW service rows (`rpw_survey`), World Bank DataBank CSV (`databank`)
and provider feeds (`feed`). No network, no database: `api.services.ingest` and
`api.services.databank` store what they return. A body without the expected layout raises
:class:`ParseError` (the live sources' parsers in `scrapers.parsers` raise the same class).
"""

from __future__ import annotations


class ParseError(ValueError):
    """The response does not have the layout the parser expects."""


__all__ = ["ParseError"]
