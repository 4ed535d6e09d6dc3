"""`/alerts`: a price alert by email, without JavaScript, with a double opt-in.

POST /alerts stores an unconfirmed alert and queues the confirmation email; the link in it
(GET /alerts/confirm?t=...) shows a button, and only its POST turns the alert on, so a mail
scanner that follows links cannot confirm for someone. Every email has the signed
unsubscribe link (GET shows a button, POST deletes the address and its alerts)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from sqlmodel import Session

from api.http.deps import NowDep, SessionDep, public_base
from api.http.messages import over_limit
from api.services.alerts import BadAlert, confirm_email, subscribe_email, unsubscribe
from web.data import corridor_index
from web.i18n import N_
from web.render import Page, PageDep, render

router = APIRouter(include_in_schema=False)

ERRORS = {
    "email": N_("Please enter an email address."),
    "route": N_("Please choose a route."),
    "amount": N_("Please enter an amount greater than 0."),
    "threshold": N_("Please enter an amount greater than 0."),
}


def _page(
    page: Page, context: dict[str, Any], *, status: int = 200, cache_control: str = "no-store"
) -> Response:
    blank = {"done": "", "action": "", "token": "", "error": "", "error_field": "", "raw": {}}
    return render(
        page, "alerts.html", {**blank, **context}, status=status, cache_control=cache_control
    )


def _form(
    page: Page, session: SessionDep, raw: dict[str, str] | None = None, error: str | None = None
) -> Response:
    routes = sorted(corridor_index(session).corridors.values(), key=lambda c: c.code)
    context: dict[str, Any] = {
        "routes": [c for c in routes if c.receive_currencies],
        "raw": raw or {"email": "", "route": "SA-PK", "amount": "750", "threshold": ""},
    }
    if error is not None:
        context.update(error_field=error, error=ERRORS[error])
        return _page(page, context, status=422)
    return _page(page, context)


@router.get("/alerts")
def alerts_page(page: PageDep, session: SessionDep) -> Response:
    return _form(page, session)


def _decimal(value: str) -> Decimal | None:
    try:
        number = Decimal(value.strip().replace(",", ""))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


@router.post("/alerts")
async def alerts_submit(page: PageDep, session: SessionDep, now: NowDep) -> Response:
    form = await page.request.form()
    raw = {k: str(form.get(k, ""))[:200] for k in ("email", "route", "amount", "threshold")}
    amount, threshold = _decimal(raw["amount"]), _decimal(raw["threshold"])
    error: str | None = None
    if amount is None:
        error = "amount"
    elif threshold is None:
        error = "threshold"
    elif over_limit(page.request, "email", raw["email"].strip().lower()):
        return _page(page, {"done": "sent"})  # the same page, and nothing done: ignored
    else:
        try:
            subscribe_email(
                session,
                raw["email"],
                raw["route"],
                amount,
                threshold,
                page.lang,
                now,
                public_base(page.request),
            )
        except BadAlert as exc:
            error = exc.field
    if error is not None:
        session.rollback()
        return _form(page, session, raw, error)
    session.commit()
    return _page(page, {"done": "sent"})


# The links in emails: GET shows one button, its POST acts (confirm, or delete everything).
ACTIONS: dict[str, tuple[Callable[[Session, str], bool], str]] = {
    "confirm": (confirm_email, "confirmed"),
    "unsubscribe": (unsubscribe, "deleted"),
}
Action = Annotated[str, Path(pattern="^(confirm|unsubscribe)$")]


@router.get("/alerts/{action}")
def link_page(page: PageDep, action: Action, t: str = "") -> Response:
    return _page(page, {"token": t, "action": action})


@router.post("/alerts/{action}")
async def link_submit(page: PageDep, session: SessionDep, action: Action) -> Response:
    token = str((await page.request.form()).get("t", ""))[:200]
    act, done = ACTIONS[action]
    if not act(session, token):
        return _page(page, {"done": "invalid"}, status=404)
    session.commit()
    return _page(page, {"done": done})
