"""GET /api/v1/rates: the latest rate of a pair from every source, cross rates marked."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.http.deps import NowDep, SessionDep
from api.http.present import rate_public
from api.http.schemas import RatePublic
from api.services.rates import STALE_AFTER_DAYS, pair_rates

rates_router = APIRouter(prefix="/api/v1", tags=["public"])

Ccy = Annotated[str, Query(pattern=r"^[A-Za-z]{3}$", description="ISO 4217 code")]


class RateAged(RatePublic):
    age_days: int = Field(description="Days between `as_of` and today (or `date`)")
    stale: bool = Field(description=f"Older than {STALE_AFTER_DAYS} days")


class RatesResponse(BaseModel):
    base: str
    quote: str
    date: dt.date | None = Field(description="The day asked for; null means the latest")
    rates: list[RateAged]


@rates_router.get("/rates", response_model=RatesResponse)
def rates(
    session: SessionDep,
    now: NowDep,
    base: Ccy,
    quote: Ccy,
    date: Annotated[
        dt.date | None,
        Query(description="Rates in force on this day (YYYY-MM-DD); default: the latest"),
    ] = None,
) -> RatesResponse:
    """Every source's latest rate for base->quote: direct, inverted (`via: inverse`) or
    crossed through USD/EUR (`derived: true`), best first (the one margins are measured
    against). Central banks' buy/sell pairs keep both sides beside the mid."""
    found = pair_rates(session, base, quote, date, now)
    return RatesResponse(
        base=base.upper(),
        quote=quote.upper(),
        date=date,
        rates=[
            RateAged(**rate_public(r.view).model_dump(), age_days=r.age_days, stale=r.stale)
            for r in found
        ],
    )
