"""`/providers/{slug}`: what one provider offers on each corridor, and its recent prices."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from fastapi import APIRouter, Response
from sqlmodel import select

from api.http.deps import NowDep, SessionDep
from api.http.present import quote_public
from api.http.schemas import QuotePublic
from api.services.compare import CompareRequest, compare
from api.storage.models import Corridor, Provider, Service
from web.data import (
    HistoryRow,
    corridor_index,
    default_amount,
    every_provider_corridors,
    price_history,
    provider_by_slug,
    provider_corridors,
)
from web.i18n import N_
from web.registers import registers_for
from web.render import PageDep, PageError, render

router = APIRouter(include_in_schema=False)
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


@dataclass(frozen=True)
class CorridorOffers:
    corridor: Corridor
    amount: Decimal
    offers: list[QuotePublic]
    history: list[HistoryRow]


@dataclass(frozen=True)
class ProviderListRow:
    provider: Provider
    corridors: int
    destinations: list[str]


@router.api_route("/providers", methods=["GET", "HEAD"])
def providers_page(page: PageDep, session: SessionDep) -> Response:
    """Every provider we list, by name, with its type and where it sends to."""
    index = corridor_index(session)
    served = every_provider_corridors(session)
    rows = []
    for provider in session.exec(select(Provider)).all():
        assert provider.id is not None
        codes = [c for c in served.get(provider.id, []) if c in index.corridors]
        dests = sorted({page.fmt.country(index.corridors[c].to_country) for c in codes})
        rows.append(ProviderListRow(provider, len(codes), dests))
    rows.sort(key=lambda r: r.provider.name.casefold())
    return render(page, "providers.html", {"rows": rows})


@router.api_route("/providers/{slug}", methods=["GET", "HEAD"])
def provider_page(slug: str, page: PageDep, session: SessionDep, now: NowDep) -> Response:
    provider = provider_by_slug(session, slug) if SLUG.match(slug) else None
    if provider is None:
        raise PageError(
            404,
            N_("Provider not found"),
            N_("We have no provider with this name."),
            field="provider",
            value=slug,
        )
    index = corridor_index(session)
    codes = [c for c in provider_corridors(session, provider) if c in index.corridors]
    amounts = {code: default_amount(index.corridors[code]) for code in codes}
    history = price_history(session, provider, amounts)
    sections: list[CorridorOffers] = []
    sample = False
    for code in codes:
        corridor = index.corridors[code]
        result = compare(
            session,
            CompareRequest(corridor.from_country, corridor.to_country, amounts[code]),
            now,
        )
        mine = [quote_public(q, now) for q in result.quotes if q.provider.slug == provider.slug]
        sample = sample or any(o.sample for o in mine)
        sections.append(CorridorOffers(corridor, amounts[code], mine, history.get(code, [])))
    # Corridors sorted by destination, then sending country, in the reader's language.
    sections.sort(
        key=lambda s: (
            page.fmt.country(s.corridor.to_country),
            page.fmt.country(s.corridor.from_country),
        )
    )
    senders = {index.corridors[c].from_country for c in codes}
    payouts = sorted(
        set(session.exec(select(Service.payout_method).where(Service.provider_id == provider.id)))
    )
    return render(
        page,
        "provider.html",
        {
            "provider": provider,
            "sections": sections,
            "sample": sample,
            "now": now,
            "registers": registers_for(provider.slug, senders),
            "payouts": payouts,
        },
    )
