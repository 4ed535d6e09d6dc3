"""RPW aggregates over quotes at a basket amount. Pure.

Promotions (flagged by their source, or a negative total cost) are kept apart: the averages,
median, minimum, share and SmaRT are computed without them, so a promotion never makes a
corridor meet SDG 10.c; their count and lowest cost are reported beside. A figure resting on
3 services or fewer, or 2 firms or fewer, is `thin` (UK->AF's published 10.56 % rests on 3
services from 2 firms): it says little about the corridor."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from statistics import median

SDG_TARGET_AVG_PCT = Decimal(3)
SDG_CORRIDOR_MAX_PCT = Decimal(5)
THIN_MAX_SERVICES = 3  # a figure on this many services or fewer is thin
THIN_MAX_FIRMS = 2  # ... or on this many firms or fewer


def is_thin(services: int | None, firms: int | None) -> bool:
    """Too few services or firms to stand for a corridor (unknown counts are not thin)."""
    return (services is not None and services <= THIN_MAX_SERVICES) or (
        firms is not None and firms <= THIN_MAX_FIRMS
    )


@dataclass(frozen=True, slots=True)
class Observation:
    total_cost_pct: Decimal
    transparent: bool = True
    within_5_days: bool = True
    accessible: bool = True
    provider_type: str = ""
    promotional: bool = False
    firm: str = ""

    @property
    def promotion(self) -> bool:
        return self.promotional or self.total_cost_pct < 0


@dataclass(frozen=True, slots=True)
class CorridorAggregate:
    services: int
    average_pct: Decimal | None
    median_pct: Decimal | None
    min_pct: Decimal | None
    smart_pct: Decimal | None
    share_at_or_below_5_pct: Decimal | None
    by_provider_type: dict[str, Decimal]
    firms: int = 0
    promotions: int = 0  # transparent promotional services, left out of the figures above
    promotion_min_pct: Decimal | None = None  # the lowest of them, shown apart

    @property
    def thin(self) -> bool:
        """3 services or fewer, or 2 firms or fewer (promotions left out)."""
        return is_thin(self.services, self.firms)


def _mean(values: Sequence[Decimal]) -> Decimal | None:
    """Summed in ascending order, so the result never depends on the order observations
    arrive in (Decimal sums round at the context's precision)."""
    return sum(sorted(values), Decimal(0)) / len(values) if values else None


def smart(observations: Iterable[Observation]) -> Decimal | None:
    """SmaRT: mean of the three cheapest transparent services arriving within 5 days
    and accessible, promotions left out. None when fewer than three qualify."""
    eligible = sorted(
        o.total_cost_pct
        for o in observations
        if o.transparent and o.within_5_days and o.accessible and not o.promotion
    )
    if len(eligible) < 3:
        return None
    return _mean(eligible[:3])


def aggregate(observations: Iterable[Observation]) -> CorridorAggregate:
    transparent = [o for o in observations if o.transparent]
    promotions = [o.total_cost_pct for o in transparent if o.promotion]
    obs = [o for o in transparent if not o.promotion]
    costs = [o.total_cost_pct for o in obs]
    by_type: dict[str, list[Decimal]] = {}
    for o in obs:
        by_type.setdefault(o.provider_type, []).append(o.total_cost_pct)
    share = (
        Decimal(sum(1 for c in costs if c <= SDG_CORRIDOR_MAX_PCT)) / len(costs) * 100
        if costs
        else None
    )
    return CorridorAggregate(
        services=len(obs),
        average_pct=_mean(costs),
        median_pct=Decimal(median(costs)) if costs else None,
        min_pct=min(costs) if costs else None,
        smart_pct=smart(obs),
        share_at_or_below_5_pct=share,
        by_provider_type={
            k: v for k, v in ((k, _mean(v)) for k, v in by_type.items()) if v is not None
        },
        firms=len({o.firm for o in obs}),
        promotions=len(promotions),
        promotion_min_pct=min(promotions) if promotions else None,
    )


def flow_weighted_average(
    averages: Mapping[str, Decimal], flows: Mapping[str, Decimal]
) -> Decimal | None:
    """Average of corridor averages weighted by each corridor's flow (corridors without a
    flow or an average are left out)."""
    pairs = [(averages[c], flows[c]) for c in averages if c in flows and flows[c] > 0]
    total = sum((w for _, w in pairs), Decimal(0))
    if not pairs or total == 0:
        return None
    return sum((a * w for a, w in pairs), Decimal(0)) / total
