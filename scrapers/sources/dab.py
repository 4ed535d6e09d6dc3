"""Da Afghanistan Bank: AFN rates, cash and transfer, sell and buy (HTML table).

Live: ``https://www.dab.gov.af/exchange-rates?field_date_value=YYYY-MM-DD`` for today in
Kabul (UTC+04:30, no daylight saving). The page's own date is stored as ``as_of``; a
holiday page ("There were no results") is a successful run with nothing to store.
"""

from __future__ import annotations

from datetime import timedelta

from scrapers.parsers import dab
from scrapers.sources.base import CollectContext, Collected, Payload, Source

PATH = "/exchange-rates"
KABUL_OFFSET = timedelta(hours=4, minutes=30)


class DabSource(Source):
    name = "dab"
    title = "Da Afghanistan Bank (AFN official)"
    interval = timedelta(hours=3)
    html = True

    async def collect(self, ctx: CollectContext) -> Collected:
        day = (ctx.now + KABUL_OFFSET).date()
        fetched = await self.get(ctx, PATH, params={"field_date_value": day.isoformat()})
        collected = Collected()
        observations = await self.parse(dab.parse, fetched.content)
        if not observations:
            collected.notes.append(f"DAB published no rates for {day} (holiday)")
        collected.add_rates(observations, Payload.of(self.name, fetched))
        return collected
