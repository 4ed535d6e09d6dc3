"""The compare page of a plain request without a Jinja render per request (issue 22).

A page is its *shape* (which offers, in which order, from which price points, which
flags: everything the templates branch on) plus the figures that move with the amount:
the amount itself (title, heading, form field, links), each offer's six AT_AMOUNT figures
(`api.http.present`) and the ages ("3 hours ago"), which move with the clock.

The shape is rendered once by the real templates (`compare.html` and its macros) with a
stand-in for each figure: `Figure` objects in the offers and the amount, which the
formatter and the `amount`/`plain` filters write as unique markers, and which refuse any
other use (comparison, arithmetic, truth, `str`), so a template that branches on a figure
makes the shape fail and the page is rendered in full. The one branch allowed is the
amount against an offer's `checked_amount` ("estimate below the smallest amount
checked"): its outcome is part of the shape's key. Per request the markers are replaced by
the figures written by the very functions the full render calls (`Formatter.money`, `pct`,
`age`, `canonical`, `plain`), escaped as Jinja escapes them.

Only a plain request takes this path (`plain_query`): `from`, `to`, `amount` (plain
digits), optionally `fees`, `payout` and `lang`, each once, no conditional header; the
route still reads it, runs `compare()` and answers through the page cache and its ETag.
tests/web/test_lean_page.py compares the bytes with the full render.
"""

from __future__ import annotations

import logging
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import Request
from markupsafe import escape

from api.domain.money import plain, quantize_display
from api.http.present import AT_AMOUNT, _fixed_key, _point_key, quote_at_amount, quote_public
from api.http.schemas import QuotePublic
from api.services.compare import CompareResult, RankedQuote
from api.settings import get_settings
from api.storage.models import Corridor
from web import labels
from web.amounts import canonical
from web.formatting import Formatter
from web.i18n import Language
from web.render import ENV, Page, render_html

log = logging.getLogger(__name__)

TEMPLATE = "compare.html"
MAX_SHAPES = 128  # kept in this process, newest used last (a US-PK page is ~0.1 MB)
KEYS = frozenset({"from", "to", "amount", "fees", "payout", "lang"})
PLAIN = {
    "from": re.compile(r"[A-Za-z]{2}"),
    "to": re.compile(r"[A-Za-z]{2}"),
    "amount": re.compile(r"[0-9]{1,10}(?:\.[0-9]{1,6})?"),
    "lang": re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z]{2})?"),
}
CORRIDOR_FIELDS = tuple(Corridor.model_fields)  # the page shows the corridor's row
CHOICES = {"fees": frozenset({"included", "on_top"}), "payout": frozenset(labels.PAYOUT_FILTER)}
CONDITIONAL = ("if-none-match", "if-modified-since", "if-match", "if-unmodified-since")
# Markers: letters and digits only, so escaping and URL encoding leave them as they are.
_TOKEN = "Q" + secrets.token_hex(8)
_MARK = re.compile(_TOKEN + r"(\d+)Z")
Spec = tuple[Any, ...]  # ("money", figure, currency), ("pct", figure), ("age", then)...
_AMOUNT = 0  # figure 0 is the amount asked; offer k's figures are 1 + 6k ...


# Set while the lean route answers on the event loop: then no page may be rendered in full
# (an error page, a shape the templates do not allow) and `NotOnLoop` sends the request
# to the thread pool instead. A new shape is rendered there (once per shape).
ON_LOOP: ContextVar[bool] = ContextVar("lean_page_on_loop", default=False)


class NotOnLoop(Exception):
    """This page needs rendering: not on the event loop."""


def rendering() -> None:
    """Called before a page is rendered in full."""
    if ON_LOOP.get():
        raise NotOnLoop


class Unshapable(Exception):
    """A template used a figure in a way the shape cannot carry: render in full."""


class Figure:
    """Stands in for one amount-dependent Decimal while a shape is rendered."""

    __slots__ = ("index", "shape")

    def __init__(self, shape: _Builder, index: int) -> None:
        self.shape = shape
        self.index = index

    def __html__(self) -> str:  # `{{ q.received_amount }}`: str(value), escaped
        return self.shape.mark(("str", self.index))

    def _refuse(self, *args: object) -> Any:
        raise Unshapable(f"figure {self.index} used as a value")

    __str__ = __repr__ = __bool__ = __format__ = __float__ = __int__ = _refuse
    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _refuse
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _refuse
    __truediv__ = __rtruediv__ = __neg__ = __abs__ = _refuse
    __hash__ = object.__hash__


class AmountFigure(Figure):
    """The amount asked: also compared with offers' checked amounts (part of the key)."""

    __slots__ = ("allowed", "value")

    def __init__(self, shape: _Builder, value: Decimal, allowed: frozenset[Decimal]) -> None:
        super().__init__(shape, _AMOUNT)
        self.value = value
        self.allowed = allowed

    def __lt__(self, other: object) -> bool:  # type: ignore[override]
        if isinstance(other, Decimal) and other in self.allowed:
            return self.value < other
        raise Unshapable(f"amount compared with {other!r}")


