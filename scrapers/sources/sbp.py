"""State Bank of Pakistan: weighted average interbank PKR rates (``BFER_Daily.xlsx``).

Live: ``https://www.sbp.org.pk/assets/document/BFER_Daily.xlsx`` (the current month);
``--backfill`` also reads ``BFER_Daily_Arch.xlsx`` (the archive, same layout).
"""

from __future__ import annotations

from datetime import timedelta

from scrapers.parsers import sbp
from scrapers.sources.base import CollectContext, Collected, Payload, Source

DAILY_PATH = "/assets/document/BFER_Daily.xlsx"
ARCHIVE_PATH = "/assets/document/BFER_Daily_Arch.xlsx"


class SbpSource(Source):
    name = "sbp"
    title = "State Bank of Pakistan (PKR interbank)"
    interval = timedelta(hours=6)
    html = True

    async def collect(self, ctx: CollectContext) -> Collected:
        collected = Collected()
        paths = [ARCHIVE_PATH, DAILY_PATH] if ctx.backfill else [DAILY_PATH]
        for path in paths:  # the archive first, so rates are stored oldest first
            fetched = await self.get(ctx, path)
            observations = await self.parse(sbp.parse, fetched.content)
            collected.add_rates(observations, Payload.of(self.name, fetched))
        return collected
