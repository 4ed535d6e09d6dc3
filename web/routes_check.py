"""`/check`: "I sent X on this day, paid a fee of F and my family got Y: what did it cost?"

The form is POSTed, so the amounts of a receipt never land in the address bar or the
history of a shared phone; the answer (or the question about implausible figures) is the
first thing on the page after submitting (`#answer`). GET shows the form, prefilled with the
countries of the link. The figures come from `check_receipt` via `receipt_public`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.datastructures import FormData, QueryParams

from api.domain.numerals import to_latin
from api.domain.verdict import WARNINGS, WORDS, Level, warning_key
from api.http.deps import NowDep, SessionDep
from api.http.present import receipt_public
from api.http.schemas import ReceiptResponse
from api.services.compare import BadRequest
from api.services.receipt import (
    ABOVE_MID,
    NEGATIVE_COST,
    RATE_FAR,
    Implausible,
    ReceiptRequest,
    check_receipt,
)
from web import params
from web.amounts import Ambiguous, AmountError, canonical
from web.data import CorridorIndex, corridor_index
from web.i18n import N_, regions
from web.render import Page, PageDep, PageError, render
from web.routes_home import DESTINATION_BY_LANGUAGE

router = APIRouter(include_in_schema=False)

FIELDS = ("sent", "fee", "received")
REQUIRED = N_("Please fill this in.")
NO_CORRIDOR = N_("We do not cover this pair of countries yet.")
NO_RATE = N_("We have no reference exchange rate for these currencies.")
CHECK_FIGURES = N_("These figures do not add up: please check them.")
NOT_PAID_IN = N_("This currency is not paid out on this route.")
BAD_DATE = N_("Please enter the date like this: 2026-05-31.")
FUTURE_DATE = N_("The date cannot be in the future.")
NO_RATE_THAT_DAY = N_("We have no reference rate for that day. Please try a later date.")
LOCAL_CURRENCY = N_("The local currency")
AMBIGUOUS = N_("Did you mean %(first)s or %(second)s? Please type it again.")
QUESTIONS = {
    RATE_FAR: N_(
        "Your figures give %(implied)s, but the reference rate on %(date)s was %(rate)s. "
        "Is the amount received right, and was it paid in %(currency)s?"
    ),
    NEGATIVE_COST: N_(
        "With these figures the transfer cost less than nothing: your family received more "
        "than the amount and the fee are worth at the reference rate (%(rate)s on %(date)s). "
        "Are the amounts right?"
    ),
    ABOVE_MID: N_(
        "Your family received more than the amount you sent is worth at the reference rate "
        "(%(rate)s on %(date)s). Are the amounts and the date right?"
    ),
}


def _country(q: QueryParams | FormData, name: str) -> str | None:
    value = q.get(name)
    if not isinstance(value, str):
        return None
    try:
        return params.country(QueryParams({name: value}), name, required=False)
    except PageError:
        return None


def _choose_corridor(
    page: Page, index: CorridorIndex, src: str | None, dst: str | None
) -> tuple[str | None, str]:
    if dst not in index.destinations:
        dst = DESTINATION_BY_LANGUAGE.get(page.lang, "PK")
    if src not in index.senders:
        senders = index.senders_to(dst)
        hints = regions(page.request.headers.get("accept-language"))
        src = next((r for r in hints if r in senders), senders[0] if senders else None)
    return src, dst


def _context(page: Page, index: CorridorIndex, src: str | None, dst: str) -> dict[str, Any]:
    corridor = index.get(src, dst)
    pays = {c.to_country: c.receive_currency_list() for c in index.corridors.values()}
    receive_list = corridor.receive_currency_list() if corridor else pays.get(dst, [])
    return {
        "senders": sorted(index.senders, key=page.fmt.country),
        "destinations": sorted(index.destinations, key=page.fmt.country),
        "send_currency": {c.from_country: c.send_currency for c in index.corridors.values()},
        "pays": {d: " ".join(ccys[1:]) for d, ccys in pays.items()},
        # Names of the other currencies any route pays, for the script that keeps the
        # currency choice in step with the destination when JavaScript runs.
        "foreign_names": {c: page.fmt.currency_name(c) for ccys in pays.values() for c in ccys[1:]},
        "src": src,
        "dst": dst,
        "corridor": corridor,
        # The local currency whatever the destination, then what this route also pays out
        # (if it pays a second currency): never a currency the route does not pay.
        "currencies": {"": LOCAL_CURRENCY}
        | {c: page.fmt.currency_name(c) for c in receive_list[1:]},
    }


@router.api_route("/check", methods=["GET", "HEAD"])
def check_form(request: Request, page: PageDep, session: SessionDep, now: NowDep) -> Response:
    index = corridor_index(session)
    src, dst = _choose_corridor(
        page, index, _country(request.query_params, "from"), _country(request.query_params, "to")
    )
    context = _context(page, index, src, dst)
    context.update(
        {
            "raw": dict.fromkeys(FIELDS, "") | {"date": now.date().isoformat()},
            "receive": "",
            "errors": {},
            "error_values": {},
            "question": None,
            "result": None,
            "now": now,
            "today": now.date().isoformat(),
        }
    )
    return render(page, "check.html", context, cache_control="private, no-cache")


@router.post("/check")
async def check_post(request: Request, page: PageDep, session: SessionDep, now: NowDep) -> Response:
    form = await request.form()
    return answer(page, session, now, form)


def _text(form: FormData, name: str, limit: int = 60) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def answer(page: Page, session: SessionDep, now: NowDep, form: FormData) -> Response:
    index = corridor_index(session)
    src, dst = _choose_corridor(page, index, _country(form, "from"), _country(form, "to"))
    context = _context(page, index, src, dst)
    corridor = context["corridor"]
    errors: dict[str, str] = {}
    error_values: dict[str, dict[str, object]] = {}
    raw = {name: _text(form, name) for name in (*FIELDS, "date")}
    receive = _text(form, "receive", 3).upper()
    confirmed = _text(form, "confirmed", 1) == "1"
    values: dict[str, Decimal] = {}
    local = corridor.receive_currency_list()[0] if corridor else None
    currency = {"received": receive or local}
    for name in FIELDS:
        if not raw[name]:
            errors[name] = REQUIRED
            continue
        ccy = currency.get(name) or (corridor.send_currency if corridor else None)
        try:
            found = params.read_amount(
                raw[name], page.language.babel, currency=ccy, allow_zero=name == "fee"
            )
        except AmountError as exc:
            errors[name], error_values[name] = exc.msgid, exc.values
            continue
        if isinstance(found, Ambiguous):
            errors[name] = AMBIGUOUS
            error_values[name] = {
                "first": page.fmt.number(found.as_thousands, _places(found.as_thousands)),
                "second": page.fmt.number(found.as_decimal, _places(found.as_decimal)),
            }
            continue
        values[name] = found
    on: date | None = None
    try:
        on = date.fromisoformat(to_latin(raw["date"])) if raw["date"] else now.date()
    except ValueError:
        errors["date"] = BAD_DATE
    if on is not None and on > now.date():
        errors["date"] = FUTURE_DATE
    if corridor is None:
        errors["to"] = NO_CORRIDOR
    elif receive and receive not in corridor.receive_currency_list():
        errors["receive"] = NOT_PAID_IN
    result: ReceiptResponse | None = None
    question: dict[str, Any] | None = None
    if not errors and corridor is not None:
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
                    on,
                    confirmed,
                ),
                now,
            )
        except Implausible as exc:
            ccy = receive or corridor.receive_currency_list()[0]
            question = {
                "reason": exc.reason,
                "text": QUESTIONS[exc.reason],
                "values": {
                    "implied": page.fmt.rate_bdi(corridor.send_currency, ccy, exc.implied),
                    "rate": page.fmt.rate_bdi(corridor.send_currency, ccy, exc.reference.rate),
                    "date": page.fmt.day(exc.reference.as_of),
                    "currency": page.fmt.currency_name(ccy),
                },
                # "My figures are right": the same entries again, with the confirmation.
                "confirm": {"from": src or "", "to": dst, **raw, "receive": receive}
                | {"confirmed": "1"},
            }
        except BadRequest as exc:
            if exc.field == "transfer_date":
                errors["date"] = NO_RATE_THAT_DAY
            elif exc.field == "receive_currency":
                errors["receive"] = NO_RATE
            else:
                errors["received"] = CHECK_FIGURES
        else:
            result = receipt_public(res, now)
    context.update(
        {
            "raw": raw,
            "receive": receive,
            "errors": errors,
            "error_values": error_values,
            "question": question,
            "result": result,
            "now": now,
            "today": now.date().isoformat(),
            "compare_amount": canonical(values["sent"] + values["fee"])
            if result is not None
            else None,
            **_verdict(result),
        }
    )
    status = 400 if errors else 422 if question else 200
    return render(page, "check.html", context, status=status, cache_control="private, no-store")


def _verdict(result: ReceiptResponse | None) -> dict[str, Any]:
    """The msgids of the verdict and of the warning (api.domain.verdict, translated here)."""
    if result is None:
        return {"verdict_words": None, "warning_words": None}
    key = warning_key(result.warning, result.total_cost_pct)
    return {
        "verdict_words": WORDS[(Level(result.verdict), result.above_limit)],
        "warning_words": WARNINGS[key] if key else None,
    }


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0
