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

A shape is keyed by its offers in order, which moves with the amount; its provider cards
and table lines (most of the page) are rendered once per offer as *row pieces* (below,
`_shaped_offer_row`) and joined, so a new order of known offers renders only the rest.

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
from collections import ChainMap, OrderedDict
from collections.abc import Callable, Hashable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import Request
from jinja2 import UndefinedError
from markupsafe import Markup, escape

from api.domain.money import plain, quantize_display
from api.domain.ranking import Basis
from api.http.present import AT_AMOUNT, _fixed_key, _offer_key, quote_at_amount, quote_public
from api.http.schemas import QuotePublic
from api.services.compare import CompareResult, RankedQuote
from api.settings import get_settings
from api.storage.models import Corridor
from web import labels
from web.amounts import canonical
from web.formatting import Formatter, money_writer, pct_writer
from web.i18n import Language
from web.render import ENV, Page, render_html

log = logging.getLogger(__name__)

TEMPLATE = "compare.html"
MAX_SHAPES = 128  # kept in this process, newest used last (a US-PK page is ~0.1 MB)
MAX_ROWS = 4096  # provider cards and table lines (a few KB each)
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


class Hidden:
    """Stands in for a value a row piece must not show (a survey card's rank)."""

    def _refuse(self, *args: object) -> Any:
        raise Unshapable("a hidden value used")

    __html__ = __str__ = __repr__ = __bool__ = __format__ = __float__ = __int__ = _refuse
    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __index__ = _refuse
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _refuse
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


# -- row pieces ----------------------------------------------------------------------------
# A shape is keyed by its offers in order, and the order moves with the amount (US-PK: 64
# orders of its 23 survey offers over 2,000 random amounts). Most of a page is its provider
# cards and table lines, each written by one macro (`offer_row(m.survey_row, row, corridor)`
# in the templates; `web.render.offer_row` calls the macro). While a shape renders, each
# such piece is rendered apart, by the same macro through `ROW_TEMPLATE`, in a context of
# only the row, the corridor, `stale` and the names every page has (`page`, `_`, `fmt`,
# `lang`, `now`, and the `amount` stand-in): a macro that reads any other name of the page
# (StrictUndefined) makes the shape fail and the page is rendered in full. So the piece is
# what the macro writes in place, and it is kept by what it is made of: the page's inputs
# other than its offers (`_Build.base`), the macro, `stale`, the provider and each option's
# offer key (as in the shape's key); the rank only for the macro that shows it, the others
# get a rank that refuses any use. A new order of known offers then renders only the rest
# of the page. A piece's markers are kept relative to its options (option p's figure j)
# and marked again for the offers' positions in the page being shaped.
RANKED = frozenset({"provider_row"})  # macros that show the row's rank
ROW_SOURCE = (
    '{% import "_macros.html" as m with context %}{{ m[row_macro](row, corridor, stale=stale) }}'
)
_HIDDEN = Hidden()


@dataclass
class _Build:
    """The shape being rendered (what its row pieces are made of)."""

    builder: _Builder
    base: Hashable  # the page's key without its offers
    offers: list[Spec]  # offer k's key
    kept: list[object]  # offer k's rows (kept alive with a piece that names their ids)
    stand_ins: StandIns
    now: datetime


@dataclass
class _Piece:
    parts: list[str]
    specs: list[Spec]  # ("money", ("opt", p, j), ccy): option p's figure j; others as marked


_BUILD: ContextVar[_Build | None] = ContextVar("lean_page_build", default=None)


def _option_offer(option: Any) -> int:
    """The position in the result of the offer an option of a row shows."""
    figure = getattr(getattr(option, "q", None), "send_amount", None)
    if not isinstance(figure, Figure) or figure.index == _AMOUNT:
        raise Unshapable("a row option without figures")
    return (figure.index - 1) // 6


