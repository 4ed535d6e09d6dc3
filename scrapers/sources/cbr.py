"""Bank of Russia daily rates (XML in windows-1251, decimal commas).

Live: ``https://www.cbr.ru/scripts/XML_daily.asp`` (the latest published day).
"""

from __future__ import annotations

from datetime import timedelta

from scrapers.parsers import cbr
from scrapers.sources.base import CollectContext, Collected, Payload, Source

PATH = "/scripts/XML_daily.asp"


class CbrSource(Source):
    name = "cbr"
    title = "Bank of Russia (RUB official)"
    interval = timedelta(hours=6)

    async def collect(self, ctx: CollectContext) -> Collected:
        fetched = await self.get(ctx, PATH)
        collected = Collected()
        observations = await self.parse(cbr.parse, fetched.content)
        collected.add_rates(observations, Payload.of(self.name, fetched))
        return collected
