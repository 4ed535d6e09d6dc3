"""Public JSON shapes. Decimals travel as strings; money is rounded to the currency's minor
units and percentages to 4 decimal places, for display only."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from api.domain.money import plain

DecimalStr = Annotated[Decimal, PlainSerializer(plain, return_type=str, when_used="json")]

PCT = Decimal("0.0001")


def pct(value: Decimal) -> Decimal:
    return value.quantize(PCT)


def rate(value: Decimal) -> Decimal:
    return value.quantize(Decimal("1E-10")).normalize() if value < 10**12 else value


class CorridorPublic(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    code: str
    from_: str = Field(alias="from", serialization_alias="from")
    to: str
    from_name: str
    to_name: str
    send_currency: str
    receive_currencies: list[str]
    live_providers: int
    last_update: datetime | None
    no_provider_reason: str | None
    incentive_note: str | None = None
    basket_amounts: list[DecimalStr]
    sample: bool


class CorridorList(BaseModel):
    corridors: list[CorridorPublic]


class RatePublic(BaseModel):
    base: str
    quote: str
    rate: DecimalStr
    rate_type: str
    source: str
    as_of: date
    derived: bool
    sample: bool
    variant: str = ""
    via: str | None = None
    buy: DecimalStr | None = None
    sell: DecimalStr | None = None


class ProviderRef(BaseModel):
    slug: str
    name: str
    type: str


class QuotePublic(BaseModel):
    provider: ProviderRef
    fee: DecimalStr
    rate: DecimalStr
    mid_rate: DecimalStr
    mid_rate_type: str
    mid_rate_source: str
    fx_margin_pct: DecimalStr
    fx_margin_amount: DecimalStr
    total_cost_pct: DecimalStr
    total_cost: DecimalStr
    received_amount: DecimalStr
    receive_currency: str
    payout_method: str
    payin_method: str
    speed: str
    collected_at: datetime
    age_hours: int
    source: str
    stale: bool
    estimated: bool
    sample: bool
    promotional: bool
    transparent: bool


class CompareResponse(BaseModel):
    corridor: CorridorPublic
    amount: DecimalStr
    currency: str
    receive_currency: str
    reference_rate: RatePublic | None
    other_reference_rates: list[RatePublic]
    quotes: list[QuotePublic]
    data_as_of: datetime | None
    sample: bool
    notice: str | None
    no_provider_reason: str | None
    excluded_out_of_range: int
    filters: dict[str, str]


class ReceiptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    send_amount: Decimal = Field(
        ge=Decimal("0.01"), le=10**9, description="Amount sent, before the fee"
    )
    send_currency: str = Field(pattern=r"^[A-Za-z]{3}$")
    fee: Decimal = Field(ge=0, le=10**9)
    received_amount: Decimal = Field(gt=0, le=10**15)
    receive_currency: str = Field(pattern=r"^[A-Za-z]{3}$")
    from_: str | None = Field(default=None, alias="from", pattern=r"^[A-Za-z]{2}$")
    to: str | None = Field(default=None, pattern=r"^[A-Za-z]{2}$")


class ReceiptResponse(BaseModel):
    send_amount: DecimalStr
    send_currency: str
    fee: DecimalStr
    received_amount: DecimalStr
    receive_currency: str
    mid_rate: DecimalStr
    mid_rate_source: str
    mid_rate_type: str
    mid_rate_as_of: date
    mid_rate_derived: bool
    applied_rate: DecimalStr
    fx_margin_pct: DecimalStr
    fx_margin_amount: DecimalStr
    total_cost_pct: DecimalStr
    total_cost: DecimalStr
    best_alternative: QuotePublic | None
    best_alternative_corridor: str | None
    extra_received_with_best: DecimalStr | None
    sample: bool
    notice: str | None


class Health(BaseModel):
    status: str
    database: str | None = None