class _Builder:
    """Collects the markers written while one shape renders."""

    def __init__(self) -> None:
        self.specs: list[Spec] = []
        self._index: dict[Spec, int] = {}

    def mark(self, spec: Spec) -> str:
        i = self._index.get(spec)
        if i is None:
            i = self._index[spec] = len(self.specs)
            self.specs.append(spec)
        return f"{_TOKEN}{i}Z"


class ShapeFormatter(Formatter):
    """The page's formatter, writing a marker for each figure (and each age)."""

    def __init__(self, language: Language, builder: _Builder) -> None:
        super().__init__(language)
        self.builder = builder

    def money(self, amount: Decimal, currency: str) -> str:
        if isinstance(amount, Figure):
            return self.builder.mark(("money", amount.index, currency))
        return super().money(amount, currency)

    def pct(self, value: Decimal) -> str:
        if isinstance(value, Figure):
            return self.builder.mark(("pct", value.index))
        return super().pct(value)

    def age(self, then: datetime, now: datetime) -> str:
        return self.builder.mark(("age", then))


def _filter(name: str, real: Callable[[Decimal], str]) -> Callable[[Any], str]:
    def apply(value: Any) -> str:
        if isinstance(value, Figure):
            return value.shape.mark((name, value.index))
        return real(value)

    return apply


# The page's environment with the `amount` and `plain` filters taking figures (its own
# compiled templates: cache_size gives the overlay a cache of its own).
SHAPE_ENV = ENV.overlay(cache_size=64)
SHAPE_ENV.filters = {
    **ENV.filters,
    "amount": _filter("canonical", canonical),
    "plain": _filter("plain", plain),
}


@dataclass
class Shape:
    parts: list[bytes]  # the page's UTF-8 around the markers
    slots: list[int]  # which spec goes between parts[i] and parts[i + 1]
    specs: list[Spec]


@dataclass
class StandIns:
    """What the route puts in the context in place of the amount's figures."""

    amount: AmountFigure
    amount_text: str  # canonical(amount), as links and the form field carry it
    quotes: list[QuotePublic]
    survey: list[QuotePublic]
    page: Page  # the page for a shape: marker amount in its query, ShapeFormatter


class _Shapes:
    def __init__(self, limit: int = MAX_SHAPES) -> None:
        # key -> (shape or None, the rows whose ids the key holds, kept alive with it)
        self._entries: OrderedDict[Hashable, tuple[Shape | None, object]] = OrderedDict()
        self._lock = threading.Lock()
        self.limit = limit
        self.built = 0  # shapes rendered (tests and the benchmark read these)
        self.served = 0  # pages written from a shape

    def get(self, key: Hashable) -> tuple[bool, Shape | None]:
        with self._lock:
            if key not in self._entries:
                return False, None
            self._entries.move_to_end(key)
            return True, self._entries[key][0]

    def put(self, key: Hashable, shape: Shape | None, rows: object) -> None:
        with self._lock:
            self._entries[key] = (shape, rows)
            self._entries.move_to_end(key)
            while len(self._entries) > self.limit:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


SHAPES = _Shapes()


def plain_query(request: Request) -> tuple[tuple[str, str], ...] | None:
    """The query's items with the amount's value left out (`""`), if the request is plain:
    a GET without conditional headers whose query has only the plain keys, each once,
    with plain values; else None (the full render answers it)."""
    if request.method != "GET" or any(h in request.headers for h in CONDITIONAL):
        return None
    try:
        items = parse_qsl(
            request.scope["query_string"].decode("ascii"),
            keep_blank_values=True,
            strict_parsing=True,
        )
    except (UnicodeDecodeError, ValueError):
        return None
    names = [k for k, _ in items]
    if len(set(names)) != len(names) or not set(names) <= KEYS or "amount" not in names:
        return None
    for k, v in items:
        pattern = PLAIN.get(k)
        if pattern is not None and not pattern.fullmatch(v):
            return None
        if k in CHOICES and v not in CHOICES[k]:
            return None
    return tuple((k, "" if k == "amount" else v) for k, v in items)


@dataclass(frozen=True)
class _Ask:
    """One plain request, as the route has read it."""

    page: Page
    query: tuple[tuple[str, str], ...]  # plain_query(...)
    corridor: Corridor
    version: str
    amount: Decimal
    result: CompareResult
    now: datetime


def _shape_key(ask: _Ask) -> tuple[Hashable, frozenset[Decimal]]:
    """Everything the page's shape depends on; and the checked amounts the amount is
    compared with (offers priced below the smallest amount checked)."""
    offers: list[Spec] = []
    below: set[Decimal] = set()
    result, page = ask.result, ask.page
    for r in (*result.quotes, *result.survey):
        p = r.priced
        checked = None
        if p.basis.value == "below_checked" and p.checked_amount is not None:
            checked = quantize_display(p.checked_amount, r.quote.send_currency)
            below.add(checked)
        offers.append(
            (
                r.tier,
                # The stored rows as the book read them (the margin reference is the quote's
                # own), by identity: the entry keeps them alive, so no other row has their id.
                id(r.quote),
                id(r.service),
                id(r.provider),
                r.survey_date,
                r.survey_period,
                _point_key(r, ask.now),
                None if checked is None else ask.amount < checked,
            )
        )
    key = (
        page.lang,
        page.explicit_language,
        page.request.url.path,
        ask.query,
        ask.version,
        tuple(getattr(ask.corridor, name) for name in CORRIDOR_FIELDS),
        _fixed_key(result),
        result.data_version,
        result.payouts,
        result.country_names,
        result.reference_rate,
        tuple(result.other_rates),
        len(result.quotes),
        tuple(offers),
    )
    return key, frozenset(below)


