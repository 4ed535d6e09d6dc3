"""Public JSON shapes. Decimals travel as strings; money is rounded to the currency's minor
units and percentages to 4 decimal places, for display only."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

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
    status: Literal["live", "survey", "sample", "none"] = Field(
        default="none",
        description="What the route has: live (real current prices), survey (World Bank "
        "survey prices only), sample (invented prices only) or none",
    )
    survey_period: str | None = Field(
        default=None, description="The newest World Bank survey quarter shown, e.g. 2025Q1"
    )


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


class SurveyBasket(BaseModel):
    """One surveyed point of a World Bank RPW service, as collected."""

    send_amount: DecimalStr
    fee: DecimalStr
    rate: DecimalStr
    fx_margin_pct: DecimalStr
    total_cost_pct: DecimalStr
    received_amount: DecimalStr


class QuotePublic(BaseModel):
    provider: ProviderRef
    tier: Literal["live", "survey"] = Field(
        description="live: collected quotes; survey: World Bank RPW survey prices (real, old)"
    )
    send_amount: DecimalStr = Field(description="The amount converted (A)")
    you_pay: DecimalStr = Field(description="What the sender pays in total: A + fee")
    fee: DecimalStr
    rate: DecimalStr
    mid_rate: DecimalStr
    mid_rate_type: str
    mid_rate_source: str
    mid_rate_as_of: date | None = Field(
        description="Date of the reference rate the margin is measured against"
    )
    reference_gap_hours: int | None
    reference_outdated: bool = Field(
        description="The reference rate is more than 48 h from the quote's capture: the "
        "margin is not current"
    )
    comparable_with_rpw: bool = Field(
        description="Measured against an interbank rate like the World Bank's RPW (official "
        "or market rates are not comparable)"
    )
    fx_margin_pct: DecimalStr
    fx_margin_amount: DecimalStr
    total_cost_pct: DecimalStr
    total_cost: DecimalStr
    received_amount: DecimalStr
    receive_currency: str
    payout_method: str
    payout_wallets: list[str] = Field(
        default_factory=list,
        description="Wallet payouts: the wallets the service pays into, where a dated source "
        "says so (data/wallets.yaml); empty when none is known",
    )
    payin_method: str
    speed: str
    collected_at: datetime | None = Field(
        description="When the price was captured; null on an invented sample price, which "
        "never carries a capture time"
    )
    age_hours: int | None = Field(description="Hours since capture; null on a sample price")
    source: str
    stale: bool
    estimated: bool
    price_basis: Literal["checked", "between_checked", "above_checked", "below_checked"] = Field(
        description="How the price at exactly the amount asked was found: checked at this "
        "amount; between two amounts checked (the higher fee and the lower rate); above the "
        "largest or below the smallest amount checked (that amount's fee and rate)"
    )
    checked_amount: DecimalStr | None = Field(
        default=None,
        description="above_checked / below_checked: the largest / smallest amount checked, "
        "whose fee and rate the estimate uses",
    )
    sample: bool
    promotional: bool
    transparent: bool
    access_point: str | None = None
    note: str | None = None
    survey_date: date | None = None
    survey_period: str | None = Field(
        default=None,
        description="World Bank survey quarter (e.g. 2025Q1) of a price the survey gives only "
        "as percentages: its fee and rate are estimates at the basket amount, from the "
        "reference rate shown (mid_rate, mid_rate_as_of); the note names the surveyed firm "
        "and its type",
    )
    survey_quarter: str | None = Field(default=None, description='e.g. "Jan–Mar 2025"')
    survey_baskets: list[SurveyBasket] = Field(default_factory=list)


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
    excluded_out_of_range: int = Field(
        description="Services left out because the amount does not cover their fee (every "
        "other service is priced at exactly the amount asked, estimated where needed)"
    )
    filters: dict[str, str]
    fees: Literal["included", "on_top"] = Field(
        description="included: `amount` is what the sender pays in total; on_top: `amount` "
        "is converted and the fee is paid on top"
    )
    survey_quotes: list[QuotePublic] = Field(
        description="World Bank RPW survey prices of providers without a live quote here"
    )
    survey_date: date | None
    survey_periods: list[str] = Field(
        default_factory=list, description="Survey quarters of quarter-only survey prices"
    )
    survey_notice: str | None
    attribution: str | None
    data_version: str


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
    transfer_date: date | None = Field(
        default=None,
        description="Day of the transfer (default today): the reference rate of that day is used",
    )
    confirmed: bool = Field(
        default=False,
        description="The sender says the figures are right: figures far from the reference "
        "rate then get the verdict with a `warning` instead of a 422 question",
    )


class ReceiptAgainst(BaseModel):
    """The transfer measured against one published rate (one per rate type)."""

    rate: RatePublic
    fx_margin_pct: DecimalStr
    total_cost_pct: DecimalStr
    total_cost: DecimalStr
    plausible: bool = Field(description="The implied rate is within 25% of this rate")


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
    transfer_date: date
    reference_rate: RatePublic
    reference_outdated: bool = Field(
        description="The reference rate is more than 48 h older than the transfer's day"
    )
    against: list[ReceiptAgainst] = Field(
        description="The result against each published rate type (e.g. official and market)"
    )
    world_bank_average_pct: DecimalStr | None = Field(
        description="The World Bank RPW average total cost on this corridor (USD 200 basket)"
    )
    world_bank_period: str | None
    world_bank_source: str | None
    basis: Literal["reference", "survey"] = Field(
        description="What the cost is measured against: the published reference rate of the "
        "transfer's date, or (when no published rate lies within 7 days of it) the interbank "
        "rate of the World Bank survey of this route, given as `reference_rate`"
    )
    reference_recent: bool = Field(
        description="A published reference rate lies within 7 days of the transfer's date"
    )
    newest_published_rate: RatePublic = Field(
        description="The newest published rate on or before the transfer's date"
    )
    verdict: Literal["at_or_below_average", "above_average", "expensive", "no_average"] = Field(
        description="The total cost against the World Bank average on this route "
        "(expensive: more than twice the average)"
    )
    above_limit: bool = Field(description="The total cost is above the 5 % of SDG 10.c")
    times_average: DecimalStr | None = Field(description="Total cost / the route's average")
    verdict_text: str = Field(description="The verdict in plain English words")
    warning: Literal["rate_far", "negative_cost", "received_above_mid"] | None = Field(
        description="With `confirmed`: the doubt about the figures that the sender overruled"
    )
    warning_text: str | None
    sample: bool
    notice: str | None


class Health(BaseModel):
    status: str
    database: str | None = None
