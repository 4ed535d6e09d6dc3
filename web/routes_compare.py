"""`/compare?from=GB&to=PK&amount=200`: ranked offers, filters, reference rates, and the
empty-corridor explanation. Numbers come from `compare()` via `api.http.present`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlmodel import Session
from starlette.datastructures import QueryParams

from api.domain.ranking import FeesMode, SortKey
from api.domain.speed import Speed
from api.http.deps import NowDep, SessionDep
from api.http.present import quote_public, rate_public
from api.http.schemas import QuotePublic, RatePublic
from api.services.compare import (
    BOOK,
    BadRequest,
    CompareRequest,
    CompareResult,
    NotFound,
    compare,
    corridor_version,
)
from api.services.segments import compare_kept
from api.settings import get_settings
from api.storage.models import Corridor
from web import answer, labels, lean_page, params
from web.amounts import Ambiguous, AmountError, canonical
from web.data import CorridorIndex, corridor_index, corridor_of, default_amount
from web.i18n import N_
from web.pagecache import cached_page
from web.render import Page, PageDep, PageError, render

router = APIRouter(include_in_schema=False)

LESSON_MARGIN = "/learn/fee-and-margin"
LESSON_INFORMAL = "/learn/formal-vs-informal"
LESSON_INCENTIVES = "/learn/national-incentives"

# Translated explanations for destinations with a special situation. The English wording of
# the corridor data (data/corridors.yaml) is the reference; these say the same for readers.
INCENTIVE = {
    "PK": N_(
        "Pakistan reimburses the transfer charges of remittances of USD 200 or more to the "
        "sending institution (Pakistan Remittance Initiative, since 1 July 2025), so many "
        "providers show a zero fee to Pakistan for such amounts. Smaller transfers are not "
        "covered. It does not change the total cost shown here. Terms change: check with "
        "the State Bank of Pakistan."
    ),
    "BD": N_(
        "Bangladesh pays a government cash incentive (2.5%: the rate in 2024) to people who "
        "receive money through formal channels; the paying bank adds it. It is not included in the "
        "amounts or the total cost shown here. Check the current rate with Bangladesh Bank."
    ),
}
# facts.md #20-21: the US licence covers US banks only; the EU restricts transfers to
# Iranian banks again since 30 Sep 2025 (Council Regulation (EU) 2025/1975).
SANCTIONS_TO_IRAN = N_(
    "No major international provider pays out in Iran because of sanctions. A US Treasury "
    "licence covers only some family remittances through US banks; it does not apply where "
    "you live unless you send from the United States. Since 30 September 2025 the EU again "
    "restricts transfers to Iranian banks, and the UK, Canada, Türkiye and the UAE have "
    "their own rules: ask your bank before you send. Nobody publishes prices for such "
    "transfers, so there is no price we can compare."
)
SANCTIONS_FROM_IRAN = N_(
    "Sanctions cut Iranian banks off international payment networks, so no regulated "
    "provider publishes prices for transfers from Iran."
)
SANCTIONS_FROM_IRAN_TO_AFGHANISTAN = N_(
    "Sanctions cut Iranian banks off international payment networks, so no regulated "
    "provider publishes prices for transfers from Iran. The World Bank has never surveyed "
    "this route, although Iran sends more money to Afghanistan than any other country."
)
# Routes with nothing real say why: no price collected is not "no regulated provider".
NO_PRICE_IRAQ = N_(
    "The World Bank does not survey transfers into Iraq, and we have not collected a price "
    "on this route yet. Here are the official and market rates, so you can check the rate "
    "you are offered."
)
NO_PRICE_COLLECTED = N_(
    "We have not collected a price on this route yet, and the World Bank has not surveyed it "
    "in its latest rounds."
)
NO_PRICE_HEADING = N_("No price collected yet")
NO_PROVIDER_HEADING = N_("No regulated provider found")
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
        if corridor.to_country == "AF":
            return SANCTIONS_FROM_IRAN_TO_AFGHANISTAN
        return SANCTIONS_FROM_IRAN
    if corridor.to_country == "IQ":
        return NO_PRICE_IRAQ
    return NO_PRICE_COLLECTED


def no_provider_heading(corridor: Corridor) -> str:
    """Only sanctions mean no regulated provider; elsewhere we have no price yet."""
    sanctions = "IR" in (corridor.from_country, corridor.to_country)
    return NO_PROVIDER_HEADING if sanctions else NO_PRICE_HEADING


# Option texts sit under the label "Fees": "Fees: included", "Fees: on top".
FEES = {"included": N_("included"), "on_top": N_("on top")}


@dataclass(frozen=True)
class Margin:
    """The reference rate behind one offer's margin, and how to label it."""

    as_of: date | None
    rate_type: str
    outdated: bool  # more than 48 h from the price's capture: never called current
    comparable: bool  # interbank only: comparable with the World Bank's figures


