"""`/`: where from, where to, how much. A GET form, so the result URL can be shared."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api.http.deps import NowDep, SessionDep
from api.services.compare import all_data_version
from api.services.corridors import list_corridors
from api.settings import get_settings
from web import params
from web.data import corridor_index, default_amount
from web.i18n import regions
from web.pagecache import cached_page
from web.render import Page, PageDep, render

router = APIRouter(include_in_schema=False)

# The destination a visitor most likely sends to, by interface language.
DESTINATION_BY_LANGUAGE = {
    "ur": "PK",
    "bn": "BD",
    "fa-AF": "AF",
    "fa-IR": "IR",
    "ps": "AF",
    "ar": "IQ",
}


@router.api_route("/", methods=["GET", "HEAD"])
def home(request: Request, page: PageDep, session: SessionDep, now: NowDep) -> Response:
    # Fixed by the address, language, minute, the visitor's regions (they pick the sending
    # country) and the data version of everything (the page summarises every corridor): a
    # repeat comes from memory instead of re-reading and re-rendering every corridor.
    hints = tuple(regions(request.headers.get("accept-language")))
    return cached_page(
        page,
        now,
        ("home", all_data_version(session), hints),
        lambda: _home(page, session, now, hints),
        enabled=get_settings().compare_cache_s > 0,
    )


def _home(page: Page, session: SessionDep, now: NowDep, hints: tuple[str, ...]) -> Response:
    q = page.request.query_params
    index = corridor_index(session)
    src = params.country(q, "from", required=False)
    dst = params.country(q, "to", required=False)
    amount = params.amount(q, "amount", page.language.babel)
    if dst not in index.destinations:
        dst = DESTINATION_BY_LANGUAGE.get(page.lang, "PK")
    if src not in index.senders:
        senders = index.senders_to(dst)
        src = next((r for r in hints if r in senders), senders[0] if senders else None)
    corridor = index.get(src, dst)
    if amount is None:
        amount = default_amount(corridor) if corridor else None
    summaries = {s.corridor.code: s for s in list_corridors(session, now)}
    by_destination = {
        d: [summaries[c.code] for c in index.corridors.values() if c.to_country == d]
        for d in index.destinations
    }
    return render(
        page,
        "home.html",
        {
            "senders": sorted(index.senders, key=page.fmt.country),
            "destinations": sorted(index.destinations, key=page.fmt.country),
            "send_currency": {c.from_country: c.send_currency for c in index.corridors.values()},
            "src": src,
            "dst": dst,
            "amount": amount,
            "corridor": corridor,
            "by_destination": by_destination,
            "sample": any(s.sample for s in summaries.values()),
        },
    )
