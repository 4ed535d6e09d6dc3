"""Corridor listing with live provider counts, the time of the newest quote, the newest
World Bank survey shown on the comparison, and what the route has: live, survey, sample or
nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from api.domain.periods import PeriodKind, period_of
from api.storage.models import Corridor, Country, CurrentPrice, Quote, Service
from api.storage.pricebook import LIVE, SURVEY


@dataclass(frozen=True)
class CorridorSummary:
    corridor: Corridor
    from_name: str
    to_name: str
    live_providers: int
    last_update: datetime | None
    sample: bool
    survey_period: str | None = None  # the newest World Bank survey quarter shown, "2025Q1"
    survey_at: datetime | None = None  # when that survey was collected (quarter: its end)

    @property
    def status(self) -> str:
        """What the route has: live (real current prices), sample (invented ones only),
        survey (World Bank survey prices only) or none."""
        if self.live_providers and not self.sample:
            return "live"
        if self.survey_period:
            return "survey"
        return "sample" if self.live_providers else "none"


def list_corridors(session: Session, now: datetime) -> list[CorridorSummary]:
    """Every corridor with its live providers (a current, unexpired, live-tier price), the
    newest of those prices and whether any is sample. One grouped query over the price
    book, whatever the size of the quote history."""
    corridors = list(
        session.exec(select(Corridor).order_by(col(Corridor.to_country), col(Corridor.code)))
    )
    names = {c.code: c.name for c in session.exec(select(Country))}
    longest = max((c.expiry_hours for c in corridors), default=0)
    rows = session.execute(
        sa_select(
            col(CurrentPrice.corridor_code),
            col(Service.provider_id),
            func.max(CurrentPrice.observed_at),
            func.max(case((col(Quote.sample), 1), else_=0)),
        )
        .join(Service, col(Service.id) == CurrentPrice.service_id)
        .join(Quote, col(Quote.id) == CurrentPrice.quote_id)
        .where(
            col(CurrentPrice.tier) == LIVE,
            col(CurrentPrice.observed_at) >= now - timedelta(hours=longest),
        )
        .group_by(col(CurrentPrice.corridor_code), col(Service.provider_id))
    ).all()
    expiry = {c.code: now - timedelta(hours=c.expiry_hours) for c in corridors}
    stats: dict[str, tuple[int, datetime | None, bool]] = {}
    for code, _provider, newest, sample in rows:
        if code not in expiry or newest < expiry[code]:
            continue
        live, last, any_sample = stats.get(code, (0, None, False))
        stats[code] = (
            live + 1,
            newest if last is None else max(last, newest),
            any_sample or bool(sample),
        )
    surveys = {
        code: (newest, period)
        for code, newest, period in session.execute(
            sa_select(
                col(CurrentPrice.corridor_code),
                func.max(CurrentPrice.observed_at),
                func.max(Quote.survey_period),
            )
            .join(Quote, col(Quote.id) == CurrentPrice.quote_id)
            .where(col(CurrentPrice.tier) == SURVEY)
            .group_by(col(CurrentPrice.corridor_code))
        ).all()
    }
    out = []
    for c in corridors:
        live, last, sample = stats.get(c.code, (0, None, False))
        newest, period = surveys.get(c.code, (None, None))
        if newest is not None:
            period = max(period or "", period_of(newest, PeriodKind.QUARTER))
        out.append(
            CorridorSummary(
                c,
                names[c.from_country],
                names[c.to_country],
                live,
                last,
                sample,
                period,
                newest,
            )
        )
    return out