def _stand_ins(ask: _Ask, allowed: frozenset[Decimal], builder: _Builder) -> StandIns:
    page = ask.page
    items = [(k, builder.mark(("raw",)) if k == "amount" else v) for k, v in ask.query]
    scope = {**page.request.scope, "query_string": urlencode(items).encode("ascii")}
    fmt = ShapeFormatter(page.language, builder)
    shape_page = Page(Request(scope), page.language, page.explicit_language, page.t, fmt)

    def present(rqs: Sequence[RankedQuote], start: int) -> list[QuotePublic]:
        out = []
        for k, rq in enumerate(rqs, start):
            update = {name: Figure(builder, 1 + 6 * k + j) for j, name in enumerate(AT_AMOUNT)}
            out.append(quote_public(rq, ask.now).model_copy(update=update))
        return out

    return StandIns(
        amount=AmountFigure(builder, ask.amount, allowed),
        amount_text=builder.mark(("canonical", _AMOUNT)),
        quotes=present(ask.result.quotes, 0),
        survey=present(ask.result.survey, len(ask.result.quotes)),
        page=shape_page,
    )


def _build(
    ask: _Ask, allowed: frozenset[Decimal], context: Callable[[StandIns], dict[str, Any]]
) -> Shape | None:
    builder = _Builder()
    try:
        stand_ins = _stand_ins(ask, allowed, builder)
        html = render_html(stand_ins.page, TEMPLATE, context(stand_ins), env=SHAPE_ENV)
    except Unshapable as exc:
        log.info("compare page rendered in full: %s", exc)
        return None
    pieces = _MARK.split(html)
    parts = [piece.encode("utf-8") for piece in pieces[0::2]]
    return Shape(parts, [int(i) for i in pieces[1::2]], builder.specs)


def _figures(amount: Decimal, result: CompareResult) -> list[Decimal]:
    out = [amount]
    for r in (*result.quotes, *result.survey):
        out += quote_at_amount(r)
    return out


_SPECIAL = ("&", "<", ">", '"', "'")  # what `escape` replaces


def _html(text: str) -> str:
    """`str(escape(text))`, without building a Markup when nothing needs escaping."""
    for c in _SPECIAL:
        if c in text:
            return str(escape(text))
    return text


def _write(shape: Shape, fmt: Formatter, raw: str, figures: list[Decimal], now: datetime) -> bytes:
    money, pct = fmt.money, fmt.pct
    texts: list[bytes] = []
    for spec in shape.specs:
        kind = spec[0]
        if kind == "money":
            text = _html(money(figures[spec[1]], spec[2]))
        elif kind == "pct":
            text = _html(pct(figures[spec[1]]))
        elif kind == "str":
            text = _html(str(figures[spec[1]]))
        elif kind == "age":
            text = _html(fmt.age(spec[1], now))
        elif kind == "canonical":
            text = canonical(figures[_AMOUNT])
        elif kind == "plain":
            text = plain(figures[_AMOUNT])
        else:
            assert kind == "raw"
            text = raw
        texts.append(text.encode("utf-8"))
    out = [b""] * (2 * len(shape.parts) - 1)
    out[0::2] = shape.parts
    out[1::2] = [texts[i] for i in shape.slots]
    return b"".join(out)


def compare_page_bytes(
    page: Page,
    corridor: Corridor,
    version: str,
    raw_amount: str,
    amount: Decimal,
    result: CompareResult,
    now: datetime,
    context: Callable[[StandIns], dict[str, Any]],
) -> bytes | None:
    """The page's HTML from its shape (rendered now if new), or None: not a plain request,
    or a shape the templates do not allow (then the caller renders in full)."""
    if not get_settings().compare_page_shapes:
        return None
    query = plain_query(page.request)
    if query is None or dict(page.request.query_params.multi_items()).get("amount") != raw_amount:
        return None
    ask = _Ask(page, query, corridor, version, amount, result, now)
    key, allowed = _shape_key(ask)
    known, shape = SHAPES.get(key)
    if known and shape is None:
        rendering()  # this shape renders in full
    if not known:  # rendered here, on the loop too: the route's function runs once
        shape = _build(ask, allowed, context)
        SHAPES.built += 1
        rows = [(r.quote, r.service, r.provider) for r in (*result.quotes, *result.survey)]
        SHAPES.put(key, shape, rows)
    if shape is None:
        return None
    SHAPES.served += 1
    return _write(shape, page.fmt, raw_amount, _figures(amount, result), now)
