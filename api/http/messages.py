"""Message webhooks and the feeds. Thin: check the request, call api/services/messages.py.

- `POST /api/v1/messages/twilio`: Twilio's form (`From`, `To`, `Body`, `MessageSid`) for
  SMS and WhatsApp, answered as TwiML; `X-Twilio-Signature` checked with the `twilio`
  package's RequestValidator (wrong: 403; missing: 403 when a token is set, always in
  production).
- `POST /api/v1/messages`: `{"from", "text", "channel"}` -> `{"reply", "segments"}`.
- `GET /feeds/{corridor}.atom`: the best live offer of a route each time it changed.
- `GET /c/{corridor}/{amount}[/{lang}]`: the short link in answers (a redirect).

A sender over its rate limit (REMIT_MESSAGE_RATE_PER_MINUTE) is ignored: an empty TwiML
answer, `reply: null`. No phone number is ever logged."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal
from xml.sax.saxutils import escape

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from twilio.request_validator import RequestValidator

from api.domain.msgparse import LANGS
from api.http.deps import NowDep, SessionDep, public_base
from api.http.errors import field_error
from api.http.ratelimit import Limiter, make_limiter
from api.services.messages import BadSender, Reply, handle, normalise_number
from api.settings import get_settings
from api.storage import messages as store
from api.storage.message_models import FeedEntry
from api.storage.models import Corridor
from api.storage.personal import lookup_hash

router = APIRouter(tags=["messages"])
TWIML = "application/xml"


class MessageIn(BaseModel):
    from_: str = Field(alias="from", min_length=3, max_length=40, examples=["+923001234567"])
    text: str = Field(max_length=2000)
    channel: Literal["sms", "whatsapp"] = "sms"


class MessageOut(BaseModel):
    reply: str | None
    segments: int
    lang: str | None = None


def _limiter(request: Request) -> Limiter:
    limiter: Limiter | None = getattr(request.app.state, "message_limiter", None)
    if limiter is None:
        s = get_settings()
        limiter = make_limiter(s.message_rate_per_minute, s.redis_url)
        request.app.state.message_limiter = limiter
    return limiter


def over_limit(request: Request, channel: str, number: str) -> bool:
    """Count one message from (or to) this number or address; True when over its limit."""
    limiter = _limiter(request)
    return limiter.per_minute > 0 and limiter.hit("msg:" + lookup_hash(channel, number)) is not None


def _answer(
    session: SessionDep, channel: str, number: str, text: str, now: datetime, base: str
) -> Reply:
    reply = handle(session, channel, number, text, now, base)
    session.commit()
    return reply


def twiml(reply: Reply | None) -> Response:
    if reply is None:
        return Response('<?xml version="1.0" encoding="UTF-8"?><Response/>', media_type=TWIML)
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><Response><Message>'
        f"{escape(reply.text)}</Message></Response>"
    )
    return Response(body, media_type=TWIML)


def _check_signature(request: Request, form: dict[str, str]) -> None:
    settings = get_settings()
    token = settings.twilio_auth_token
    if token is None:
        if settings.env == "production":
            raise HTTPException(403, "REMIT_TWILIO_AUTH_TOKEN is not set: messages refused")
        return
    signature = request.headers.get("x-twilio-signature", "")
    url = public_base(request) + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    if not signature or not RequestValidator(token).validate(url, form, signature):
        raise HTTPException(403, "X-Twilio-Signature is missing or does not match")


@router.post(
    "/api/v1/messages/twilio",
    response_class=Response,
    responses={200: {"content": {TWIML: {}}, "description": "TwiML with the reply"}},
)
async def twilio_webhook(request: Request, session: SessionDep, now: NowDep) -> Response:
    """Twilio's incoming-message webhook (SMS and WhatsApp)."""
    raw = await request.form()
    form = {k: v for k, v in raw.items() if isinstance(v, str)}
    _check_signature(request, form)
    if "From" not in form or "Body" not in form:
        missing = "From" if "From" not in form else "Body"
        return field_error(422, "body", missing, "field required")
    try:
        channel, number = normalise_number(form["From"])
    except BadSender as exc:
        return field_error(422, "body", "From", str(exc))
    if over_limit(request, channel, number):
        return twiml(None)
    reply = await run_in_threadpool(
        _answer, session, channel, number, form["Body"], now, public_base(request)
    )
    return twiml(reply)


@router.post("/api/v1/messages", response_model=MessageOut)
def json_webhook(
    body: MessageIn, request: Request, session: SessionDep, now: NowDep
) -> MessageOut | Response:
    """A plain JSON webhook for other gateways."""
    try:
        channel, number = normalise_number(body.from_)
    except BadSender as exc:
        return field_error(422, "body", "from", str(exc))
    channel = body.channel if channel == "sms" else channel
    if over_limit(request, channel, number):
        return MessageOut(reply=None, segments=0)
    reply = _answer(session, channel, number, body.text, now, public_base(request))
    return MessageOut(reply=reply.text, segments=reply.segments, lang=reply.lang)


# -- short links and feeds ---------------------------------------------------------------------

CorridorPath = Annotated[str, Path(pattern=r"^[A-Za-z]{2}-[A-Za-z]{2}$")]


@router.get("/c/{corridor}/{amount}", include_in_schema=False)
@router.get("/c/{corridor}/{amount}/{lang}", include_in_schema=False)
def short_link(
    corridor: CorridorPath,
    amount: Annotated[Decimal, Path(gt=0, le=1_000_000_000)],
    lang: str = "en",
) -> Response:
    if lang not in LANGS:
        raise HTTPException(404, "unknown language")
    src, dst = corridor.upper().split("-")
    target = f"/compare?from={src}&to={dst}&amount={amount.normalize():f}"
    return RedirectResponse(target + ("" if lang == "en" else f"&lang={lang}"), status_code=302)


def _atom_entry(e: FeedEntry, base: str) -> str:
    stamp = e.at.isoformat().replace("+00:00", "Z")
    title = (
        f"{e.corridor_code}: {e.provider} delivers {e.received:,} {e.receive_currency} "
        f"for {e.amount.normalize():f} {e.send_currency}"
    )
    return (
        f"<entry><id>{escape(base)}/feeds/{e.corridor_code}.atom#{e.id}</id>"
        f"<title>{escape(title)}</title><updated>{stamp}</updated>"
        f'<link href="{escape(base)}/c/{e.corridor_code}/{e.amount.normalize():f}"/>'
        f"<summary>{escape(title)} (live price collected "
        f"{e.collected_at.isoformat().replace('+00:00', 'Z')}, fees included)</summary></entry>"
    )


@router.get("/feeds/{corridor}.atom", tags=["public"])
def atom_feed(
    corridor: CorridorPath, request: Request, session: SessionDep, now: NowDep
) -> Response:
    """The best live offer of a route at its USD 200 basket each time it changed."""
    code = corridor.upper()
    if session.get(Corridor, code) is None:
        return field_error(404, "path", "corridor", f"unknown corridor {code}")
    base = public_base(request)
    entries = store.feed_entries(session, code)
    updated = (entries[0].at if entries else now).isoformat()
    xml = (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<id>{escape(base)}/feeds/{code}.atom</id>"
        f"<title>silkroutes-remit: best live offer {code}</title>"
        f"<updated>{updated.replace('+00:00', 'Z')}</updated>"
        f'<link rel="self" href="{escape(base)}/feeds/{code}.atom"/>'
        "<author><name>silkroutes-remit</name></author>"
        + "".join(_atom_entry(e, base) for e in entries)
        + "</feed>"
    )
    return Response(xml, media_type="application/atom+xml")
