"""Turn service results into public JSON models (one place, shared by API and exports)."""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, NamedTuple

from pydantic import BaseModel

from api.domain import verdict as verdict_words
from api.domain.costs import QuoteCost
from api.domain.money import minor_unit, quantize_display
from api.domain.periods import quarter_months
from api.domain.ranking import Priced
from api.http.schemas import (
    PCT,
    CompareResponse,
    CorridorPublic,
    ProviderRef,
    QuotePublic,
    RatePublic,
    ReceiptAgainst,
    ReceiptResponse,
    SurveyBasket,
    pct,
    rate,
)
from api.services.compare import (
    MEMO_LIMIT,
    RPW_ATTRIBUTION,
    SAMPLE_NOTICE,
    SURVEY_NOTICE,
    CompareRequest,
    CompareResult,
    RankedQuote,
)
from api.services.corridors import CorridorSummary
from api.services.receipt import ReceiptResult
from api.services.wallets import wallet_book
from api.storage.pricebook import SURVEY
from api.storage.rates import RateView


def corridor_public(s: CorridorSummary) -> CorridorPublic:
    c = s.corridor
    return CorridorPublic(
        code=c.code,
        **{"from": c.from_country},
        to=c.to_country,
        from_name=s.from_name,
        to_name=s.to_name,
        send_currency=c.send_currency,
        receive_currencies=c.receive_currency_list(),
        live_providers=s.live_providers,
        last_update=s.last_update,
        no_provider_reason=c.no_provider_reason if s.live_providers == 0 else None,
        incentive_note=c.incentive_note,
        basket_amounts=[a for a in (c.basket_200, c.basket_500) if a is not None],
        sample=s.sample,
        status=s.status,
        survey_period=s.survey_period,
    )


def rate_public(v: RateView) -> RatePublic:
    return RatePublic(
        base=v.base,
        quote=v.quote,
        rate=rate(v.rate),
        rate_type=v.rate_type,
        source=v.source,
        as_of=v.as_of,
        derived=v.derived,
        sample=v.sample,
        variant=v.variant,
        via=v.via,
        buy=v.buy,
        sell=v.sell,
    )


def survey_basket(p: Priced, send_ccy: str, receive_ccy: str) -> SurveyBasket:
    return SurveyBasket(
        send_amount=quantize_display(p.send_amount, send_ccy),
        fee=quantize_display(p.fee, send_ccy),
        rate=rate(p.rate),
        fx_margin_pct=pct(p.cost.fx_margin_pct),
        total_cost_pct=pct(p.cost.total_cost_pct),
        received_amount=quantize_display(p.cost.received_amount, receive_ccy),
    )


def quote_public(r: RankedQuote, now: datetime) -> QuotePublic:
    at_amount = dict(zip(AT_AMOUNT, quote_at_amount(r), strict=True))
    return QuotePublic(**quote_fixed(r), **quote_at_point(r, now), **at_amount)


# An offer's fields that depend on the amount asked: those of the price point and time
# (`quote_at_point`: the same for every amount priced from the same point, fee and rate)
# and those of the amount itself (`quote_at_amount`).
AT_POINT = (
    "fee",
    "rate",
    "mid_rate",
    "fx_margin_pct",
    "age_hours",
    "stale",
    "estimated",
    "price_basis",
    "checked_amount",
)
AT_AMOUNT = (
    "send_amount",
    "you_pay",
    "fx_margin_amount",
    "total_cost_pct",
    "total_cost",
    "received_amount",
)


