"""`/compare?from=GB&to=PK&amount=200`: ranked offers, filters, reference rates, and the
empty-corridor explanation. Numbers come from `compare()` via `api.http.present`."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from fastapi import APIRouter, Request, Response

from api.domain.ranking import SortKey
from api.domain.speed import Speed
from api.http.deps import NowDep, SessionDep
from api.http.present import quote_public, rate_public
from api.http.schemas import QuotePublic, RatePublic
from api.services.compare import BadRequest, CompareRequest, CompareResult, NotFound, compare
from api.storage.models import Corridor
from web import labels, params
from web.data import CorridorIndex, corridor_index, default_amount
from web.i18n import N_
from web.render import Page, PageDep, PageError, render

router = APIRouter(include_in_schema=False)

LESSON_MARGIN = "/learn/fee-and-margin"
LESSON_INFORMAL = "/learn/formal-vs-informal"
LESSON_INCENTIVES = "/learn/national-incentives"

# Translated explanations for destinations with a special situation. The English wording of
# the corridor data (data/corridors.yaml) is the reference; these say the same for readers.
INCENTIVE = {
    "PK": N_(
        "Pakistan reimburses the transfer charges of eligible remittances to the sending "
        "institution (Pakistan Remittance Initiative), so many providers show a zero fee to "
        "Pakistan. It does not change the total cost shown here. Terms change: check with "
        "the State Bank of Pakistan."
    ),
    "BD": N_(
        "Bangladesh pays a government cash incentive (2.5% in 2024) to people who receive "
        "money through formal channels; the paying bank adds it. It is not included in the "
        "amounts or the total cost shown here. Check the current rate with Bangladesh Bank."
    ),
}
SANCTIONS_TO_IRAN = N_(
    "International sanctions on Iran mean that no regulated international money "
    "transfer provider pays out in Iran, so there is no price we can compare."
)
SANCTIONS_FROM_IRAN = N_(
    "Sanctions cut Iranian banks off international payment networks, so no regulated "
    "provider publishes prices for transfers from Iran."
)
NO_PROVIDER_OTHER = N_("We found no regulated provider with a current price for this corridor.")
INFORMAL_RISKS = [
    N_("Informal money changers (hawala) are not regulated where you live."),
    N_("If the money is lost or stolen, nobody has to pay it back."),
    N_("Using them may be against the law where you or your family live."),
    N_("Their exchange rates are often far from the official rate, and they vary."),
]


def no_provider_text(corridor: Corridor) -> str:
    if corridor.to_country == "IR":
        return SANCTIONS_TO_IRAN
    if corridor.from_country == "IR":
        return SANCTIONS_FROM_IRAN
    return NO_PROVIDER_OTHER


@dataclass(frozen=True)
class Offer:
    rank: int
    q: QuotePublic


@dataclass(frozen=True)
class Filters:
    payout: str
    speed: str
    provider_type: str
    sort: str
    receive: str | None

    @property
    def active(self) -> bool:
        return (self.payout, self.speed, self.provider_type) != ("any", "any", "any")


def read_filters(page: Page) -> Filters:
    q = page.request.query_params
    return Filters(
        payout=params.choice(q, "payout", labels.PAYOUT_FILTER, "any"),
        speed=params.choice(q, "speed", labels.SPEED_FILTER, "any"),
        provider_type=params.choice(q, "provider_type", labels.PROVIDER_TYPE_FILTER, "any"),
        sort=params.choice(q, "sort", labels.SORT, "received"),
        receive=params.currency(q, "receive"),
    )


def unknown_corridor(page: Page, index: CorridorIndex, src: str, dst: str) -> PageError:
    return PageError(
        404,
        N_("We do not cover this corridor yet"),
        N_("We have no prices for sending from %(src)s to %(dst)s."),
        src=page.fmt.country(src),
        dst=page.fmt.country(dst),
        suggestions=[c for c in index.corridors.values() if c.to_country == dst]
        or [c for c in index.corridors.values() if c.from_country == src],
    )


def run_compare(
    page: Page,
    session: SessionDep,
    now: NowDep,
    corridor: Corridor,
    amount: Decimal,
    filters: Filters,
) -> CompareResult:
    try:
        return compare(
            session,
            CompareRequest(
                corridor.from_country,
                corridor.to_country,
                amount,
                receive_currency=filters.receive,
                payout=filters.payout,
                max_speed=None if filters.speed == "any" else Speed(filters.speed),
                provider_type=None if filters.provider_type == "any" else filters.provider_type,
                sort=SortKey(filters.sort),
            ),
            now,
        )
    except NotFound as exc:
        raise PageError(404, N_("Not found"), exc.message) from None
    except BadRequest as exc:
        value = page.request.query_params.get(exc.field) or ""
        raise PageError(
            400,
            params.BAD_VALUE,
            N_("This is not one of the choices offered."),
            field=exc.field,
            value=value,
        ) from None


@router.api_route("/compare", methods=["GET", "HEAD"])
def compare_page(request: Request, page: PageDep, session: SessionDep, now: NowDep) -> Response:
    q = request.query_params
    src = params.country(q, "from")
    dst = params.country(q, "to")
    amount = params.amount(q, "amount")
    filters = read_filters(page)
    assert src is not None and dst is not None
    index = corridor_index(session)
    corridor = index.get(src, dst)
    if corridor is None:
        raise unknown_corridor(page, index, src, dst)
    if amount is None:
        amount = default_amount(corridor)
    result = run_compare(page, session, now, corridor, amount, filters)
    offers = [Offer(i + 1, quote_public(rq, now)) for i, rq in enumerate(result.quotes)]
    reference = rate_public(result.reference_rate) if result.reference_rate else None
    others: list[RatePublic] = [rate_public(r) for r in result.other_rates]
    ladder = corridor.ladder_amounts()
    sample = result.sample or any(r.sample for r in [*([reference] if reference else []), *others])
    return render(
        page,
        "compare.html",
        {
            "corridor": corridor,
            "amount": amount,
            "result": result,
            "offers": offers,
            "reference": reference,
            "others": others,
            "filters": filters,
            "labels": labels,
            "sample": sample,
            "ladder_min": ladder[0] if ladder else None,
            "ladder_max": ladder[-1] if ladder else None,
            "incentive": INCENTIVE.get(corridor.to_country) if corridor.incentive_note else None,
            "no_provider": no_provider_text(corridor),
            "informal_risks": INFORMAL_RISKS,
            "lesson_margin": LESSON_MARGIN,
            "lesson_informal": LESSON_INFORMAL,
            "lesson_incentives": LESSON_INCENTIVES,
            "stale_after": page.fmt.duration_hours(corridor.fresh_hours),
            "suggested_amounts": ladder,
            "currency_names": {
                c: page.fmt.currency_name(c) for c in corridor.receive_currency_list()
            },
            "now": now,
        },
    )