@dataclass(frozen=True)
class Option:
    q: QuotePublic
    you_pay: Decimal
    margin: Margin


@dataclass(frozen=True)
class ProviderRow:
    """One provider: its cheapest option first, the others (payout ways, speeds) beneath."""

    rank: int
    name: str
    slug: str
    type: str
    website: str | None
    options: list[Option]

    @property
    def best(self) -> Option:
        return self.options[0]


@dataclass(frozen=True)
class Filters:
    payout: str
    speed: str
    provider_type: str
    sort: str
    receive: str | None
    fees: str

    @property
    def active(self) -> bool:
        return (self.payout, self.speed, self.provider_type) != ("any", "any", "any")

    def link(self, corridor: Corridor, amount: str) -> dict[str, str | None]:
        """Query of /compare for another amount with every other choice kept."""
        here = {"from": corridor.from_country, "to": corridor.to_country, "amount": amount}
        return here | self.query()

    def query(self) -> dict[str, str | None]:
        return {
            "payout": None if self.payout == "any" else self.payout,
            "speed": None if self.speed == "any" else self.speed,
            "provider_type": None if self.provider_type == "any" else self.provider_type,
            "sort": None if self.sort == "total_cost" else self.sort,
            "receive": self.receive,
            "fees": None if self.fees == "included" else self.fees,
        }


def _pick(
    q: QueryParams, name: str, allowed: dict[str, str], default: str, errors: dict[str, str]
) -> str:
    """A choice from the query; a value not offered keeps the default and notes an error."""
    try:
        return params.choice(q, name, allowed, default)
    except PageError as exc:
        errors[name] = exc.message
        return default


def _sort(q: QueryParams, errors: dict[str, str]) -> str:
    # "received" was the old default; in the fees-included mode it is the same order.
    if q.get("sort") == "received":
        return "total_cost"
    return _pick(q, "sort", labels.SORT, "total_cost", errors)


