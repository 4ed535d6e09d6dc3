"""Database tables. Money and rates are ExactDecimal; datetimes are UTCDateTime."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from api.storage.types import ExactDecimal, UTCDateTime, utcnow


def money(nullable: bool = False) -> Decimal:
    """A Field holding an exact decimal."""
    result: Decimal = Field(sa_type=ExactDecimal, nullable=nullable)
    return result


def money_opt() -> Decimal | None:
    result: Decimal | None = Field(default=None, sa_type=ExactDecimal, nullable=True)
    return result


def utc(nullable: bool = False, *, index: bool = False) -> datetime:
    result: datetime = Field(sa_type=UTCDateTime, nullable=nullable, index=index)
    return result


class Country(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=2)
    iso3: str = Field(max_length=3)
    name: str
    currency: str = Field(max_length=3)


class Currency(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=3)
    name: str
    minor_units: int = 2


class Corridor(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=5)  # "GB-PK"
    from_country: str = Field(foreign_key="country.code", max_length=2)
    to_country: str = Field(foreign_key="country.code", max_length=2)
    send_currency: str = Field(max_length=3)
    receive_currencies: str  # space separated, e.g. "AFN USD"
    basket_200: Decimal | None = money_opt()  # USD 200 equivalent in send currency (RPW)
    basket_500: Decimal | None = money_opt()
    ladder: str  # space separated amount points in send currency
    fresh_hours: int
    expiry_hours: int
    no_provider_reason: str | None = None
    incentive_note: str | None = None
    flow_usd: Decimal | None = money_opt()
    flow_source: str | None = None

    def receive_currency_list(self) -> list[str]:
        return self.receive_currencies.split()

    def ladder_amounts(self) -> list[Decimal]:
        return [Decimal(x) for x in self.ladder.split()]


class Provider(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, index=True, max_length=64)
    name: str
    type: str = Field(max_length=20)  # bank, mto, post, mobile, fintech, exchange_house
    website: str | None = None


class ProviderCorridor(SQLModel, table=True):
    """Which providers are known to serve which corridor (reference data)."""

    provider_id: int = Field(foreign_key="provider.id", primary_key=True)
    corridor_code: str = Field(foreign_key="corridor.code", primary_key=True, max_length=5)


class Service(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint(
            "provider_id",
            "corridor_code",
            "payin_method",
            "payout_method",
            "payout_currency",
            "speed",
            "access_point",
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    corridor_code: str = Field(foreign_key="corridor.code", index=True, max_length=5)
    payin_method: str = Field(max_length=10)
    payout_method: str = Field(max_length=10)
    payout_currency: str = Field(max_length=3)
    speed: str = Field(max_length=12)
    # How the sender reaches the service where a source says so (RPW: internet, agent,
    # call_centre); "" when the source does not distinguish.
    access_point: str = Field(default="", max_length=12)


class Quote(SQLModel, table=True):
    __table_args__ = (Index("ix_quote_corridor_collected", "corridor_code", "collected_at"),)
    id: int | None = Field(default=None, primary_key=True)
    service_id: int = Field(foreign_key="service.id", index=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    corridor_code: str = Field(foreign_key="corridor.code", max_length=5)
    send_amount: Decimal = money()
    send_currency: str = Field(max_length=3)
    fee: Decimal = money()
    rate: Decimal = money()
    receive_currency: str = Field(max_length=3)
    receive_fee: Decimal = money()
    mid_rate: Decimal = money()
    mid_rate_type: str = Field(max_length=12)
    mid_rate_source: str = Field(max_length=32)
    fx_margin_pct: Decimal = money()
    total_cost_pct: Decimal = money()
    total_cost: Decimal = money()
    received_amount: Decimal = money()
    markup_pct: Decimal | None = money_opt()
    speed: str = Field(max_length=12)
    payout_method: str = Field(max_length=10)
    collected_at: datetime = utc()
    source_captured_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    source: str = Field(max_length=32)
    payload_hash: str | None = Field(default=None, max_length=64)
    sample: bool = False
    estimated: bool = False
    promotional: bool = False
    transparent: bool = True
    dedupe_key: str = Field(unique=True, max_length=64)
    # Delivery estimate in seconds as the source states it (Wise: min/max; None = open end).
    delivery_min_s: Decimal | None = money_opt()
    delivery_max_s: Decimal | None = money_opt()
    # The date of the reference rate the margin was measured against (the rate nearest the
    # capture time), and a note the source attached (RPW: promotions, alternative rates).
    mid_rate_as_of: date | None = None
    note: str | None = None


class CurrentPrice(SQLModel, table=True):
    """The price book: the newest observation per (service, amount point), maintained in the
    transaction that stores quotes (api/storage/pricebook.py). The quote history stays
    append-only; compare reads only these rows for one corridor."""

    __tablename__ = "current_price"
    __table_args__ = (Index("ix_current_price_corridor", "corridor_code", "tier"),)
    service_id: int = Field(foreign_key="service.id", primary_key=True)
    amount_key: str = Field(primary_key=True, max_length=40)  # normalised send amount
    corridor_code: str = Field(foreign_key="corridor.code", max_length=5)
    tier: str = Field(max_length=8)  # live, survey
    quote_id: int = Field(foreign_key="quote.id")
    observed_at: datetime = utc()  # the source's capture time, else our collection time


class DataVersion(SQLModel, table=True):
    """A counter per corridor (and "*" for reference rates) bumped whenever something the
    comparison shows is stored: caches and ETags key on it."""

    __tablename__ = "data_version"
    scope: str = Field(primary_key=True, max_length=8)
    version: int = 0


class ReferenceRate(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("base", "quote", "source", "rate_type", "variant", "as_of"),
        Index("ix_refrate_pair_asof", "base", "quote", "as_of"),
    )
    id: int | None = Field(default=None, primary_key=True)
    base: str = Field(max_length=3)
    quote: str = Field(max_length=3)
    rate: Decimal = money()
    buy: Decimal | None = money_opt()
    sell: Decimal | None = money_opt()
    rate_type: str = Field(max_length=12)  # interbank, official, market
    source: str = Field(max_length=32)
    variant: str = Field(default="", max_length=16)
    as_of: date
    derived: bool = False
    sample: bool = False
    collected_at: datetime = utc()
    payload_hash: str | None = Field(default=None, max_length=64)


class CollectorRun(SQLModel, table=True):
    __table_args__ = (Index("ix_collectorrun_source_started", "source", "started_at"),)
    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=32, index=True)
    started_at: datetime = utc()
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    status: str = Field(default="running", max_length=10)  # running, ok, partial, failed
    rows_stored: int = 0
    rows_rejected: int = 0
    error: str | None = None
    rows_duplicate: int = 0
    worker: str | None = Field(default=None, max_length=96)  # host:pid running it


class RawPayload(SQLModel, table=True):
    sha256: str = Field(primary_key=True, max_length=64)
    source: str = Field(max_length=32)
    url: str
    fetched_at: datetime = utc()
    content_type: str | None = None
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class RpwObservation(SQLModel, table=True):
    """One row of the World Bank RPW dataset (source = rpw)."""

    id: int | None = Field(default=None, primary_key=True)
    row_key: str = Field(unique=True, max_length=64)
    period: str = Field(max_length=8, index=True)  # "2025Q3"
    corridor_code: str | None = Field(default=None, max_length=5, index=True)  # ours, "GB-PK"
    rpw_corridor: str = Field(max_length=6)  # "GBRPAK"
    firm: str
    firm_type: str | None = None
    payment_instrument: str | None = None
    access_point: str | None = None
    speed_actual: str | None = None
    cc1_amount: Decimal | None = money_opt()
    cc1_currency: str | None = None
    cc1_fee: Decimal | None = money_opt()
    cc1_fx_rate: Decimal | None = money_opt()
    cc1_fx_margin: Decimal | None = money_opt()
    cc1_total_cost_pct: Decimal | None = money_opt()
    cc2_amount: Decimal | None = money_opt()
    cc2_total_cost_pct: Decimal | None = money_opt()
    transparent: bool = True
    surveyed_on: date | None = None
    source: str = Field(default="rpw", max_length=8)


class ApiKey(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    key_hash: str = Field(unique=True, max_length=64)  # HMAC-SHA256(secret key, key)
    created_at: datetime = utc()
    revoked: bool = False
    scopes: str = Field(default="read", max_length=100)  # space separated: read ingest orgs
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    hash_scheme: str = Field(default="hmac", max_length=12)  # "sha256": before 0005, revoked


class SchedulerLock(SQLModel, table=True):
    name: str = Field(primary_key=True, max_length=32)
    holder: str
    heartbeat_at: datetime = utc()


# -- trends rollups and published World Bank series (migration 0004_rollups) -------------------


class TrendRollup(SQLModel, table=True):
    """Per corridor x period x basket x source x service: the one observation the RPW
    aggregates use (the service's newest non-estimated quote at exactly the basket amount in
    that period). Maintained when quotes are stored (api/storage/rollups.py); for imported
    RPW workbook rows (service_key "w:<row_key>") each row is its own observation."""

    __table_args__ = (
        UniqueConstraint(
            "corridor_code",
            "period_kind",
            "period",
            "basket_usd",
            "source",
            "service_key",
            name="uq_trendrollup_key",
        ),
        Index("ix_trendrollup_read", "period_kind", "basket_usd", "corridor_code", "period"),
    )
    id: int | None = Field(default=None, primary_key=True)
    corridor_code: str = Field(max_length=5)
    period_kind: str = Field(max_length=8)  # day, week, month, quarter
    period: str = Field(max_length=10)  # "2026-11-27", "2026-W48", "2026-11", "2026Q4"
    basket_usd: int
    source: str = Field(max_length=32)
    service_key: str = Field(max_length=72)  # "q:<service id>" or "w:<rpw row key>"
    provider_key: str = Field(max_length=128)  # provider id, or the RPW firm name
    provider_type: str = Field(default="", max_length=64)
    total_cost_pct: Decimal = money()
    transparent: bool = True
    within_5_days: bool = True
    accessible: bool = True
    sample: bool = False
    # a promotion (flagged by its source, or a negative total cost): kept apart from the
    # averages and SmaRT, so a promotion never makes a corridor meet SDG 10.c
    promotional: bool = False
    observed_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    quote_id: int = 0  # tie-break for equal times (0 for RPW workbook rows)
    input_key: str = Field(max_length=72)  # payload hash, dedupe key or RPW row key


class PublishedSeriesPoint(SQLModel, table=True):
    """One published World Bank figure imported from a file (the DataBank corridor history):
    stored as published, never recomputed. `corridor_code` uses ISO 3166 alpha-2 codes
    ("GB-PK") whether or not we serve the corridor."""

    __table_args__ = (
        UniqueConstraint("series_code", "corridor_code", "period", "basket_usd"),
        Index("ix_publishedseries_corridor", "corridor_code", "basket_usd", "period"),
    )
    id: int | None = Field(default=None, primary_key=True)
    series_code: str = Field(max_length=16)  # "ATCR.CORR"
    series_name: str
    corridor_code: str = Field(max_length=5)
    sending_iso3: str = Field(max_length=3)
    receiving_iso3: str = Field(max_length=3)
    period: str = Field(max_length=8)  # "2014Q3"
    basket_usd: int = 200
    average_pct: Decimal = money()
    source_file: str
    file_sha256: str = Field(max_length=64)
    imported_at: datetime = utc()


class RpwHistoryPoint(SQLModel, table=True):
    """One quarterly mean of World Bank RPW service rows at the USD 200 basket, computed from
    the World Bank's dataset by a third party (data/reference/README.md): not a World Bank
    published figure and not ours. `total_cost_pct` = fee_pct + fx_margin_pct (RPW's
    definition); the file's own speed-penalised index is not stored."""

    __table_args__ = (UniqueConstraint("corridor_code", "period", "basket_usd"),)
    id: int | None = Field(default=None, primary_key=True)
    corridor_code: str = Field(max_length=5, index=True)  # "SA-PK", ISO 3166 alpha-2
    sending_iso3: str = Field(max_length=3)
    receiving_iso3: str = Field(max_length=3)
    period: str = Field(max_length=8)  # "2016Q2"
    basket_usd: int = 200
    fee_pct: Decimal = money()
    fx_margin_pct: Decimal = money()
    total_cost_pct: Decimal = money()
    providers: int
    source_file: str
    file_sha256: str = Field(max_length=64)
    imported_at: datetime = utc()


