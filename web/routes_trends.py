"""`/trends`: every corridor against SDG 10.c at a glance (the same numbers as
GET /api/v1/trends/summary), and `/trends/{from}-{to}`: one corridor's cost trends with a
server-rendered SVG chart beside the World Bank's published RPW figures, with downloads.

Reads through `api.services` (rollups, never the quote history); computes no cost itself.
Sorting, switches and the route picker are links and GET forms: everything works without
JavaScript and every view has a shareable address.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from urllib.parse import urlencode

from babel.numbers import format_decimal
from fastapi import APIRouter, Request, Response

from api.domain.aggregates import is_thin
from api.domain.periods import PeriodKind, period_sort_key
from api.http.deps import NowDep, SessionDep
from api.services.export_table import ExportFormat
from api.services.trends import SdgCheck, corridor_trends, sdg_check
from api.services.trends_datasets import ATTRIBUTION, chart_points
from api.services.trends_summary import CorridorSummary, trends_summary
from api.storage.published import RPW_URL, PublishedFigure
from api.storage.rpw_history import HISTORY_SOURCE
from web.charts import build_chart, sparkline
from web.data import corridor_index
from web.i18n import N_
from web.params import BAD_VALUE
from web.render import PageDep, PageError, render

router = APIRouter(include_in_schema=False)

CORRIDOR = re.compile(r"^[A-Za-z]{2}-[A-Za-z]{2}$")
DEFAULT_CORRIDOR = "GB-PK"
BASKETS = {"200": N_("About 200 US dollars"), "500": N_("About 500 US dollars")}
PERIODS = {
    PeriodKind.QUARTER.value: N_("Quarter"),
    PeriodKind.MONTH.value: N_("Month"),
    PeriodKind.WEEK.value: N_("Week"),
    PeriodKind.DAY.value: N_("Day"),
}
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
SDG_SHORT["above3"] = SDG_AVERAGE_ABOVE  # no SmaRT: only the 3 % test can be said
SDG_SENTENCE = {
    "met": N_(
        "In %(period)s the average total cost on this route was %(average)s: within the SDG "
        "10.c target of 3%%."
    ),
    # The 5 % limit is tested with SmaRT (facts.md #28), so these two name the SmaRT.
    "over3": N_(
        "In %(period)s the average total cost on this route was %(average)s: above the SDG "
        "10.c target of 3%%. Its SmaRT (the cheapest qualifying services) was %(smart)s: "
        "not above the 5%% limit for any route."
    ),
    "over5": N_(
        "In %(period)s the average total cost on this route was %(average)s: above the SDG "
        "10.c target of 3%%. Its SmaRT (the cheapest qualifying services) was %(smart)s: "
        "above the 5%% that SDG 10.c sets as the limit for any route."
    ),
    "above3": N_(
        "In %(period)s the average total cost on this route was %(average)s: above the SDG "
        "10.c target of 3%%. Too few services for a SmaRT, so the 5%% limit cannot be tested."
    ),
}


def sdg_key(check: SdgCheck) -> str:
    """The 3 % target by the average; the 5 % ceiling by the corridor's SmaRT (SDG 10.c as
    the World Bank tests it). Without a SmaRT only the 3 % test can be said."""
    if check.average_at_or_below_3 is None:
        return "none"
    if check.average_at_or_below_3:
        return "met"
    if check.at_or_below_5 is None:
        return "above3"
    return "over3" if check.at_or_below_5 else "over5"


def average_sdg_label(average: Decimal | None) -> str:
    """For averages over many routes only the 3% target applies (the 5% limit is per route)."""
    check = sdg_check(average, corridor=False)
    if check.average_at_or_below_3 is None:
        return SDG_SHORT["none"]
    return SDG_SHORT["met"] if check.average_at_or_below_3 else SDG_AVERAGE_ABOVE


def published_sdg_label(figure: PublishedFigure) -> str:
    if figure.scope == "corridor":
        return SDG_SHORT[sdg_key(sdg_check(figure.average_pct, figure.smart_pct))]
    return average_sdg_label(figure.average_pct)


# What a headline figure rests on, said beside it (api.services.trends.BASIS_LABELS).
BASIS_LABELS = {
    "silkroutes": N_("Based on our collected prices"),
    "rpw": N_("Based on World Bank survey rows"),
    "sample": N_("Based on sample prices, not real"),
}

# The corridor chart's series, in drawing order (legend and table columns in this order).
CHART_LABELS = {
    "ours_average": N_("Our average"),
    "ours_smart": N_("Our SmaRT"),
    "ours_min": N_("Cheapest offer"),
    "rpw_average": N_("World Bank survey rows we imported"),
    "published_average": N_("World Bank published average"),
    "history_average": N_("Means of World Bank survey rows since 2016 (computed by a third party)"),
}

# Field names shown on error pages: msgids of this page's form labels.
FIELD_LABELS = {
    "corridor": N_("Route"),
    "basket": N_("Amount"),
    "period": N_("Group by"),
    "sort": N_("Sort by"),
    "order": N_("Order"),
}


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
def trends_page(request: Request, page: PageDep, session: SessionDep, now: NowDep) -> Response:
    """The overview; with ?corridor= (the route picker's GET form) one corridor's page."""
    if request.query_params.get("corridor"):
        return corridor_page(request, page, session, request.query_params["corridor"])
    return overview_page(request, page, session, now)


@router.api_route("/trends/{code}", methods=["GET", "HEAD"])
def trends_corridor_page(
    request: Request, page: PageDep, session: SessionDep, code: str
) -> Response:
    return corridor_page(request, page, session, code)


def corridor_page(request: Request, page: PageDep, session: SessionDep, raw: str) -> Response:
    index = corridor_index(session)
    raw = raw.strip()
    code = raw.upper()
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
    points = chart_points(t)
    chart = build_chart(
        [
            (
                key,
                label,
                [(c.period, c.value, page.fmt.pct(c.value)) for c in points if c.series == key],
            )
            for key, label in CHART_LABELS.items()
        ],
        rtl=page.language.rtl,
        tick_label={
            y: format_decimal(y, format="0", locale=page.fmt.locale) for y in range(2000, 2100)
        },
    )
    table: dict[str, dict[str, str]] = {}
    for c in points:
        table.setdefault(c.period, {})[c.series] = page.fmt.pct(c.value)
    chart_rows = [(p, table[p]) for p in sorted(table, key=period_sort_key)]
    chart_query = urlencode({"corridor": code, "basket": basket, "period": period.value})
    chart_downloads = [
        (FORMAT_NAMES[f.value], f"/api/v1/exports/trends-chart.{f.value}?{chart_query}")
        for f in ExportFormat
    ]
    base = f"/trends/{code}"
    switches = {
        "period": [
            (label, page.url(base, {"basket": basket, "period": value}), value == period.value)
            for value, label in PERIODS.items()
        ],
        "basket": [
            (label, page.url(base, {"basket": value, "period": period.value}), value == basket)
            for value, label in BASKETS.items()
        ],
    }
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
            "chart": chart,
            "chart_labels": CHART_LABELS,
            "chart_rows": chart_rows,
            "chart_downloads": chart_downloads,
            "switches": switches,
            "attribution": ATTRIBUTION,
            "basis_labels": BASIS_LABELS,
            "is_thin": is_thin,
            "history_source": HISTORY_SOURCE,
        },
    )


# -- the overview ------------------------------------------------------------------------------

SORTS = {
    "route": N_("Route"),
    "average": N_("Average"),
    "smart": N_("SmaRT"),
    "services": N_("Services"),
    "published": N_("World Bank published"),
}
ORDERS = {"asc": N_("Ascending"), "desc": N_("Descending")}
# SDG 10.c status per route in words and a shape (never colour alone).
SDG_STATUS = {
    "meets": ("\u2714", N_("Meets both targets")),
    "misses_3": ("\u25b2", N_("Average above 3%")),
    "misses_5": ("\u25b2", N_("SmaRT above 5%")),
    "misses_both": ("\u2716", N_("Average above 3% and SmaRT above 5%")),
    "no_smart": ("\u25cb", N_("Average at or below 3%; no SmaRT")),
    "no_data": ("\u2013", N_("No figures yet")),
}


def _sort_value(c: CorridorSummary, key: str) -> tuple[int, Decimal | int | str]:
    """Missing values sort last in either order."""
    b = c.basis  # the figures the row shows: ours, else the World Bank survey's
    if key == "average":
        v = b.stats.average_pct if b else None
    elif key == "smart":
        v = b.stats.smart_pct if b else None
    elif key == "services":
        return (0, b.stats.services if b else 0)
    elif key == "published":
        v = c.published.average_pct if c.published else None
    else:
        return (0, c.corridor.from_country)
    return (0, v) if v is not None else (1, 0)


def overview_page(request: Request, page: PageDep, session: SessionDep, now: datetime) -> Response:
    basket = _choice(request, "basket", BASKETS, "200")
    period = PeriodKind(_choice(request, "period", PERIODS, PeriodKind.QUARTER.value))
    sort = _choice(request, "sort", SORTS, "route")
    order = _choice(request, "order", ORDERS, "asc")
    summary = trends_summary(session, int(basket), period, now=now)
    fmt = page.fmt
    groups: dict[str, list[CorridorSummary]] = {}
    for c in summary.corridors:
        groups.setdefault(c.corridor.to_country, []).append(c)
    ordered = []
    for dest in sorted(groups, key=fmt.country):
        members = groups[dest]
        members.sort(key=lambda c: fmt.country(c.corridor.from_country))
        present = [c for c in members if _sort_value(c, sort)[0] == 0]
        missing = [c for c in members if _sort_value(c, sort)[0] == 1]
        if sort != "route":
            present.sort(key=lambda c: _sort_value(c, sort)[1], reverse=order == "desc")
        elif order == "desc":
            present.reverse()
        ordered.append((dest, present + missing))
    sparks = {
        c.code: sparkline([h.average_pct for h in c.history], rtl=page.language.rtl)
        for c in summary.corridors
    }
    sort_links = {
        key: page.url(
            "/trends",
            {
                "basket": basket,
                "period": period.value,
                "sort": key,
                "order": "desc" if key == sort and order == "asc" else "asc",
            },
        )
        for key in SORTS
    }
    query = urlencode({"basket": basket, "period": period.value})
    downloads = [
        (FORMAT_NAMES[f.value], f"/api/v1/exports/trends-summary.{f.value}?{query}")
        for f in ExportFormat
    ]
    all_downloads = [
        (FORMAT_NAMES[f.value], f"/api/v1/exports/trends.{f.value}?period={period.value}")
        for f in ExportFormat
    ]
    switches = {
        "period": [
            (
                label,
                page.url("/trends", {"basket": basket, "period": v, "sort": sort, "order": order}),
                v == period.value,
            )
            for v, label in PERIODS.items()
        ],
        "basket": [
            (
                label,
                page.url(
                    "/trends", {"basket": v, "period": period.value, "sort": sort, "order": order}
                ),
                v == basket,
            )
            for v, label in BASKETS.items()
        ],
    }
    return render(
        page,
        "trends_overview.html",
        {
            "s": summary,
            "groups": ordered,
            "sparks": sparks,
            "sort": sort,
            "order": order,
            "sorts": SORTS,
            "sort_links": sort_links,
            "sdg_status": SDG_STATUS,
            "downloads": downloads,
            "all_downloads": all_downloads,
            "switches": switches,
            "basket": basket,
            "period": period.value,
            "attribution": ATTRIBUTION,
            "rpw_url": RPW_URL,
            "now": now,
        },
    )
