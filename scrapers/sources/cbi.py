"""Central Bank of Iraq: IQD rates from the workbook linked on page 144 (Arabic).

Live: ``https://cbi.iq/page/144``, then the linked ``.xlsx`` (its path is fetched under the
configured base URL, so a replay server can stand in for the whole site).
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from scrapers.parsers import cbi
from scrapers.sources.base import CollectContext, Collected, Payload, Source

PAGE_PATH = "/page/144"


class CbiSource(Source):
    name = "cbi"
    title = "Central Bank of Iraq (IQD official)"
    interval = timedelta(hours=6)
    html = True

    async def collect(self, ctx: CollectContext) -> Collected:
        page = await self.get(ctx, PAGE_PATH)
        link = urlsplit(cbi.find_workbook_url(page.content, page.url))
        path = link.path + (f"?{link.query}" if link.query else "")
        workbook = await self.get(ctx, path)
        collected = Collected(payloads=[Payload.of(self.name, page)])
        observations = await self.parse(cbi.parse, workbook.content)
        collected.add_rates(observations, Payload.of(self.name, workbook))
        return collected
