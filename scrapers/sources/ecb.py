"""European Central Bank euro reference rates (data API, ``format=csvdata``).

Live: ``https://data-api.ecb.europa.eu/service/data/EXR/D..EUR.SP00.A?format=csvdata&
startPeriod=YYYY-MM-DD`` (the last two weeks; a year with ``--backfill``).
"""

from __future__ import annotations

from datetime import timedelta

from scrapers.parsers import ecb
from scrapers.sources.base import CollectContext, Collected, Payload, Source

PATH = "/service/data/EXR/D..EUR.SP00.A"
RECENT = timedelta(days=14)
BACKFILL = timedelta(days=366)


class EcbSource(Source):
    name = "ecb"
    title = "European Central Bank (EUR reference)"
    interval = timedelta(hours=6)

    async def collect(self, ctx: CollectContext) -> Collected:
        start = ctx.today - (BACKFILL if ctx.backfill else RECENT)
        params = {"format": "csvdata", "startPeriod": start.isoformat()}
        fetched = await self.get(ctx, PATH, params=params)
        collected = Collected()
        observations = await self.parse(ecb.parse, fetched.content)
        collected.add_rates(observations, Payload.of(self.name, fetched))
        return collected
