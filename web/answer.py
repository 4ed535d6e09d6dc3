"""One story per comparison page: which card leads (and so what the summary says), how the
family collects each offer, the payout choices as links, and the reference rates the page's
margins really use. `routes_compare.results_context` puts these in the page's context."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Generic, TypeVar

from api.http.schemas import QuotePublic, RatePublic
from web import labels

Row = TypeVar("Row")  # routes_compare.ProviderRow (not imported: it imports this module)


@dataclass(frozen=True)
class Lead(Generic[Row]):
    """The card the page puts first, which the summary names."""

    kind: str  # "fresh", "stale" or "survey"
    row: Row


def lead(fresh: Sequence[Row], stale: Sequence[Row], survey: Sequence[Row]) -> Lead[Row] | None:
    """The first card in page order: current offers, then older ones, then the survey."""
    for kind, rows in (("fresh", fresh), ("stale", stale), ("survey", survey)):
        if rows:
            return Lead(kind, rows[0])
    return None


@dataclass(frozen=True)
class PayoutLink:
    value: str
    label: str  # msgid
    query: dict[str, str | None]
    current: bool


def payout_links(
    corridor_from: str,
    corridor_to: str,
    amount: str,
    payouts: Iterable[str],
    current: str,
    kept: dict[str, str | None],
) -> list[PayoutLink]:
    """The "any way" choice and each way the family can collect on this route at this amount, as
    links keeping every other choice (no script needed). Empty when there is no choice."""
    known = [p for p in labels.PAYOUT if p in set(payouts)]
    if len(known) < 2 and current == "any":
        return []
    base = {"from": corridor_from, "to": corridor_to, "amount": amount} | kept
    out = [PayoutLink("any", labels.PAYOUT_FILTER["any"], base | {"payout": None}, False)]
    out += [PayoutLink(p, labels.PAYOUT[p], base | {"payout": p}, False) for p in known]
    return [PayoutLink(link.value, link.label, link.query, link.value == current) for link in out]


def _key(rate_type: str, source: str, as_of: object, rate: Decimal) -> tuple[object, ...]:
    return (rate_type, source, as_of, rate.normalize())


def rates_used(
    offers: Iterable[QuotePublic], published: Sequence[RatePublic], send_currency: str
) -> tuple[list[RatePublic], list[RatePublic]]:
    """(the reference rates the shown offers' margins are measured against, newest first;
    the other published rates). A used rate that is one of the published ones is shown as
    published (with its variant and derivation)."""
    by_key = {_key(r.rate_type, r.source, r.as_of, r.rate): r for r in published}
    used: dict[tuple[object, ...], RatePublic] = {}
    for q in offers:
        if q.mid_rate_as_of is None:
            continue
        key = _key(q.mid_rate_type, q.mid_rate_source, q.mid_rate_as_of, q.mid_rate)
        if key not in used:
            used[key] = by_key.get(key) or RatePublic(
                base=send_currency,
                quote=q.receive_currency,
                rate=q.mid_rate,
                rate_type=q.mid_rate_type,
                source=q.mid_rate_source,
                as_of=q.mid_rate_as_of,
                derived=False,
                sample=q.sample and q.tier != "survey",
            )
    others = [r for k, r in by_key.items() if k not in used]
    ordered = sorted(used.values(), key=lambda r: (r.as_of, r.source), reverse=True)
    return ordered, others
