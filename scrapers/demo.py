"""`remit demo`: reference data, real recorded central-bank rates, and generated SAMPLE quotes.

The rates come from the real recorded responses in data/sample/recorded/ through the same
parsers the collectors use. The provider quotes are generated from plausible fee and margin
structures and are stored with sample=True and source="sample": they are not live prices.
"""

from __future__ import annotations

import csv
import hashlib
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from sqlmodel import Session, col, delete, select

from api.services.databank import ensure_databank, ensure_rpw_history
from api.services.ingest import import_rpw_survey
from api.services.survey_services import SurveyReport
from api.services.wallets import wallet_book
from api.settings import DATA_DIR
from api.storage.models import Corridor, CurrentPrice, Provider, ProviderCorridor, Quote
from api.storage.outcome import Outcome
from api.storage.payloads import archive
from api.storage.pricebook import SURVEY_SOURCES, rebuild_current_prices
from api.storage.quotes import QuoteIn, store_quotes
from api.storage.rates import RateIn, RateView, reference_rate, store_rate, store_rates
from api.storage.reference import ReferenceCounts, load_reference
from api.storage.rollups import rebuild_rollups
from scrapers.parsers import cbi, cbr, dab, ecb, imf, sbp, tcmb
from scrapers.parsers.types import RateObservation
from scrapers.sources.base import rate_in

RECORDED = DATA_DIR / "sample" / "recorded"
SAMPLE_SOURCE = "sample"

# (file, source, parser) for every recorded central-bank response we bundle.
RECORDED_FILES: list[tuple[str, str, Callable[[bytes], list[RateObservation]]]] = [
    ("sbp/BFER_Daily.xlsx", "sbp", sbp.parse),
    ("dab/exchange-rates-2026-05-18.html", "dab", lambda b: dab.parse(b, date(2026, 5, 18))),
    ("cbi/rates-file.xlsx", "cbi", cbi.parse),
    ("ecb/exr-daily.csv", "ecb", ecb.parse),
    ("imf/rms_mth-2026-03-REP.tsv", "imf", imf.parse),
    ("tcmb/evds.json", "tcmb", tcmb.parse),
    ("cbr/XML_daily.xml", "cbr", cbr.parse),
]

# Services a provider of each type typically offers: (payin, payout, speed).
SERVICES_BY_TYPE: dict[str, list[tuple[str, str, str]]] = {
    "mto": [("card", "cash", "minutes"), ("bank", "bank", "next_day")],
    "fintech": [("bank", "bank", "same_day"), ("card", "wallet", "minutes")],
    "exchange_house": [("cash", "cash", "minutes"), ("cash", "bank", "same_day")],
    "bank": [("bank", "bank", "2_5_days")],
    "post": [("cash", "cash", "next_day")],
    "mobile": [("wallet", "wallet", "minutes")],
}
# The service a provider gets in the sample where a dated source says it pays into the
# destination's mobile wallets (data/wallets.yaml: Western Union -> Nagad in Bangladesh), so
# the demo shows a wallet named on a card; its prices are sample like all the others.
SOURCED_WALLET_SERVICE = ("card", "wallet", "minutes")
# (fee in USD, low..high), (fx margin %, low..high) per provider type.
STRUCTURE: dict[str, tuple[tuple[float, float], tuple[float, float]]] = {
    "mto": ((2.0, 8.0), (1.0, 3.5)),
    "fintech": ((0.5, 3.0), (0.3, 1.5)),
    "exchange_house": ((2.0, 5.0), (0.5, 2.0)),
    "bank": ((8.0, 25.0), (2.0, 5.0)),
    "post": ((3.0, 8.0), (1.5, 4.0)),
    "mobile": ((0.5, 2.0), (1.0, 2.5)),
}
HIGH_COST_DESTINATIONS = {"AF": Decimal("2.0"), "IQ": Decimal("1.0")}


SURVEY_FILE = DATA_DIR / "reference" / "uk_q3_2025_rpw_rows_pk_bd.json"
# Every RPW service of the latest surveyed quarter on 26 routes (percentages only).
SURVEY_SERVICES_FILE = DATA_DIR / "reference" / "fds_rpw_2025q1_services_pk_bd_af.csv"