def _age_hours(r: RankedQuote, now: datetime) -> int | None:
    # An invented sample price has no capture time to show (issue 17).
    if r.quote.sample:
        return None
    return int((now - r.quote.collected_at).total_seconds() // 3600)


def _offer_key(r: RankedQuote, now: datetime) -> Hashable:
    """Everything an offer's JSON reads but its AT_AMOUNT figures, within one data version
    (the memo goes with the corridor's book): the quote (its id, with the service's: and so
    its price point, mid rate, currencies, capture time and survey period), the tier, and
    what `quote_at_point` reads of the price (the amount checked is the point's, by basis)."""
    p = r.priced
    return (r.tier, r.quote.id, r.service.id, p.fee, p.rate, p.stale, p.estimated, p.basis,
            _age_hours(r, now))  # fmt: skip


def quote_at_point(r: RankedQuote, now: datetime) -> dict[str, Any]:
    p = r.priced
    send_ccy = r.quote.send_currency
    checked = p.checked_amount
    return {
        "fee": quantize_display(p.fee, send_ccy),
        "rate": rate(p.rate),
        "mid_rate": rate(p.point.mid),
        "fx_margin_pct": pct(p.cost.fx_margin_pct),
        "age_hours": _age_hours(r, now),
        "stale": p.stale,
        # Percentage-only survey rows: fee and rate are estimated at the basket amount.
        "estimated": p.estimated or r.survey_period is not None,
        "price_basis": p.basis.value,
        "checked_amount": quantize_display(checked, send_ccy) if checked is not None else None,
    }


def quote_at_amount(r: RankedQuote) -> tuple[Decimal, ...]:
    """The AT_AMOUNT figures, in that order."""
    p, q = r.priced, r.quote
    return amount_figures(
        p.send_amount, p.fee, p.cost, minor_unit(q.send_currency), minor_unit(q.receive_currency)
    )


def amount_figures(
    send_amount: Decimal, fee: Decimal, cost: QuoteCost, send: Decimal, receive: Decimal
) -> tuple[Decimal, Decimal, Decimal, Decimal, Decimal, Decimal]:
    """An offer's AT_AMOUNT figures, in that order, with `send` and `receive` the minor units
    of its currencies: each rounded to a fixed number of places (money to the currency's
    minor units, the percentage to four), so `str()` writes each as plain text
    (tests/core/test_lean_compare.py). The rounding is `quantize_display`'s (half-even, to
    the minor unit) and `pct`'s, written out: this runs six times per offer per answer (the
    calls cost a few percent of a compare answer, in-process)."""
    return (
        send_amount.quantize(send, rounding=ROUND_HALF_EVEN),
        (send_amount + fee).quantize(send, rounding=ROUND_HALF_EVEN),
        (cost.total_cost - fee).quantize(send, rounding=ROUND_HALF_EVEN),
        cost.total_cost_pct.quantize(PCT),
        cost.total_cost.quantize(send, rounding=ROUND_HALF_EVEN),
        cost.received_amount.quantize(receive, rounding=ROUND_HALF_EVEN),
    )


def quote_fixed(r: RankedQuote) -> dict[str, Any]:
    """An offer's fields that depend only on its stored quote, service and provider (and,
    for survey prices, the surveyed points): the same at every amount."""
    send_ccy = r.quote.send_currency
    ref = r.reference
    return {
        "provider": ProviderRef(slug=r.provider.slug, name=r.provider.name, type=r.provider.type),
        "tier": "survey" if r.tier == "survey" else "live",
        "mid_rate_type": r.quote.mid_rate_type,
        "mid_rate_source": r.quote.mid_rate_source,
        "mid_rate_as_of": ref.as_of,
        "reference_gap_hours": ref.gap_hours,
        "reference_outdated": ref.outdated,
        "comparable_with_rpw": ref.comparable_with_rpw,
        "receive_currency": r.quote.receive_currency,
        "payout_method": r.service.payout_method,
        "payout_wallets": list(
            wallet_book().wallets(r.provider.slug, r.service.corridor_code.split("-")[-1])
        )
        if r.service.payout_method == "wallet"
        else [],
        "payin_method": r.service.payin_method,
        "speed": r.service.speed,
        "collected_at": None if r.quote.sample else r.quote.collected_at,
        "source": r.quote.source,
        "sample": r.quote.sample,
        "promotional": r.quote.promotional,
        "transparent": r.quote.transparent,
        "access_point": r.service.access_point or None,
        "note": r.quote.note,
        "survey_date": r.survey_date,
        "survey_period": r.survey_period,
        "survey_quarter": quarter_months(r.survey_period) if r.survey_period else None,
        "survey_baskets": [survey_basket(b, send_ccy, r.quote.receive_currency) for b in r.baskets],
    }


def receipt_public(res: ReceiptResult, now: datetime) -> ReceiptResponse:
    req, cost = res.request, res.cost
    best = quote_public(res.best, now) if res.best else None
    extra = (
        quantize_display(
            res.best.priced.cost.received_amount - req.received_amount, req.receive_currency
        )
        if res.best
        else None
    )
    sample = res.sample or res.mid.sample
    bench = res.benchmark
    verdict = res.verdict
    warning = verdict_words.warning_key(res.warning, cost.total_cost_pct)
    return ReceiptResponse(
        send_amount=req.send_amount,
        send_currency=req.send_currency,
        fee=req.fee,
        received_amount=req.received_amount,
        receive_currency=req.receive_currency,
        mid_rate=rate(res.mid.rate),
        mid_rate_source=res.mid.source,
        mid_rate_type=res.mid.rate_type,
        mid_rate_as_of=res.mid.as_of,
        mid_rate_derived=res.mid.derived,
        applied_rate=rate(cost.applied_rate),
        fx_margin_pct=pct(cost.fx_margin_pct),
        fx_margin_amount=quantize_display(cost.total_cost - req.fee, req.send_currency),
        total_cost_pct=pct(cost.total_cost_pct),
        total_cost=quantize_display(cost.total_cost, req.send_currency),
        best_alternative=best,
        best_alternative_corridor=res.corridor.code if res.corridor and res.best else None,
        extra_received_with_best=extra,
        transfer_date=res.on,
        reference_rate=rate_public(res.mid),
        reference_outdated=res.reference_outdated,
        against=[
            ReceiptAgainst(
                rate=rate_public(a.rate),
                fx_margin_pct=pct(a.cost.fx_margin_pct),
                total_cost_pct=pct(a.cost.total_cost_pct),
                total_cost=quantize_display(a.cost.total_cost, req.send_currency),
                plausible=a.plausible,
            )
            for a in res.against
        ],
        world_bank_average_pct=bench.average_pct if bench else None,
        world_bank_period=bench.period if bench else None,
        world_bank_source=bench.source if bench else None,
        basis=res.basis,
        reference_recent=res.reference_recent,
        newest_published_rate=rate_public(res.newest_rate or res.mid),
        verdict=verdict.level.value,
        above_limit=verdict.above_limit,
        times_average=verdict.times_average,
        verdict_text=_verdict_text(res, extra),
        warning=res.warning,
        warning_text=verdict_words.WARNINGS[warning] % {"pct": f"{pct(cost.total_cost_pct)}%"}
        if warning
        else None,
        sample=sample,
        notice=SAMPLE_NOTICE if sample else None,
    )


def _verdict_text(res: ReceiptResult, extra: Decimal | None) -> str:
    """The verdict, then the best offer we know, in plain English."""
    text = verdict_words.words(res.verdict)
    best = res.best
    if best is None or extra is None:
        return text
    ccy = res.request.receive_currency
    if best.tier == SURVEY:
        when = best.survey_date.strftime("%b %Y") if best.survey_date else "date unknown"
        if extra > 0:
            return (
                f"{text} The cheapest surveyed service would have delivered {ccy} {extra:,} "
                f"more (World Bank survey, {when})."
            )
        return f"{text} Your family got at least as much as the cheapest surveyed service."
    if extra > 0:
        return f"{text} The best offer here today would have delivered {ccy} {extra:,} more."
    return f"{text} Your family got at least as much as the best offer here today."


# -- the compare answer -------------------------------------------------------------------------


def compare_response(req: CompareRequest, result: CompareResult, now: datetime) -> CompareResponse:
    return CompareResponse(
        amount=req.amount,
        quotes=[quote_public(q, now) for q in result.quotes],
        survey_quotes=[quote_public(q, now) for q in result.survey],
        **compare_fixed(result),
    )


def compare_fixed(result: CompareResult) -> dict[str, Any]:
    """The answer's fields around its offers (all but amount, quotes and survey_quotes).
    They depend on the corridor's data version and on `_fixed_key(result)` only."""
    summary = CorridorSummary(
        result.corridor,
        *result.country_names,
        len({q.provider.slug for q in result.quotes}),
        result.data_as_of,
        result.sample,
    )
    return {
        "corridor": corridor_public(summary),
        "currency": result.currency,
        "receive_currency": result.receive_currency,
        "reference_rate": rate_public(result.reference_rate) if result.reference_rate else None,
        "other_reference_rates": [rate_public(r) for r in result.other_rates],
        "data_as_of": result.data_as_of,
        "sample": result.sample,
        "notice": SAMPLE_NOTICE if result.sample else None,
        "no_provider_reason": result.no_provider_reason,
        "excluded_out_of_range": result.excluded_out_of_range,
        "filters": result.filters,
        "fees": result.fees.value,
        "survey_date": result.survey_date,
        "survey_periods": result.survey_periods,
        "survey_notice": SURVEY_NOTICE if result.survey else None,
        "attribution": RPW_ATTRIBUTION if result.survey else None,
        "data_version": result.data_version,
    }


def _fixed_key(result: CompareResult) -> Hashable:
    """Everything `compare_fixed` reads that may differ within one data version (corridor,
    country names, rates of a receive currency and the version are the book's)."""
    return (
        result.receive_currency,
        result.currency,
        frozenset(q.provider.slug for q in result.quotes),
        result.data_as_of,
        result.sample,
        result.no_provider_reason,
        result.excluded_out_of_range,
        tuple(result.filters.items()),
        result.fees,
        tuple(q.survey_date for q in result.survey),
        tuple(q.survey_period for q in result.survey),
    )


class _Layout:
    """A model's JSON as a template: runs of fields that are the same for every request of
    a data version, serialised once by pydantic itself, with a `{}` for each field written
    per request (`filled`). Pydantic writes fields in declaration order as `"name":value`
    joined by commas, so the filled template is the model's own JSON."""

    def __init__(self, model: type[BaseModel], filled: frozenset[str]) -> None:
        self.runs: list[tuple[bool, tuple[str, ...]]] = []  # (filled?, field names)
        for name, info in model.model_fields.items():
            is_filled = name in filled
            assert not is_filled or (info.serialization_alias or info.alias or name) == name
            if self.runs and not is_filled and not self.runs[-1][0]:
                self.runs[-1] = (False, (*self.runs[-1][1], name))
            else:
                self.runs.append((is_filled, (name,)))
        self.filled = tuple(names[0] for is_filled, names in self.runs if is_filled)

    def chunks(self, model: BaseModel) -> tuple[str, ...]:
        """`model`'s JSON cut where each filled field's value goes (in `self.filled` order):
        one more chunk than there are filled fields."""
        out, pending = [], "{"
        for i, (is_filled, names) in enumerate(self.runs):
            comma = "," if i else ""
            if is_filled:
                out.append(f'{pending}{comma}"{names[0]}":')
                pending = ""
            else:
                run = model.model_dump_json(by_alias=True, include=set(names))[1:-1]
                pending += comma + run
        out.append(pending + "}")
        return tuple(out)

    def template(self, model: BaseModel) -> Template:
        """`chunks(model)` as a `Template`: its figures' part a %-template with a `"%s"` for
        each (pydantic writes a DecimalStr as its `plain` text in quotes; for a figure
        rounded to a fixed number of places, `quote_at_amount`'s, that is `str()`'s text)."""
        first, *between, last = self.chunks(model)
        middle = '"%s"' + '"%s"'.join(c.replace("%", "%%") for c in between) + '"%s"'
        return Template(first.encode(), middle, last.encode())


class Template(NamedTuple):
    """A JSON object with figures to fill: UTF-8 bytes before and after them, and the text
    from the first figure to the last as a %-template. Bytes around: an answer holds a few
    non-ASCII characters (an en dash), which would make every join and the final encoding
    of text work on wide characters; the part with the figures is short (and ASCII)."""

    before: bytes
    figures: str
    after: bytes


_OFFER = _Layout(QuotePublic, frozenset(AT_AMOUNT))
assert _OFFER.filled == AT_AMOUNT
_ANSWER = _Layout(CompareResponse, frozenset({"amount", "quotes", "survey_quotes"}))
assert _ANSWER.filled == ("amount", "quotes", "survey_quotes")


def offer_template(q: RankedQuote, now: datetime) -> Template:
    """An offer's JSON as a `Template` of its AT_AMOUNT figures (`filled`)."""
    at_amount = dict(zip(AT_AMOUNT, quote_at_amount(q), strict=True))
    return _OFFER.template(QuotePublic(**quote_fixed(q), **quote_at_point(q, now), **at_amount))


def filled(template: Template, figures: tuple[Decimal, ...]) -> bytes:
    """An offer's JSON: its template with its six AT_AMOUNT figures written in (as `str()`
    writes them, which `%s` does: see `amount_figures`)."""
    return template.before + (template.figures % figures).encode() + template.after


def answer_around(req: CompareRequest, result: CompareResult) -> tuple[bytes, ...]:
    """The answer's JSON around its amount and its two lists of offers (four pieces), kept
    in `result.memo` per `_fixed_key`."""
    memo = result.memo
    key = ("answer", _fixed_key(result))
    around: tuple[bytes, ...] | None = memo.get(key)
    if around is None:
        if len(memo) > MEMO_LIMIT:
            memo.clear()
        model = CompareResponse(
            amount=req.amount, quotes=[], survey_quotes=[], **compare_fixed(result)
        )
        around = memo[key] = tuple(c.encode() for c in _ANSWER.chunks(model))
    return around


def answer_bytes(
    req: CompareRequest, around: tuple[bytes, ...], live: bytes, survey: bytes
) -> bytes:
    """The answer's JSON from `answer_around`'s pieces and its offers' (comma-joined)."""
    a, b, c, d = around
    amount = f'"{req.amount:f}"'.encode()
    return b"".join((a, amount, b, b"[", live, b"]", c, b"[", survey, b"]", d))


def compare_json(req: CompareRequest, result: CompareResult, now: datetime) -> bytes:
    """`compare_response(...)`'s JSON, byte for byte, without building its models: what does
    not depend on the amount is serialised once per data version (kept in `result.memo`,
    which goes with the corridor's book): the answer around its offers, and each offer
    around its AT_AMOUNT figures (per price point and hour of age). Only those figures are
    written per request (tests/core/test_lean_compare.py compares the bytes)."""
    memo = result.memo
    if len(memo) > MEMO_LIMIT:
        memo.clear()

    def offers(quotes: list[RankedQuote]) -> bytes:
        written = []
        for q in quotes:
            key = _offer_key(q, now)
            template = memo.get(key)
            if template is None:
                template = memo[key] = offer_template(q, now)
            written.append(filled(template, quote_at_amount(q)))
        return b",".join(written)

    around = answer_around(req, result)
    return answer_bytes(req, around, offers(result.quotes), offers(result.survey))