def _piece(build: _Build, name: str, row: Any, corridor: Any, stale: bool, ks: list[int]) -> _Piece:
    page = build.stand_ins.page
    try:
        html = ROW_TEMPLATE.render(
            page=page,
            _=page.t,
            fmt=page.fmt,
            lang=page.language,
            now=build.now,
            amount=build.stand_ins.amount,
            row_macro=name,
            row=row,
            corridor=corridor,
            stale=stale,
        )
    except UndefinedError as exc:
        raise Unshapable(f"{name} read a name of the page: {exc}") from None
    pieces = _MARK.split(html)
    specs: list[Spec] = []
    for i in pieces[1::2]:
        spec = build.builder.specs[int(i)]
        if spec[0] in ("money", "pct", "str") and spec[1] != _AMOUNT:
            k, j = divmod(spec[1] - 1, 6)
            if k not in ks:
                raise Unshapable(f"{name} showed another offer's figure")
            spec = (spec[0], ("opt", ks.index(k), j), *spec[2:])
        specs.append(spec)
    return _Piece(pieces[0::2], specs)


def _shaped_offer_row(macro: Any, row: Any, corridor: Any, stale: bool = False) -> Any:
    """`offer_row` while a shape renders: the piece, rendered once per what it is made of."""
    build = _BUILD.get()
    if build is None:
        raise Unshapable("a row outside a shape")
    name = macro.name
    ks = [_option_offer(option) for option in row.options]
    ranked = name in RANKED
    key = (
        build.base,
        name,
        bool(stale),
        row.rank if ranked else None,
        row.slug,
        row.name,
        row.type,
        row.website,
        tuple(build.offers[k] for k in ks),
    )
    known, piece = SHAPES.rows.get(key)
    if not known or piece is None:
        shown = row if ranked else replace(row, rank=_HIDDEN)
        piece = _piece(build, name, shown, corridor, stale, ks)
        SHAPES.rows.put(key, piece, [build.kept[k] for k in ks])
    mark = build.builder.mark
    out = [piece.parts[0]]
    for spec, part in zip(piece.specs, piece.parts[1:], strict=True):
        if isinstance(spec[1], tuple):
            _, p, j = spec[1]
            spec = (spec[0], 1 + 6 * ks[p] + j, *spec[2:])
        out += (mark(spec), part)
    return Markup("".join(out))  # noqa: S704 - the macro's own output, markers in place


_SHAPED: dict[str, Any] = {"offer_row": _shaped_offer_row}
SHAPE_ENV.globals = ChainMap(_SHAPED, ENV.globals)  # type: ignore[assignment]
ROW_TEMPLATE = SHAPE_ENV.from_string(ROW_SOURCE)


@dataclass
class Shape:
    parts: list[bytes]  # the page's UTF-8 around the markers
    slots: list[int]  # which spec goes between parts[i] and parts[i + 1]
    specs: list[Spec]
    # How each spec is written (`_plan`): spec i of `figured` is writers[i](figures[at[i]]),
    # those after it are the amount as typed (`raw`) and the ages, in `specs` order.
    writers: list[Callable[[Decimal], str]] = field(default_factory=list)
    at: list[int] = field(default_factory=list)
    order: list[int] = field(default_factory=list)  # spec of each text written, in turn
    ages: list[datetime] = field(default_factory=list)
    raws: int = 0


@dataclass
class StandIns:
    """What the route puts in the context in place of the amount's figures."""

    amount: AmountFigure
    amount_text: str  # canonical(amount), as links and the form field carry it
    quotes: list[QuotePublic]
    survey: list[QuotePublic]
    page: Page  # the page for a shape: marker amount in its query, ShapeFormatter


class _Kept:
    """Newest used last, at most `limit`: key -> (value or None, the rows whose ids the key
    holds, kept alive with it; the key)."""

    def __init__(self, limit: int) -> None:
        self._entries: OrderedDict[Hashable, tuple[Any, object, Hashable]] = OrderedDict()
        self._lock = threading.Lock()
        self.limit = limit

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> tuple[bool, Any]:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return False, None
            self._entries.move_to_end(entry[2])  # the key kept: found without comparing
            return True, entry[0]

    def put(self, key: Hashable, value: Any, rows: object) -> None:
        with self._lock:
            self._entries[key] = (value, rows, key)
            self._entries.move_to_end(key)
            while len(self._entries) > self.limit:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class _Shapes(_Kept):
    """The shapes (a `Shape`, or None: rendered in full) and their row pieces."""

    def __init__(self, limit: int = MAX_SHAPES) -> None:
        super().__init__(limit)
        self.rows = _Kept(MAX_ROWS)
        self.built = 0  # shapes rendered (tests and the benchmark read these)
        self.served = 0  # pages written from a shape

    def clear(self, rows: bool = True) -> None:
        super().clear()
        if rows:
            self.rows.clear()


