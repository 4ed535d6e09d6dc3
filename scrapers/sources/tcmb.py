"""Central Bank of the Republic of Türkiye, EVDS: TRY forex buying/selling rates.

Live: ``https://evds2.tcmb.gov.tr/service/evds/series=TP.DK.USD.A.YTL-TP.DK.USD.S.YTL-...
&startDate=DD-MM-YYYY&endDate=DD-MM-YYYY&type=json`` (EVDS puts its parameters in the path)
with the API key in the ``key`` header (``REMIT_TCMB_API_KEY``).
"""

from __future__ import annotations

from datetime import date, timedelta

from api.settings import Settings
from scrapers.parsers import tcmb
from scrapers.sources.base import CollectContext, Collected, Payload, Source, SourceConfigError

#: The currencies of the recorded EVDS response (TCMB's indicative rates list).
CURRENCIES = (
    "USD", "EUR", "GBP", "CHF", "JPY", "SAR", "AED", "QAR", "KWD", "PKR", "RUB",
    "CNY", "AUD", "CAD", "DKK", "NOK", "SEK", "RON", "AZN", "KRW", "KZT",
)  # fmt: skip
RECENT = timedelta(days=14)
BACKFILL = timedelta(days=366)


def series() -> str:
    return "-".join(f"TP.DK.{code}.{side}.YTL" for code in CURRENCIES for side in ("A", "S"))


def path(start: date, end: date) -> str:
    return (
        f"/service/evds/series={series()}"
        f"&startDate={start:%d-%m-%Y}&endDate={end:%d-%m-%Y}&type=json"
    )


class TcmbSource(Source):
    name = "tcmb"
    title = "Central Bank of the Republic of Türkiye (TRY)"
    interval = timedelta(hours=6)

    def missing_configuration(self, settings: Settings) -> str | None:
        if not settings.tcmb_api_key:
            return "TCMB EVDS needs an API key: set REMIT_TCMB_API_KEY"
        return None

    async def collect(self, ctx: CollectContext) -> Collected:
        key = ctx.settings.tcmb_api_key
        if not key:
            raise SourceConfigError(self.missing_configuration(ctx.settings) or "no API key")
        start = ctx.today - (BACKFILL if ctx.backfill else RECENT)
        fetched = await self.get(ctx, path(start, ctx.today), headers={"key": key})
        collected = Collected()
        observations = await self.parse(tcmb.parse, fetched.content)
        collected.add_rates(observations, Payload.of(self.name, fetched))
        return collected
