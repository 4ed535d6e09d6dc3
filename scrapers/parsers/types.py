"""Typed observations produced by the source parsers.

Every number is a ``Decimal`` built from the source's own text; every datetime
is timezone-aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal


@dataclass(frozen=True)
class RateObservation:
    base: str  # ISO 4217, e.g. "USD"
    quote: str  # ISO 4217, e.g. "AFN"; rate = quote units per 1 base unit
    rate: Decimal  # mid (mean of buy/sell when only a pair is published)
    rate_type: str  # "official" | "interbank" | "market"
    source: str  # "sbp" | "dab" | "cbi" | "ecb" | "imf" | "tcmb" | "cbr"
    as_of: date
    buy: Decimal | None = None
    sell: Decimal | None = None
    variant: str = ""  # e.g. "transfer" / "cash" for DAB, so both can be kept


@dataclass(frozen=True)
class ProviderQuote:  # one provider quote from the Wise Comparison API, normalised to OUR model
    provider_alias: str
    provider_name: str
    provider_type: str  # as the spec gives it (e.g. "moneyTransferProvider", "bank")
    source_currency: str
    target_currency: str
    send_amount: Decimal
    fee: Decimal  # paid on top of send_amount (our model, DESIGN.md §2)
    rate: Decimal
    received_amount: Decimal  # send_amount * rate (our model); Wise's own is (send-fee)*rate
    wise_received_amount: Decimal | None
    markup_pct: Decimal | None
    mid_rate: Decimal | None  # the mid rate implied by rate and markup, or the response's mid
    date_collected: datetime  # tz-aware UTC
    delivery_min: timedelta | None
    delivery_max: timedelta | None
    target_country: str | None
    is_consumer_price: bool | None = None
    # Added fields (all optional, straight from the Wise response):
    source_country: str | None = None
    partner: bool | None = None  # provider.partner
    is_mid_market_rate: bool | None = None  # quote.isConsideredMidMarketRate (v4)
    delivery_duration_type: str | None = None  # CALENDAR | BUSINESS | SAME DAY (v3 only)
    provider_gives_estimate: bool | None = None