SHAPES = _Shapes()


def plain_query(request: Request) -> tuple[tuple[str, str], ...] | None:
    """The query's items with the amount's value left out (`""`), if the request is plain:
    a GET without conditional headers whose query has only the plain keys, each once,
    with plain values; else None (the full render answers it)."""
    if request.method != "GET" or any(h in request.headers for h in CONDITIONAL):
        return None
    # Read once per request (the lean route asks, then the page): kept in the scope with
    # the query string it was read from.
    scope = request.scope
    query = scope["query_string"]
    kept = scope.get(_READ)
    if kept is None or kept[0] is not query:
        kept = scope[_READ] = (query, _plain_items(query))
    return kept[1]


_READ = "web.lean_page.plain_query"


def _plain_items(query: bytes) -> tuple[tuple[str, str], ...] | None:
    try:
        items = parse_qsl(query.decode("ascii"), keep_blank_values=True, strict_parsing=True)
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


class _Hashed:
    """A key whose hash is computed once (a page's key is a tuple of some 200 values)."""

    __slots__ = ("hash", "key")

    def __init__(self, key: tuple[Hashable, ...]) -> None:
        self.key = key
        self.hash = hash(key)

    def __hash__(self) -> int:
        return self.hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Hashed) and self.hash == other.hash and self.key == other.key


@dataclass(frozen=True)
class _Key:
    page: _Hashed  # everything the page's shape depends on
    base: Hashable  # of it, what the row pieces depend on besides their offers
    offers: list[Spec]  # each offer's key, in the result's order
    below: frozenset[Decimal]  # the checked amounts the amount is compared with


def _corridor_key(corridor: Corridor, result: CompareResult) -> tuple[Any, ...]:
    """The corridor's fields, read once per data version when the book is held (its memo
    keeps the corridor the book read, so its id names it; a corridor read from the
    session is another object, read anew)."""
    kept = result.memo.get(_CORRIDOR)
    if kept is None or kept[0] is not corridor:
        kept = (corridor, tuple(getattr(corridor, name) for name in CORRIDOR_FIELDS))
        result.memo[_CORRIDOR] = kept
    return kept[1]


_CORRIDOR = "web.lean_page.corridor"


def _shape_key(ask: _Ask) -> _Key:
    """Everything the page's shape depends on; and the checked amounts the amount is
    compared with (offers priced below the smallest amount checked)."""
    offers: list[Spec] = []
    below: set[Decimal] = set()
    result, page = ask.result, ask.page
    kept = result.kept  # from a kept segment of amounts: its token names all but the order
    token, places = kept if isinstance(kept, tuple) else (None, ())
    for i, r in enumerate((*result.quotes, *result.survey)):
        p = r.priced
        checked = None
        if p.basis is Basis.BELOW and p.checked_amount is not None:
            checked = quantize_display(p.checked_amount, r.quote.send_currency)
            below.add(checked)
        compared = None if checked is None else ask.amount < checked
        if token is not None:  # the segment's offer (the token, held here, keeps its id)
            offers.append((token, places[i], compared))
            continue
        offers.append(
            (
                r.tier,
                # The stored rows as the book read them (the margin reference is the quote's
                # own; its survey day and quarter, with the tier), by identity: the entry
                # keeps them alive, so no other row has their id.
                id(r.quote),
                id(r.service),
                id(r.provider),
                _offer_key(r, ask.now),
                compared,
            )
        )
    base = (
        page.lang,
        page.explicit_language,
        page.request.url.path,
        ask.query,
        ask.version,
        _corridor_key(ask.corridor, result),
        result.data_version,
        result.receive_currency,
        result.currency,
        result.fees,
    )
    fixed: Hashable = (
        token  # the segment fixes all of these
        if token is not None
        else (
            _fixed_key(result),
            result.payouts,
            result.country_names,
            result.reference_rate,
            tuple(result.other_rates),
        )
    )
    key = (base, fixed, len(result.quotes), tuple(offers))
    return _Key(_Hashed(key), base, offers, frozenset(below))


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
    ask: _Ask, key: _Key, kept: list[object], context: Callable[[StandIns], dict[str, Any]]
) -> Shape | None:
    """The page's shape, or None (render it in full). `kept`: offer k's rows, kept alive with
    the shape and with each row piece that names their ids."""
    builder = _Builder()
    try:
        stand_ins = _stand_ins(ask, key.below, builder)
        build = _Build(builder, key.base, key.offers, kept, stand_ins, ask.now)
        token = _BUILD.set(build)
        try:
            values = context(stand_ins)
            # The row pieces see the globals where the page might have its own value.
            if any(values[k] is not v for k, v in ENV.globals.items() if k in values):
                raise Unshapable("the page gives a global a value of its own")
            html = render_html(stand_ins.page, TEMPLATE, values, env=SHAPE_ENV)
        finally:
            _BUILD.reset(token)
    except Unshapable as exc:
        log.info("compare page rendered in full: %s", exc)
        return None
    pieces = _MARK.split(html)
    parts = [piece.encode("utf-8") for piece in pieces[0::2]]
    return _plan(Shape(parts, [int(i) for i in pieces[1::2]], builder.specs), ask.page.language)


