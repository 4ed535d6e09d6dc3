"""`/trends`: corridor cost trends for regulators and researchers, beside the World Bank's
published RPW figures and SDG 10.c, with downloads in every export format.

Reads through `api.services.trends` (the same numbers as GET /api/v1/trends); computes no
cost itself. A GET form, so every view has a shareable address and works without JavaScript.
"""

from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response

from api.domain.periods import PeriodKind, period_sort_key
from api.http.deps import SessionDep
from api.services.exports import ExportFormat
from api.services.trends import SdgCheck, corridor_trends, sdg_check
from api.storage.published import RPW_URL, PublishedFigure
from web.data import corridor_index
from web.i18n import N_
from web.params import BAD_VALUE
from web.render import PageDep, PageError, render

router = APIRouter(include_in_schema=False)

CORRIDOR = re.compile(r"^[A-Za-z]{2}-[A-Za-z]{2}$")
DEFAULT_CORRIDOR = "GB-PK"
BASKETS = {"200": N_("About 200 US dollars"), "500": N_("About 500 US dollars")}
PERIODS = {PeriodKind.QUARTER.value: N_("Quarter"), PeriodKind.MONTH.value: N_("Month")}
FORMAT_NAMES = {"csv": "CSV", "xlsx": "Excel (XLSX)", "parquet": "Parquet", "json": "JSON"}
SCOPE_LABELS = {
    "corridor": N_("This route"),
    "uk_outbound": N_("All routes from the United Kingdom"),
    "global": N_("All routes worldwide"),
}

# The SDG 10.c comparison in words (never colour alone): short for table cells, and one
# sentence for the latest period (these have placeholders, so a percent sign is written %%).
SDG_SHORT = {
    "met": N_("Meets the 3% target"),
    "over3": N_("Above 3%, not above 5%"),
    "over5": N_("Above 5%"),
    "none": N_("No average"),
}
SDG_AVERAGE_ABOVE = N_("Above the 3% target")
SDG_SENTENCE = {
    "met": N_(
        "In %(period)s the average total cost on this route was %(average)s: within the SDG "
        "10.c target of 3%%."
    ),
    "over3": N_(
        "In %(period)s the average total cost on this route was %(average)s: above the SDG "
        "10.c target of 3%%, but not above the 5%% limit for any route."
    ),
    "over5": N_(
        "In %(period)s the average total cost on this route was %(average)s: above the 5%% "
        "that SDG 10.c sets as the limit for any route."
    ),
}


def sdg_key(check: SdgCheck) -> str:
    if check.at_or_below_5 is None:
        return "none"
    if check.average_at_or_below_3:
        return "met"
    return "over3" if check.at_or_below_5 else "over5"


def average_sdg_label(average: Decimal | None) -> str:
    """For averages over many routes only the 3% target applies (the 5% limit is per route)."""
    check = sdg_check(average, corridor=False)
    if check.average_at_or_below_3 is None:
        return SDG_SHORT["none"]
    return SDG_SHORT["met"] if check.average_at_or_below_3 else SDG_AVERAGE_ABOVE


def published_sdg_label(figure: PublishedFigure) -> str:
    if figure.scope == "corridor":
        return SDG_SHORT[sdg_key(sdg_check(figure.average_pct))]
    return average_sdg_label(figure.average_pct)


# Field names shown on error pages: msgids of this page's form labels.
FIELD_LABELS = {"corridor": N_("Route"), "basket": N_("Amount"), "period": N_("Group by")}


def _choice(request: Request, name: str, allowed: dict[str, str], default: str) -> str:
    value = (request.query_params.get(name) or default).strip().lower()
    if value not in allowed:
        raise PageError(
            400,
            BAD_VALUE,
            N_("Please choose one of the options offered."),
            field=FIELD_LABELS[name],
            value=value,
        )
    return value


@router.api_route("/trends", methods=["GET", "HEAD"])
def trends_page(request: Request, page: PageDep, session: SessionDep) -> Response:
    index = corridor_index(session)
    raw = (request.query_params.get("corridor") or "").strip()
    code = raw.upper() if raw else DEFAULT_CORRIDOR
    if not CORRIDOR.match(code) or code not in index.corridors:
        raise PageError(
            404,
            N_("Route not found"),
            N_("We do not cover this route."),
            field=FIELD_LABELS["corridor"],
            value=raw,
        )
    basket = _choice(request, "basket", BASKETS, "200")
    period = PeriodKind(_choice(request, "period", PERIODS, PeriodKind.QUARTER.value))
    t = corridor_trends(session, code, int(basket), period)
    query = urlencode({"corridor": code, "period": period.value})
    downloads = [
        (
            FORMAT_NAMES[f.value],
            f"/api/v1/exports/trends.{f.value}?{query}",
            f"/api/v1/exports/quotes.{f.value}?{urlencode({'corridor': code})}",
        )
        for f in ExportFormat
    ]
    corridors = sorted(
        index.corridors.values(),
        key=lambda c: (page.fmt.country(c.to_country), page.fmt.country(c.from_country)),
    )
    all_downloads = [
        (FORMAT_NAMES[f.value], f"/api/v1/exports/trends.{f.value}?period={period.value}")
        for f in ExportFormat
    ]
    scope_order = list(SCOPE_LABELS)
    published = sorted(
        t.published,
        key=lambda f: (scope_order.index(f.scope), period_sort_key(f.period)),
        reverse=True,
    )
    published.sort(key=lambda f: scope_order.index(f.scope))  # stable: newest first per scope
    latest = next((p for p in reversed(t.ours) if p.stats.average_pct is not None), None)
    return render(
        page,
        "trends.html",
        {
            "t": t,
            "corridors": corridors,
            "basket": basket,
            "period": period.value,
            "baskets": BASKETS,
            "periods": PERIODS,
            "scope_labels": SCOPE_LABELS,
            "sdg_short": SDG_SHORT,
            "sdg_sentence": SDG_SENTENCE,
            "sdg_key": sdg_key,
            "latest": latest,
            "downloads": downloads,
            "flow_sources": sorted({s for p in t.flow_weighted for s in p.flow_sources}),
            "all_downloads": all_downloads,
            "published": published,
            "published_sdg_label": published_sdg_label,
            "average_sdg_label": average_sdg_label,
            "published_files": sorted({name for f in t.published for name in f.files}),
            "rpw_url": RPW_URL,
        },
    )
