"""Turn service results into public JSON models (one place, shared by API and exports)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from api.domain import verdict as verdict_words
from api.domain.money import quantize_display
from api.domain.periods import quarter_months
from api.domain.ranking import Priced
from api.http.schemas import (
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
from api.services.compare import SAMPLE_NOTICE, RankedQuote
from api.services.corridors import CorridorSummary
from api.services.receipt import ReceiptResult
from api.services.wallets import wallet_book
from api.storage.pricebook import SURVEY
from api.storage.rates import RateView

HOUR = timedelta(hours=1)


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
    c = r.priced.cost
    send_ccy = r.quote.send_currency
    ref = r.reference
    return QuotePublic(
        provider=ProviderRef(slug=r.provider.slug, name=r.provider.name, type=r.provider.type),
        tier="survey" if r.tier == "survey" else "live",
        send_amount=quantize_display(r.send_amount, send_ccy),
        you_pay=quantize_display(r.you_pay, send_ccy),
        fee=quantize_display(r.priced.fee, send_ccy),
        rate=rate(r.priced.rate),
        mid_rate=rate(r.priced.point.mid),
        mid_rate_type=r.quote.mid_rate_type,
        mid_rate_source=r.quote.mid_rate_source,
        mid_rate_as_of=ref.as_of,
        reference_gap_hours=ref.gap_hours,
        reference_outdated=ref.outdated,
        comparable_with_rpw=ref.comparable_with_rpw,
        fx_margin_pct=pct(c.fx_margin_pct),
        fx_margin_amount=quantize_display(c.total_cost - r.priced.fee, send_ccy),
        total_cost_pct=pct(c.total_cost_pct),
        total_cost=quantize_display(c.total_cost, send_ccy),
        received_amount=quantize_display(c.received_amount, r.quote.receive_currency),
        receive_currency=r.quote.receive_currency,
        payout_method=r.service.payout_method,
        payout_wallets=list(
            wallet_book().wallets(r.provider.slug, r.service.corridor_code.split("-")[-1])
        )
        if r.service.payout_method == "wallet"
        else [],
        payin_method=r.service.payin_method,
        speed=r.service.speed,
        # An invented sample price has no capture time to show (issue 17).
        collected_at=None if r.quote.sample else r.quote.collected_at,
        age_hours=None if r.quote.sample else int((now - r.quote.collected_at) // HOUR),
        source=r.quote.source,
        stale=r.priced.stale,
        # Percentage-only survey rows: fee and rate are estimated at the basket amount.
        estimated=r.priced.estimated or r.survey_period is not None,
        price_basis=r.priced.basis.value,
        checked_amount=(
            quantize_display(r.priced.checked_amount, send_ccy)
            if r.priced.checked_amount is not None
            else None
        ),
        sample=r.quote.sample,
        promotional=r.quote.promotional,
        transparent=r.quote.transparent,
        access_point=r.service.access_point or None,
        note=r.quote.note,
        survey_date=r.survey_date,
        survey_period=r.survey_period,
        survey_quarter=quarter_months(r.survey_period) if r.survey_period else None,
        survey_baskets=[survey_basket(b, send_ccy, r.quote.receive_currency) for b in r.baskets],
    )


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
