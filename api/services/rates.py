"""Reference rates of a pair from every source (cross rates derived and marked), with age."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_
from sqlmodel import Session, col, select

from api.services.compare import BadRequest, NotFound
from api.storage.models import ReferenceRate
from api.storage.rates import RateView, rates_for_pair

STALE_AFTER_DAYS = 7  # official rates are published daily (monthly for the IMF)


@dataclass(frozen=True)
class AgedRate:
    view: RateView
    age_days: int
    stale: bool


def _known(session: Session, code: str) -> bool:
    stmt = select(ReferenceRate.id).where(
        or_(col(ReferenceRate.base) == code, col(ReferenceRate.quote) == code)
    )
    return session.exec(stmt.limit(1)).first() is not None


def pair_rates(
    session: Session, base: str, quote: str, on: date | None, now: datetime
) -> list[AgedRate]:
    """The latest rate of base->quote from every source (in force on ``on`` if given)."""
    base, quote = base.upper(), quote.upper()
    if base == quote:
        raise BadRequest("quote", "must differ from base")
    for name, code in (("base", base), ("quote", quote)):
        if not _known(session, code):
            raise NotFound(name, f"no reference rates for {code}")
    today = on or now.date()
    out = []
    for view in rates_for_pair(session, base, quote, on):
        age = (today - view.as_of).days
        out.append(AgedRate(view, age, age > STALE_AFTER_DAYS))
    return out
