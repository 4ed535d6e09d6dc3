"""Read-only look-ups the pages need beyond the shared services (corridor pickers, a
provider's corridors and stored price history). No cost is computed here: prices come from
`api.services.compare` and from the figures `store_quote` stored with each quote."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session, col, select

from api.storage.models import Corridor, Provider, ProviderCorridor, Quote, Service


@dataclass(frozen=True)
class CorridorIndex:
    corridors: dict[str, Corridor]  # "GB-PK" -> Corridor

    @property
    def senders(self) -> list[str]:
        return sorted({c.from_country for c in self.corridors.values()})

    @property
    def destinations(self) -> list[str]:
        return sorted({c.to_country for c in self.corridors.values()})

    def get(self, src: str | None, dst: str | None) -> Corridor | None:
        if not src or not dst:
            return None
        return self.corridors.get(f"{src}-{dst}")

    def senders_to(self, dst: str) -> list[str]:
        return sorted(c.from_country for c in self.corridors.values() if c.to_country == dst)

    def receive_currencies(self) -> list[str]:
        seen: list[str] = []
        for c in self.corridors.values():
            for ccy in c.receive_currency_list():
                if ccy not in seen:
                    seen.append(ccy)
        return seen


def corridor_index(session: Session) -> CorridorIndex:
    rows = session.exec(select(Corridor).order_by(col(Corridor.code))).all()
    return CorridorIndex({c.code: c for c in rows})


def corridor_of(session: Session, src: str, dst: str) -> Corridor | None:
    """One corridor by its countries (what `corridor_index(session).get(src, dst)` gives,
    without loading every corridor)."""
    return session.get(Corridor, f"{src}-{dst}")


def default_amount(corridor: Corridor) -> Decimal:
    """RPW's USD 200 basket in the send currency, else the first ladder point, else 200."""
    if corridor.basket_200 is not None:
        return corridor.basket_200
    ladder = corridor.ladder_amounts()
    return ladder[0] if ladder else Decimal(200)


def provider_by_slug(session: Session, slug: str) -> Provider | None:
    return session.exec(select(Provider).where(Provider.slug == slug)).first()


def provider_corridors(session: Session, provider: Provider) -> list[str]:
    """Corridors the provider is known to serve or has been seen quoting on."""
    assert provider.id is not None
    return every_provider_corridors(session, provider.id).get(provider.id, [])


def every_provider_corridors(session: Session, only: int | None = None) -> dict[int, list[str]]:
    """`provider_corridors` of every provider (or of the one whose id is `only`) in two
    queries, by provider id."""
    linked = select(ProviderCorridor.provider_id, ProviderCorridor.corridor_code)
    quoted = select(Service.provider_id, Service.corridor_code).distinct()
    if only is not None:
        linked = linked.where(ProviderCorridor.provider_id == only)
        quoted = quoted.where(Service.provider_id == only)
    found: dict[int, set[str]] = {}
    for provider_id, code in [*session.exec(linked), *session.exec(quoted)]:
        found.setdefault(provider_id, set()).add(code)
    return {provider_id: sorted(codes) for provider_id, codes in found.items()}


@dataclass(frozen=True)
class HistoryRow:
    collected_at_iso: str
    quote: Quote
    service: Service


def price_history(
    session: Session, provider: Provider, amounts: dict[str, Decimal], per_corridor: int = 6
) -> dict[str, list[HistoryRow]]:
    """The newest stored quotes of this provider at each corridor's basket amount."""
    if not amounts:
        return {}
    stmt = (
        select(Quote, Service)
        .join(Service, col(Service.id) == Quote.service_id)
        .where(
            Quote.provider_id == provider.id,
            col(Quote.corridor_code).in_(list(amounts)),
        )
        .order_by(col(Quote.collected_at).desc(), col(Quote.id).desc())
    )
    out: dict[str, list[HistoryRow]] = defaultdict(list)
    for quote, service in session.exec(stmt):
        rows = out[quote.corridor_code]
        if quote.send_amount != amounts[quote.corridor_code] or len(rows) >= per_corridor:
            continue
        rows.append(HistoryRow(quote.collected_at.isoformat(), quote, service))
    return dict(out)


def any_sample(session: Session) -> bool:
    return (
        session.exec(select(Quote.id).where(col(Quote.sample).is_(True)).limit(1)).first()
        is not None
    )