# -- widget organisations (issue 12) ------------------------------------------------------------


class Organisation(SQLModel, table=True):
    """A site that embeds the widget: the origins allowed to frame it and its defaults."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, index=True, max_length=40)
    name: str = Field(max_length=200)
    origins: str  # space separated, e.g. "https://a.example https://www.a.example"
    corridors: str = ""  # space separated corridor codes the widget offers; "" = all
    default_from: str | None = Field(default=None, max_length=2)
    default_to: str | None = Field(default=None, max_length=2)
    default_lang: str | None = Field(default=None, max_length=8)
    count_views: bool = False
    created_at: datetime = utc()

    def origin_list(self) -> list[str]:
        return self.origins.split()

    def corridor_list(self) -> list[str]:
        return self.corridors.split()


class WidgetViewDay(SQLModel, table=True):
    """How many times an organisation's widget was served on a UTC day (nothing else)."""

    organisation_id: int = Field(
        foreign_key="organisation.id", primary_key=True, ondelete="CASCADE"
    )
    day: date = Field(primary_key=True)
    views: int = 0


__all__ = [
    "ApiKey",
    "CollectorRun",
    "Corridor",
    "Country",
    "Currency",
    "CurrentPrice",
    "DataVersion",
    "Organisation",
    "Provider",
    "ProviderCorridor",
    "Quote",
    "RawPayload",
    "ReferenceRate",
    "RpwObservation",
    "SchedulerLock",
    "Service",
    "WidgetViewDay",
    "utcnow",
]
