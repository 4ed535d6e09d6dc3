"""`/check`: "I sent X, paid a fee of F and my family got Y: what did it really cost?"

A GET form, so it works without JavaScript and the answer can be shared. The figures come
from `check_receipt` via `api.http.present.receipt_public`.
"""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter, Request, Response

from api.http.deps import NowDep, SessionDep
from api.http.present import receipt_public
from api.http.schemas import ReceiptResponse
from api.services.compare import BadRequest
from api.services.receipt import ReceiptRequest, check_receipt
from web import params
from web.data import corridor_index
from web.i18n import N_, regions
from web.render import PageDep, render
from web.routes_home import DESTINATION_BY_LANGUAGE

router = APIRouter(include_in_schema=False)

FIELDS = ("sent", "fee", "received")
REQUIRED = N_("Please fill this in.")
NO_CORRIDOR = N_("We do not cover this pair of countries yet.")
NO_RATE = N_("We have no reference exchange rate for these currencies.")
CHECK_FIGURES = N_("These figures do not add up: please check them.")
NOT_PAID_IN = N_("We have no prices for this currency on this route.")
LOCAL_CURRENCY = N_("The local currency")


@router.api_route("/check", methods=["GET", "HEAD"])
def check_page(request: Request, page: PageDep, session: SessionDep, now: NowDep) -> Response:
    q = request.query_params
    index = corridor_index(session)
    errors: dict[str, str] = {}
    raw = {name: (q.get(name) or "").strip()[:60] for name in FIELDS}
    src = params.country(q, "from", required=False)
    dst = params.country(q, "to", required=False)
    receive = params.currency(q, "receive")
    if dst not in index.destinations:
        dst = DESTINATION_BY_LANGUAGE.get(page.lang, "PK")
    if src not in index.senders:
        senders = index.senders_to(dst)
        hints = regions(request.headers.get("accept-language"))
        src = next((r for r in hints if r in senders), senders[0] if senders else None)
    corridor = index.get(src, dst)
    submitted = any(raw.values())
    result: ReceiptResponse | None = None
    values: dict[str, Decimal] = {}
    if submitted:
        for name in FIELDS:
            if not raw[name]:
                errors[name] = REQUIRED
                continue
            try:
                values[name] = params.parse_amount(raw[name], allow_zero=name == "fee")
            except ValueError as exc:
                errors[name] = str(exc)
        if corridor is None:
            errors["to"] = NO_CORRIDOR
        elif receive is not None and receive not in corridor.receive_currency_list():
            errors["receive"] = NOT_PAID_IN
    if submitted and not errors and corridor is not None:
        try:
            res = check_receipt(
                session,
                ReceiptRequest(
                    values["sent"],
                    corridor.send_currency,
                    values["fee"],
                    values["received"],
                    receive or corridor.receive_currency_list()[0],
                    corridor.from_country,
                    corridor.to_country,
                ),
                now,
            )
        except BadRequest as exc:
            if exc.field == "receive_currency":
                errors["receive"] = NO_RATE
            else:
                errors[exc.field if exc.field in FIELDS else "received"] = CHECK_FIGURES
        else:
            result = receipt_public(res, now)
    currencies = {"": LOCAL_CURRENCY, "USD": page.fmt.currency_name("USD")}
    return render(
        page,
        "check.html",
        {
            "senders": sorted(index.senders, key=page.fmt.country),
            "destinations": sorted(index.destinations, key=page.fmt.country),
            "send_currency": {c.from_country: c.send_currency for c in index.corridors.values()},
            "src": src,
            "dst": dst,
            "corridor": corridor,
            "receive": receive or "",
            "currencies": currencies,
            "raw": raw,
            "errors": errors,
            "result": result,
            "now": now,
        },
        status=400 if errors else 200,
        cache_control="private, no-cache",  # a receipt is the visitor's own business
    )