@dataclass(frozen=True)
class DemoCounts:
    reference: ReferenceCounts
    rates_stored: int
    sample_rates: int
    quotes_stored: int
    quotes_rejected: int
    corridors_priced: int
    survey: SurveyReport | None = None


def load_recorded_rates(session: Session, now: datetime) -> int:
    stored = 0
    for filename, source, parser in RECORDED_FILES:
        content = (RECORDED / filename).read_bytes()
        digest = archive(
            session,
            source=source,
            url=f"file:data/sample/recorded/{filename}",
            content=content,
            fetched_at=now,
        )
        outcomes = store_rates(session, [rate_in(obs, digest) for obs in parser(content)], now)
        stored += outcomes.count(Outcome.STORED)
    session.flush()
    return stored


def load_sample_rates(session: Session, now: datetime, path: Path | None = None) -> int:
    path = path or DATA_DIR / "sample" / "sample_rates.csv"
    stored = 0
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            r = RateIn(
                base=row["base"],
                quote=row["quote"],
                rate=Decimal(row["rate"]),
                rate_type=row["rate_type"],
                source=SAMPLE_SOURCE,
                as_of=date.fromisoformat(row["as_of"]),
                sample=True,
            )
            stored += store_rate(session, r, now) is Outcome.STORED
    session.flush()
    return stored


def _rng(*parts: str) -> random.Random:
    seed = hashlib.sha256("|".join(parts).encode()).hexdigest()
    return random.Random(int(seed[:16], 16))


