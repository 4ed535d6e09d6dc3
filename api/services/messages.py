"""Answers by message: read a text (api/domain/msgparse.py), answer from the comparison
(api/services/compare.py, ranked by what the family receives for the money paid), set
alerts, change the language, delete everything on STOP. The routes only translate the
gateway's format; this is the one place a message is handled."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import phonenumbers
from sqlmodel import Session, col, select

from api.domain import smstext
from api.domain.msgparse import AlertAsk, Ask, Command, Parsed, Route, Unreadable, parse
from api.domain.ranking import FeesMode, SortKey
from api.services.compare import BadRequest, CompareRequest, CompareResult, NotFound, compare
from api.settings import get_settings
from api.storage import messages as store
from api.storage.models import Corridor
from api.storage.pricebook import LIVE, SURVEY

CHANNELS = ("sms", "whatsapp")
MAX_TEXT = 480  # longer input is not a question we answer


class BadSender(ValueError):
    """The `from` of a message is not a phone number."""


@dataclass(frozen=True)
class Reply:
    text: str
    lang: str

    @property
    def segments(self) -> int:
        return smstext.segments(self.text).count


def normalise_number(raw: str) -> tuple[str, str]:
    """(channel, +E.164) from a gateway's `From`: "+923001234567" or "whatsapp:+92...".
    Raises BadSender."""
    channel = "sms"
    value = raw.strip()
    if value.lower().startswith("whatsapp:"):
        channel, value = "whatsapp", value.split(":", 1)[1]
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        raise BadSender(
            "must be a phone number in international form, e.g. +923001234567"
        ) from None
    if not phonenumbers.is_possible_number(number):
        raise BadSender("is not a possible phone number")
    return channel, phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


ROUTES_TTL_S = 60.0
_routes: dict[str, tuple[float, list[Route]]] = {}


def routes(session: Session) -> list[Route]:
    """The corridors a message can ask about: reference data, read at most once a minute
    per database (it changes only when reference data is loaded)."""
    key = repr(session.get_bind().engine.url)
    cached = _routes.get(key)
    if cached is not None and time.monotonic() - cached[0] < ROUTES_TTL_S:
        return cached[1]
    rows = session.exec(
        select(
            Corridor.from_country,
            Corridor.to_country,
            Corridor.send_currency,
            Corridor.receive_currencies,
        ).order_by(col(Corridor.code))
    ).all()
    found = [Route(src, dst, ccy, recv.split()[0]) for src, dst, ccy, recv in rows if recv]
    _routes[key] = (time.monotonic(), found)
    return found


def route_code(route: Route) -> str:
    return f"{route.from_country}-{route.to_country}"


LOCAL_BASE = "http://127.0.0.1:8000"  # `remit serve`'s default address, for development


def links_base(request_base: str | None = None) -> str:
    """Where links in messages point: REMIT_PUBLIC_BASE_URL (required in production once a
    gateway or SMTP server is set), else the request's own address, else the local server."""
    return (get_settings().public_base_url or request_base or LOCAL_BASE).rstrip("/")


def short_link(route: Route, amount: Decimal, lang: str, base: str | None = None) -> str:
    # Without the scheme: phones link it all the same, and it saves 8 characters.
    base = (base or links_base()).split("://", 1)[-1]
    tail = "" if lang == "en" else f"/{lang}"
    return f"{base}/c/{route_code(route)}/{smstext.plain_amount(amount)}{tail}"


def ranked(session: Session, route: Route, amount: Decimal, now: datetime) -> CompareResult:
    req = CompareRequest(
        route.from_country,
        route.to_country,
        amount,
        receive_currency=route.receive_currency,
        sort=SortKey.RECEIVED,
        fees=FeesMode.INCLUDED,
    )
    return compare(session, req, now)


def offers(result: CompareResult, limit: int = 3) -> list[smstext.Offer]:
    """The compare answer's first offers: fresh live (or sample) prices in its order, then
    World Bank survey prices in its order; a provider's second service with the same payout
    and speed (another access point) would read as the same line, so only its best counts."""
    out: list[smstext.Offer] = []
    for q in result.quotes:
        if not q.priced.stale:
            tier = "sample" if q.quote.sample else LIVE
            out.append(
                smstext.Offer(
                    q.provider.name, q.received, q.service.payout_method, q.service.speed, tier
                )
            )
    for q in result.survey:
        d = q.survey_date
        quarter = f"{d.year}Q{(d.month - 1) // 3 + 1}" if d else None
        out.append(
            smstext.Offer(
                q.provider.name,
                q.received,
                q.service.payout_method,
                q.service.speed,
                SURVEY,
                quarter,
            )
        )
    seen: set[tuple[str, str, str]] = set()
    distinct = []
    for o in out:
        if (o.provider, o.payout, o.speed) not in seen:
            seen.add((o.provider, o.payout, o.speed))
            distinct.append(o)
    return distinct[:limit]


def answer_ask(session: Session, ask: Ask, lang: str, now: datetime, base: str | None) -> str:
    try:
        result = ranked(session, ask.route, ask.amount, now)
    except (BadRequest, NotFound):
        return smstext.text("no_route", lang)
    return smstext.answer(
        lang,
        route_code(ask.route),
        ask.amount,
        result.currency,
        result.receive_currency,
        offers(result),
        short_link(ask.route, ask.amount, lang, base),
    )


def handle(
    session: Session,
    channel: str,
    sender: str,
    text: str,
    now: datetime,
    base: str | None = None,
) -> Reply:
    """Answer one message from `sender` (+E.164); links start with `base` (`links_base`).
    Writes only for ALERT, LANG of a number that has alerts, and STOP; the caller commits."""
    contact = store.find_contact(session, channel, sender)
    parsed: Parsed = parse(
        text[:MAX_TEXT], routes(session), fallback_lang=contact.lang if contact else None
    )
    intent, lang = parsed.intent, parsed.lang
    if isinstance(intent, Command):
        if intent.kind == "stop":
            if contact is not None and contact.id is not None:
                store.delete_contact(session, contact.id)
            return Reply(smstext.text("stopped", lang), lang)
        if intent.kind == "lang":
            if contact is not None:
                contact.lang = lang
                session.add(contact)
            return Reply(smstext.text("lang", lang), lang)
        return Reply(smstext.text("help", lang), lang)
    if isinstance(intent, Unreadable):
        key = "no_route" if intent.reason == "route" else "example"
        return Reply(smstext.text(key, lang), lang)
    if isinstance(intent, AlertAsk):
        saved = store.save_contact(session, channel, sender, lang, now, confirmed=True)
        alert = store.save_alert(
            session,
            saved,
            route_code(intent.route),
            intent.amount.normalize(),
            intent.route.send_currency,
            intent.route.receive_currency,
            intent.threshold.normalize(),
            now,
        )
        return Reply(
            smstext.text(
                "alert_set",
                lang,
                amount=smstext.plain_amount(alert.amount),
                ccy=alert.send_currency,
                route=alert.corridor_code,
                threshold=smstext.whole(alert.threshold),
                rccy=alert.receive_currency,
            ),
            lang,
        )
    return Reply(answer_ask(session, intent, lang, now, base), lang)
