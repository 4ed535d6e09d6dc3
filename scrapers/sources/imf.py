"""IMF representative exchange rates (currency units per USD; ``(1)`` rows inverted).

Live: ``https://www.imf.org/external/np/fin/data/rms_mth.aspx?SelectDate=YYYY-MM-DD&
reportType=REP&tsvflag=Y``: the month containing ``SelectDate`` (today).
"""

from __future__ import annotations

from datetime import timedelta

from scrapers.parsers import imf
from scrapers.sources.base import CollectContext, Collected, Payload, Source

PATH = "/external/np/fin/data/rms_mth.aspx"


class ImfSource(Source):
    name = "imf"
    title = "IMF representative rates (per USD)"
    interval = timedelta(hours=12)
    html = True

    async def collect(self, ctx: CollectContext) -> Collected:
        params = {"SelectDate": ctx.today.isoformat(), "reportType": "REP", "tsvflag": "Y"}
        fetched = await self.get(ctx, PATH, params=params)
        collected = Collected()
        observations = await self.parse(imf.parse, fetched.content)
        collected.add_rates(observations, Payload.of(self.name, fetched))
        return collected