def _q(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def sample_services(provider: Provider, to_country: str) -> list[tuple[str, str, str]]:
    """The (payin, payout, speed) services a provider offers in the sample: those typical of
    its type, and a wallet payout where data/wallets.yaml says it pays into wallets there."""
    services = list(SERVICES_BY_TYPE.get(provider.type, SERVICES_BY_TYPE["mto"]))
    sourced = wallet_book().wallets(provider.slug, to_country)
    if sourced and all(payout != "wallet" for _, payout, _ in services):
        services.append(SOURCED_WALLET_SERVICE)
    return services


def sample_quotes(
    corridor: Corridor, provider: Provider, ref: RateView, now: datetime
) -> Iterable[QuoteIn]:
    """Plausible quotes for one provider on one corridor at every ladder point (SAMPLE)."""
    if corridor.basket_200 is None:
        return
    units_per_usd = corridor.basket_200 / 200
    fee_range, margin_range = STRUCTURE.get(provider.type, STRUCTURE["mto"])
    extra_margin = HIGH_COST_DESTINATIONS.get(corridor.to_country, Decimal(0))
    fee_places = 0 if units_per_usd > 50 else 2
    rng = _rng(corridor.code, provider.slug)
    # About one provider in six has a quote older than the freshness window, so the demo
    # shows how stale quotes are marked and ranked.
    age = timedelta(hours=60) if rng.random() < 0.17 else timedelta(minutes=rng.randint(5, 240))
    zero_fee = corridor.to_country == "PK" and rng.random() < 0.4  # PRI-reimbursed fees
    ccy = corridor.receive_currency_list()[0]
    for payin, payout, speed in sample_services(provider, corridor.to_country):
        svc_rng = _rng(corridor.code, provider.slug, payout, ccy)
        fee_usd = Decimal(str(round(svc_rng.uniform(*fee_range), 2)))
        margin = Decimal(str(round(svc_rng.uniform(*margin_range), 2))) + extra_margin
        if zero_fee:
            fee_usd, margin = Decimal(0), margin + Decimal("0.8")
        for amount in corridor.ladder_amounts():
            # Bigger transfers: the fee grows slowly, the margin shrinks a little.
            step = Decimal(str(round(svc_rng.uniform(0.0, 0.15), 2)))
            size = amount / corridor.basket_200
            growth = 1 + step * (size - 1 if size > 1 else 0)
            fee = _q(fee_usd * units_per_usd * growth, fee_places)
            m = max(Decimal("0.2"), margin - (Decimal("0.1") if size > 2 else Decimal(0)))
            yield QuoteIn(
                provider=provider.slug,
                corridor=corridor.code,
                send_amount=amount,
                send_currency=corridor.send_currency,
                fee=fee,
                rate=_q(ref.rate * (1 - m / 100), 6),
                receive_currency=ccy,
                payout_method=payout,
                payin_method=payin,
                speed=speed,
                collected_at=now - age,
                source=SAMPLE_SOURCE,
                sample=True,
                mid_rate=ref.rate,
                mid_rate_type=ref.rate_type,
                mid_rate_source=ref.source,
                mid_rate_as_of=ref.as_of,
            )


def _usd_payout_quotes(
    session: Session, corridor: Corridor, provider: Provider, now: datetime
) -> Iterable[QuoteIn]:
    """USD cash payout where a route pays USD (none since Afghanistan and Iraq pay out in
    their own currency only), priced against SEND->USD."""
    if "USD" not in corridor.receive_currency_list() or corridor.send_currency == "USD":
        return
    ref = reference_rate(session, corridor.send_currency, "USD")
    if ref is None:
        return
    for q in sample_quotes(corridor, provider, ref, now):
        if q.payout_method == "cash":
            yield replace(q, receive_currency="USD", speed="same_day")


def load_survey(session: Session, now: datetime) -> SurveyReport:
    """The bundled World Bank RPW survey prices (real): the UK row-level prices of Aug 2025
    and the service rows of the latest quarter on 26 routes, idempotently."""
    total = SurveyReport()
    for path in (SURVEY_FILE, SURVEY_SERVICES_FILE):
        report = import_rpw_survey(
            session, path.read_bytes(), now, url=f"file:data/reference/{path.name}"
        )
        total.offers += report.offers
        total.quotes_stored += report.quotes_stored
        total.quotes_duplicate += report.quotes_duplicate
        total.observations_stored += report.observations_stored
        total.skipped += report.skipped
        total.rejected += report.rejected
    return total


def real_corridors(session: Session) -> set[str]:
    """Corridors holding real (not sample) quotes: live or World Bank survey prices."""
    stmt = select(Quote.corridor_code).where(col(Quote.sample).is_(False)).distinct()
    return set(session.exec(stmt))


def generate_sample_quotes(
    session: Session, now: datetime, *, sample_on_real_corridors: bool = False
) -> tuple[int, int, int]:
    """Replace all sample quotes with a fresh set; returns (stored, rejected, corridors).

    Sample quotes go only where nothing real exists (a corridor with live or survey prices
    gets none), unless `sample_on_real_corridors` (the test suite's fixture data)."""
    sampled = set(
        session.exec(select(Quote.corridor_code).where(col(Quote.sample).is_(True)).distinct())
    )
    sample_ids = select(Quote.id).where(col(Quote.sample).is_(True))
    session.execute(delete(CurrentPrice).where(col(CurrentPrice.quote_id).in_(sample_ids)))
    session.execute(delete(Quote).where(col(Quote.sample).is_(True)))
    if sampled:
        rebuild_current_prices(session, sampled)
    skip = set() if sample_on_real_corridors else real_corridors(session)
    stored = rejected = priced = 0
    links = session.exec(select(ProviderCorridor)).all()
    by_corridor: dict[str, list[int]] = {}
    for link in links:
        by_corridor.setdefault(link.corridor_code, []).append(link.provider_id)
    for code, provider_ids in sorted(by_corridor.items()):
        if code in skip:
            continue
        corridor = session.get(Corridor, code)
        assert corridor is not None
        ref = reference_rate(session, corridor.send_currency, corridor.receive_currency_list()[0])
        if ref is None:
            continue
        priced += 1
        for pid in provider_ids:
            provider = session.get(Provider, pid)
            assert provider is not None
            quotes = [*sample_quotes(corridor, provider, ref, now)]
            quotes += _usd_payout_quotes(session, corridor, provider, now)
            for result in store_quotes(session, quotes):
                stored += result.outcome is Outcome.STORED
                rejected += result.outcome is Outcome.REJECTED
    session.flush()
    rebuild_rollups(session)  # the delete above removed quotes the rollups had seen
    return stored, rejected, priced


def load_demo(
    session: Session,
    now: datetime,
    *,
    sample: bool = False,
    sample_on_real_corridors: bool = False,
) -> DemoCounts:
    """Reference data, recorded central-bank rates, the World Bank survey prices and
    history: real material only. Invented sample quotes only when `sample` is asked for
    (`remit demo --sample`: demos, screenshots, benchmarks, the test suite)."""
    ref = load_reference(session)
    ensure_databank(session)  # the World Bank's published corridor history (real data)
    ensure_rpw_history(session)  # means of RPW service rows since 2016 (real, third party's)
    rates = load_recorded_rates(session, now)
    sample_rates = load_sample_rates(session, now)
    survey = load_survey(session, now)
    stored = rejected = priced = 0
    if sample:
        # Survey imports link the firms they price to their routes; sample quotes go only to
        # the providers and routes the reference data lists (this prunes the other links).
        load_reference(session)
        stored, rejected, priced = generate_sample_quotes(
            session, now, sample_on_real_corridors=sample_on_real_corridors
        )
    return DemoCounts(ref, rates, sample_rates, stored, rejected, priced, survey)


def ensure_demo(session: Session, now: datetime, fresh: timedelta) -> str:
    """`make run`'s step: load the real bundled material (idempotent: reference data,
    recorded rates, World Bank survey prices, DataBank history) unless the database holds
    collected quotes; sample quotes someone loaded with `remit demo --sample` are
    regenerated once they are older than the freshness window."""
    databank = ensure_databank(session)  # real published history, whatever else is loaded
    history = (
        f"; World Bank DataBank corridor history: {databank.stored} published points stored"
        if databank.stored
        else ""
    )
    means = ensure_rpw_history(session)  # means of RPW service rows 2016-2025 (third party's)
    if means.stored:
        history += (
            f"; means of World Bank RPW service rows 2016-2025 (computed by a third party): "
            f"{means.stored} quarters stored"
        )
    return _ensure_quotes(session, now, fresh) + history


def _ensure_quotes(session: Session, now: datetime, fresh: timedelta) -> str:
    has_real = session.exec(
        select(Quote.id)
        .where(col(Quote.sample).is_(False), col(Quote.source).not_in(SURVEY_SOURCES))
        .limit(1)
    ).first()
    if has_real is not None:
        survey_note = ""
        if session.exec(select(Corridor.code).limit(1)).first() is not None:
            survey = load_survey(session, now)
            if survey.quotes_stored:
                survey_note = f"; {survey.quotes_stored} World Bank survey prices added"
        return "database has collected quotes; demo data not loaded" + survey_note
    newest_sample = session.exec(
        select(Quote.collected_at)
        .where(col(Quote.sample).is_(True))
        .order_by(col(Quote.collected_at).desc())
        .limit(1)
    ).first()
    counts = load_demo(session, now)  # idempotent: adds only what is missing
    if newest_sample is not None and now - newest_sample > fresh:
        stored, _, _ = generate_sample_quotes(session, now)
        return f"sample quotes refreshed: {stored} (sample data — not live prices)"
    if counts.survey is not None and not counts.survey.quotes_stored:
        return "real data already loaded" + (
            " (and sample quotes from `remit demo --sample`)" if newest_sample else ""
        )
    return describe(counts)


def describe(c: DemoCounts) -> str:
    survey = c.survey.quotes_stored if c.survey else 0
    observations = c.survey.observations_stored if c.survey else 0
    text = (
        f"loaded {c.reference.corridors} corridors, {c.reference.providers} providers, "
        f"{c.rates_stored} recorded central-bank rates, {c.sample_rates} sample rates, "
        f"{survey} World Bank RPW survey prices ({observations} surveyed services: GB-PK, "
        "GB-BD Aug 2025; 26 routes, latest quarter 2023 Q3–2025 Q1)"
    )
    if c.quotes_stored:
        text += (
            f", {c.quotes_stored} sample quotes on {c.corridors_priced} corridors "
            "(sample data — not live prices)"
        )
    return text