def _figures(amount: Decimal, result: CompareResult) -> list[Decimal]:
    out = [amount]
    for r in (*result.quotes, *result.survey):
        out += quote_at_amount(r)
    return out


def _decimal_text(value: Decimal) -> str:
    """`{{ value }}` of a Decimal: str, escaped (a Decimal's text has nothing to escape)."""
    return str(value)


def _plan(shape: Shape, language: Language) -> Shape:
    """How the shape's figures are written in its language: a writer per spec
    (`web.formatting`'s money and percentage writers, escaped as Jinja escapes them, which
    write what `Formatter.money` and `pct` write), the amount as typed and the ages last."""
    writers: list[Callable[[Decimal], str]] = []
    at: list[int] = []
    order: list[int] = []
    raws: list[int] = []
    ages: list[int] = []
    for i, spec in enumerate(shape.specs):
        kind = spec[0]
        if kind == "raw":
            raws.append(i)
            continue
        if kind == "age":
            ages.append(i)
            continue
        if kind == "money":
            writers.append(money_writer(language, spec[2], html=True))
        elif kind == "pct":
            writers.append(pct_writer(language, html=True))
        else:
            writers.append({"str": _decimal_text, "canonical": canonical, "plain": plain}[kind])
        at.append(_AMOUNT if kind in ("canonical", "plain") else spec[1])
        order.append(i)
    where = {spec: n for n, spec in enumerate(order + raws + ages)}  # spec -> its text
    return replace(
        shape,
        slots=[where[i] for i in shape.slots],
        writers=writers,
        at=at,
        order=order + raws + ages,
        ages=[shape.specs[i][1] for i in ages],
        raws=len(raws),
    )


def _html(text: str) -> str:
    """`str(escape(text))`, without building a Markup when nothing needs escaping."""
    for c in ("&", "<", ">", '"', "'"):
        if c in text:
            return str(escape(text))
    return text


def _write(shape: Shape, fmt: Formatter, raw: str, figures: list[Decimal], now: datetime) -> bytes:
    texts = [w(figures[i]).encode() for w, i in zip(shape.writers, shape.at, strict=True)]
    texts += [raw.encode()] * shape.raws
    texts += [_html(fmt.age(then, now)).encode() for then in shape.ages]
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
    key = _shape_key(ask)
    known, shape = SHAPES.get(key.page)
    if known and shape is None:
        rendering()  # this shape renders in full
    if not known:  # rendered here, on the loop too: the route's function runs once
        rows: list[object] = [
            (r.quote, r.service, r.provider) for r in (*result.quotes, *result.survey)
        ]
        shape = _build(ask, key, rows, context)
        SHAPES.built += 1
        SHAPES.put(key.page, shape, rows)
    if shape is None:
        return None
    SHAPES.served += 1
    return _write(shape, page.fmt, raw_amount, _figures(amount, result), now)