def read_filters(page: Page, errors: dict[str, str]) -> Filters:
    q = page.request.query_params
    try:
        receive = params.currency(q, "receive")
    except PageError as exc:
        errors["receive"], receive = exc.message, None
    return Filters(
        payout=_pick(q, "payout", labels.PAYOUT_FILTER, "any", errors),
        speed=_pick(q, "speed", labels.SPEED_FILTER, "any", errors),
        provider_type=_pick(q, "provider_type", labels.PROVIDER_TYPE_FILTER, "any", errors),
        sort=_sort(q, errors),
        receive=receive,
        fees=_pick(q, "fees", FEES, "included", errors),
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


def _request(corridor: Corridor, amount: Decimal, filters: Filters) -> CompareRequest:
    args: dict[str, Any] = {
        "receive_currency": filters.receive,
        "payout": filters.payout,
        "max_speed": None if filters.speed == "any" else Speed(filters.speed),
        "provider_type": None if filters.provider_type == "any" else filters.provider_type,
        "sort": SortKey(filters.sort),
    }
    args["fees"] = FeesMode(filters.fees)
    return CompareRequest(corridor.from_country, corridor.to_country, amount, **args)


def run_compare(
    page: Page,
    session: SessionDep,
    now: NowDep,
    corridor: Corridor,
    amount: Decimal,
    filters: Filters,
    errors: dict[str, str],
    version: str | None = None,
) -> CompareResult | None:
    try:
        req = _request(corridor, amount, filters)
        if version is None:
            return compare(session, req, now)
        return compare_kept(session, req, now, version)  # from the amount's segment if kept
    except NotFound as exc:
        raise PageError(404, N_("Not found"), exc.message) from None
    except BadRequest as exc:
        field = "receive" if exc.field == "receive_currency" else exc.field
        errors[field] = N_("This is not one of the choices offered.")
        return None


def margin_of(q: QuotePublic) -> Margin:
    return Margin(q.mid_rate_as_of, q.mid_rate_type, q.reference_outdated, q.comparable_with_rpw)


def option_of(q: QuotePublic) -> Option:
    return Option(q, q.you_pay, margin_of(q))


def provider_rows(
    quotes: list[QuotePublic], websites: dict[str, str | None], start: int = 1
) -> list[ProviderRow]:
    """Group ranked quotes by provider, keeping the ranking: a provider's row sits where
    its cheapest option ranks, its other options beneath it."""
    rows: dict[str, ProviderRow] = {}
    for q in quotes:
        slug = q.provider.slug
        if slug not in rows:
            rows[slug] = ProviderRow(
                start + len(rows), q.provider.name, slug, q.provider.type, websites.get(slug), []
            )
        rows[slug].options.append(option_of(q))
    return list(rows.values())


@router.api_route("/compare", methods=["GET", "HEAD"])
def compare_page(request: Request, page: PageDep, session: SessionDep, now: NowDep) -> Response:
    q = request.query_params
    src = params.country(q, "from")
    dst = params.country(q, "to")
    assert src is not None and dst is not None
    # The page is fixed by its address, language, minute and the corridor's data version: a
    # matching If-None-Match is a 304 before anything is rendered, a repeat comes from memory.
    version = corridor_version(session, src, dst)
    # The corridor as the price book of this version read it (what compare() prices with),
    # without a database read when the book is held.
    corridor = BOOK.held_corridor(session, src, dst, version) or corridor_of(session, src, dst)
    if corridor is None:
        raise unknown_corridor(page, corridor_index(session), src, dst)
    return cached_page(
        page,
        now,
        ("compare", version),
        lambda: _compare_page(request, page, session, now, corridor, version),
        enabled=get_settings().compare_cache_s > 0,
    )


def _compare_page(
    request: Request,
    page: Page,
    session: Session,
    now: datetime,
    corridor: Corridor,
    version: str,
) -> Response:
    q = request.query_params
    errors: dict[str, str] = {}
    error_values: dict[str, dict[str, object]] = {}
    filters = read_filters(page, errors)
    raw_amount = (q.getlist("amount") or [""])[-1].strip()[:80]
    amount: Decimal | None = None
    ambiguous: Ambiguous | None = None
    if not raw_amount:
        amount = default_amount(corridor)
    else:
        try:
            found = params.read_amount(
                raw_amount, page.language.babel, currency=corridor.send_currency
            )
        except AmountError as exc:
            errors["amount"], error_values["amount"] = exc.msgid, exc.values
        else:
            if isinstance(found, Ambiguous):
                ambiguous = found
            else:
                amount = found
    result = None
    if amount is not None and not errors:
        result = run_compare(page, session, now, corridor, amount, filters, errors, version)

    def page_context() -> dict[str, Any]:  # not needed for a page written from its shape
        context = base_context(page, corridor, filters, errors, error_values)
        context.update(
            {
                "raw_amount": raw_amount if amount is None else canonical(amount),
                "amount": amount,
                "ambiguous": ambiguous,
                "result": result,
            }
        )
        return context

    if result is None:
        lean_page.rendering()
        return render(page, "compare.html", page_context(), status=400 if errors else 200)
    assert amount is not None
    if not errors:

        def shape_context(s: lean_page.StandIns) -> dict[str, Any]:
            figures = {"raw_amount": s.amount_text, "amount": s.amount}
            offers = offers_context(
                s.page, now, corridor, s.amount_text, result, filters, s.quotes, s.survey
            )
            return page_context() | figures | offers

        body = lean_page.compare_page_bytes(
            page, corridor, version, raw_amount, amount, result, now, shape_context
        )
        if body is not None:  # the bytes `render` writes below, without rendering
            return Response(body, media_type="text/html", headers={"Vary": "Accept-Language"})
    lean_page.rendering()
    context = page_context()
    context.update(results_context(page, session, now, corridor, amount, result, filters))
    return render(page, "compare.html", context)


def base_context(
    page: Page,
    corridor: Corridor,
    filters: Filters,
    errors: dict[str, str],
    error_values: dict[str, dict[str, object]],
) -> dict[str, Any]:
    ladder = corridor.ladder_amounts()
    return {
        "corridor": corridor,
        "filters": filters,
        "errors": errors,
        "error_values": error_values,
        "labels": labels,
        "fees_modes": FEES,
        "ladder_min": ladder[0] if ladder else None,
        "ladder_max": ladder[-1] if ladder else None,
        "suggested_amounts": ladder,
        "lesson_margin": LESSON_MARGIN,
        "lesson_informal": LESSON_INFORMAL,
        "lesson_incentives": LESSON_INCENTIVES,
        "stale_after": page.fmt.duration_hours(corridor.fresh_hours),
        "currency_names": {c: page.fmt.currency_name(c) for c in corridor.receive_currency_list()},
        "sample": False,
        "offers": [],
    }


def survey_when(page: Page, result: CompareResult, survey: list[QuotePublic]) -> str:
    """When the survey prices shown were collected: the days of dated rows ("Aug 8, 2025 –
    Aug 28, 2025") and the quarters of rows known only by quarter ("Jan – Mar 2025")."""
    parts = [page.fmt.quarter(p) for p in result.survey_periods]
    last = result.survey_date
    if last is not None:
        first = min((d for o in survey if (d := o.survey_date)), default=last)
        days = (
            page.fmt.day(last) if first == last else f"{page.fmt.day(first)} – {page.fmt.day(last)}"
        )
        parts.insert(0, days)
    return " / ".join(parts)


def shows_sample(result: CompareResult, rates: list[RatePublic]) -> bool:
    """Whether a page of this result is labelled sample data (the compare page and the
    widget alike). A sample reference rate makes it sample, except where it shows only
    World Bank survey prices: those carry the survey's own (real) reference rate."""
    survey_only = bool(result.survey) and not result.quotes
    return result.sample or (any(r.sample for r in rates) and not survey_only)


def results_context(
    page: Page,
    session: SessionDep,
    now: NowDep,
    corridor: Corridor,
    amount: Decimal,
    result: CompareResult,
    filters: Filters,
) -> dict[str, Any]:
    public = [quote_public(rq, now) for rq in result.quotes]
    survey = [quote_public(rq, now) for rq in result.survey]
    return offers_context(page, now, corridor, canonical(amount), result, filters, public, survey)


def offers_context(
    page: Page,
    now: datetime,
    corridor: Corridor,
    amount_text: str,
    result: CompareResult,
    filters: Filters,
    public: list[QuotePublic],
    survey: list[QuotePublic],
) -> dict[str, Any]:
    """`results_context` from the offers as shown (`public`, `survey`: result.quotes and
    result.survey presented) and the amount as links carry it (web.lean_page renders a
    page's shape from stand-ins for the amount's figures)."""
    reference = rate_public(result.reference_rate) if result.reference_rate else None
    others: list[RatePublic] = [rate_public(r) for r in result.other_rates]
    websites = {rq.provider.slug: rq.provider.website for rq in [*result.quotes, *result.survey]}
    fresh = provider_rows([o for o in public if not o.stale], websites)
    stale = provider_rows([o for o in public if o.stale], websites, start=len(fresh) + 1)
    survey_rows = provider_rows(survey, websites)
    # The summary names the first card, whichever section it is in (promotions are ranked
    # after regular prices, so one never leads).
    first = answer.lead(fresh, stale, survey_rows)
    everything = [*public, *survey]
    used, unused = answer.rates_used(
        everything, [*([reference] if reference else []), *others], corridor.send_currency
    )
    sample = shows_sample(result, [*([reference] if reference else []), *others])
    return {
        "offers": public,
        "fresh_rows": fresh,
        "stale_rows": stale,
        "survey_rows": survey_rows,
        "survey_date": result.survey_date,
        "survey_first": min((d for o in survey if (d := o.survey_date)), default=None),
        "survey_when": survey_when(page, result, survey),
        "lead": first,
        "best": first.row.best if first and first.kind != "survey" else None,
        "best_row": first.row if first and first.kind != "survey" else None,
        "survey_best": first.row.best if first and first.kind == "survey" else None,
        "payout_links": answer.payout_links(
            corridor.from_country,
            corridor.to_country,
            amount_text,
            result.payouts,
            filters.payout,
            filters.query(),
        )
        if everything or filters.payout != "any"
        else [],
        "reference": reference,
        "others": others,
        "rates_used": used,
        "rates_unused": unused,
        "sample": sample,
        "any_estimated": any(o.estimated for o in everything),
        "any_promotional": any(o.promotional for o in everything),
        "incentive": INCENTIVE.get(corridor.to_country) if corridor.incentive_note else None,
        "no_provider": no_provider_text(corridor),
        "no_provider_heading": no_provider_heading(corridor),
        "informal_risks": INFORMAL_RISKS,
        "now": now,
    }
