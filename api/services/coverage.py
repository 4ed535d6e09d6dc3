"""Coverage you can read: how much of the money sent into our five countries travels on
routes where we show a real price. Read from the price book (kept at write time), so it
costs one grouped query whatever the size of the quote history.

Each route counts once, in the first of: (a) a real price collected in the last 7 days
(live tier, not sample), (b) a World Bank survey price at most 2 years old (a quarter-only
survey counts from its quarter's last day), (c) nothing real. Shares are of the bilateral
flows stored with the routes (CGD update of the World Bank matrix, 2024; the World
Bank/KNOMAD matrix, about 2017, for pairs CGD lacks, i.e. Iran); routes without a flow
figure are listed apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from api.storage.models import Corridor, CurrentPrice, Quote
from api.storage.pricebook import LIVE, SURVEY

DESTINATIONS = ("AF", "BD", "IQ", "IR", "PK")
LIVE_WINDOW = timedelta(days=7)
SURVEY_WINDOW = timedelta(days=730)  # 2 years
LIVE_SHARE, SURVEY_SHARE, NOTHING = "live", "survey", "nothing"


@dataclass
class Coverage:
    as_of: datetime
    flows_usd: dict[str, Decimal] = field(
        default_factory=lambda: {
            LIVE_SHARE: Decimal(0),
            SURVEY_SHARE: Decimal(0),
            NOTHING: Decimal(0),
        }
    )
    routes: dict[str, list[str]] = field(
        default_factory=lambda: {LIVE_SHARE: [], SURVEY_SHARE: [], NOTHING: []}
    )
    without_flow: list[str] = field(default_factory=list)

    @property
    def total_usd(self) -> Decimal:
        return sum(self.flows_usd.values(), Decimal(0))

    def share_pct(self, kind: str) -> Decimal | None:
        total = self.total_usd
        if not total:
            return None
        return (self.flows_usd[kind] * 100 / total).quantize(Decimal("0.1"))


def coverage(session: Session, now: datetime) -> Coverage:
    corridors = list(
        session.exec(
            select(Corridor)
            .where(col(Corridor.to_country).in_(DESTINATIONS))
            .order_by(col(Corridor.code))
        )
    )
    newest = {
        (code, tier): at
        for code, tier, at in session.execute(
            sa_select(
                col(CurrentPrice.corridor_code),
                col(CurrentPrice.tier),
                func.max(CurrentPrice.observed_at),
            )
            .join(Quote, col(Quote.id) == CurrentPrice.quote_id)
            .where(col(Quote.sample).is_(False))
            .group_by(col(CurrentPrice.corridor_code), col(CurrentPrice.tier))
        ).all()
    }
    out = Coverage(as_of=now)
    for c in corridors:
        live, survey = newest.get((c.code, LIVE)), newest.get((c.code, SURVEY))
        if live is not None and now - live <= LIVE_WINDOW:
            kind = LIVE_SHARE
        elif survey is not None and now - survey <= SURVEY_WINDOW:
            kind = SURVEY_SHARE
        else:
            kind = NOTHING
        out.routes[kind].append(c.code)
        if c.flow_usd is None:
            out.without_flow.append(c.code)
        else:
            out.flows_usd[kind] += c.flow_usd
    return out


def describe(c: Coverage) -> list[str]:
    """What `remit coverage` prints."""
    total = c.total_usd
    counted = sum(map(len, c.routes.values())) - len(c.without_flow)
    lines = [
        f"money sent into {', '.join(DESTINATIONS)} on our {counted} routes with a flow "
        f"figure: USD {total / 1_000_000_000:.1f} bn a year (bilateral flows: CGD 2024; "
        "Iran: World Bank/KNOMAD about 2017)"
    ]
    labels = {
        LIVE_SHARE: "(a) a real price collected in the last 7 days",
        SURVEY_SHARE: "(b) a World Bank survey price at most 2 years old",
        NOTHING: "(c) nothing real",
    }
    for kind, label in labels.items():
        share = c.share_pct(kind)
        lines.append(
            f"{label}: {share if share is not None else '—'} % of the flows "
            f"({len(c.routes[kind])} routes)"
        )
    if c.without_flow:
        lines.append(f"routes without a flow figure (not counted): {', '.join(c.without_flow)}")
    return lines
