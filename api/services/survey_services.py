"""World Bank RPW service rows given as percentages only (`api/ingestion/formats/rpw_services.py`)
turned into survey-tier price points and RPW observations.

The rows give fee %, margin % and total % at the USD 200 and USD 500 baskets, no amounts
and no rates. Each service becomes two price points at the corridor's own basket amounts
(`corridor.basket_200`, `basket_500`, in the sender's currency): fee = fee % x basket, and
the rate = reference rate x (1 - margin %), where the reference rate is the one nearest the
survey quarter that we hold (stored with the quote and shown with its date). The numbers
are therefore estimates; the percentages are the survey's own. The quotes go through
`store_quotes` like every other quote; the services are stored as RPW observations for the
trends. Called by `import_rpw_survey` (api/services/ingest.py) for this layout.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlmodel import Session, select

from api.domain.money import minor_unit
from api.domain.periods import quarter_end
from api.domain.rpw_firms import our_provider_slug, our_provider_type
from api.ingestion.formats.rpw import RpwCost, RpwRow, rpw_row_key
from api.ingestion.formats.rpw_services import ServiceRow, parse_services
from api.storage.models import Corridor, Country, Provider
from api.storage.outcome import Outcome
from api.storage.payloads import archive
from api.storage.quotes import QuoteIn, store_quotes
from api.storage.rates import NearestRates, RateView
from api.storage.rollups import refresh_rpw_workbook_rollups
from api.storage.rpw import existing_keys, insert_observations

SOURCE = "rpw"
RATE_PLACES = Decimal("0.000001")


def speed_of(days: Decimal) -> str:
    """The third party's days-to-arrive (RPW speed text as a number) as our speed band:
    0 covers RPW's "less than one hour" and "same day", so it is read as same day."""
    if days < 1:
        return "same_day"
    if days < 2:
        return "next_day"
    if days <= 5:
        return "2_5_days"
    return "over_5_days"


@dataclass(frozen=True)
class _Service:
    """One surveyed service: its rows at USD 200 and/or USD 500 (paired within a firm in
    the file's order) and its number among the firm's services on the corridor."""

    corridor: str  # ours, "SA-PK"
    number: int
    at200: ServiceRow | None
    at500: ServiceRow | None

    @property
    def first(self) -> ServiceRow:
        row = self.at200 or self.at500
        assert row is not None
        return row

    @property
    def variant(self) -> str:
        return f"{self.first.period}#{self.number}"


def _services(rows: list[ServiceRow], corridors: dict[tuple[str, str], str]) -> list[_Service]:
    by_firm: dict[tuple[str, str, str], dict[Decimal, list[ServiceRow]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for r in sorted(rows, key=lambda r: (r.basket_usd, r.row)):
        code = corridors[(r.source_code, r.destination_code)]
        by_firm[(code, r.period, r.firm)][r.basket_usd].append(r)
    out: list[_Service] = []
    for (code, _period, _firm), baskets in by_firm.items():
        low, high = baskets.get(Decimal(200), []), baskets.get(Decimal(500), [])
        for k in range(max(len(low), len(high))):
            out.append(
                _Service(
                    code,
                    k + 1,
                    low[k] if k < len(low) else None,
                    high[k] if k < len(high) else None,
                )
            )
    return out


@dataclass
class SurveyReport:
    offers: int = 0
    quotes_stored: int = 0
    quotes_duplicate: int = 0
    observations_stored: int = 0
    skipped: list[str] = field(default_factory=list)  # offers we cannot place, with why
    rejected: list[str] = field(default_factory=list)  # offers validation refused, with why


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:64]


def _provider(session: Session, firm: str, firm_type: str, cache: dict[str, str]) -> str | None:
    """Our provider for a surveyed firm: a known one, else one created with the firm's
    RPW type. None when the RPW firm type is not one we know."""
    if firm in cache:
        return cache[firm]
    slug = our_provider_slug(firm)
    if slug is None:
        our_type = our_provider_type(firm_type)
        if our_type is None:
            return None
        slug = _slug(firm)
        if session.exec(select(Provider).where(Provider.slug == slug)).first() is None:
            session.add(Provider(slug=slug, name=firm, type=our_type))
            session.flush()
    cache[firm] = slug
    return slug


def _note(row: ServiceRow) -> str:
    return (
        f"World Bank RPW {row.period[:4]} Q{row.period[-1]}, firm {row.firm} "
        f"({row.firm_type}): surveyed as percentages of the USD {row.basket_usd} basket; "
        "fee and rate estimated at that basket with the reference rate shown"
    )


def _quote(
    s: _Service,
    row: ServiceRow,
    corridor: Corridor,
    amount: Decimal,
    ref: RateView,
    receive: str,
    provider: str,
    payload: str,
) -> QuoteIn:
    fee = (amount * row.fee_pct / 100).quantize(
        minor_unit(corridor.send_currency), rounding=ROUND_HALF_EVEN
    )
    rate = (ref.rate * (1 - row.fx_margin_pct / 100)).quantize(
        RATE_PLACES, rounding=ROUND_HALF_EVEN
    )
    surveyed = datetime.combine(quarter_end(row.period), time(0), tzinfo=UTC)
    return QuoteIn(
        provider=provider,
        corridor=corridor.code,
        send_amount=amount,
        send_currency=corridor.send_currency,
        fee=fee,
        rate=rate,
        receive_currency=receive,
        payout_method="unknown",
        payin_method="unknown",
        speed=speed_of(row.days),
        collected_at=surveyed,
        source_captured_at=surveyed,
        source=SOURCE,
        payload_hash=payload,
        mid_rate=ref.rate,
        mid_rate_type=ref.rate_type,
        mid_rate_source=ref.source,
        mid_rate_as_of=ref.as_of,
        promotional=row.total_cost_pct < 0,
        note=_note(row),
        variant=s.variant,
        survey_period=row.period,
    )


def _cost(row: ServiceRow | None, amount: Decimal | None, currency: str) -> RpwCost:
    if row is None or amount is None:
        return RpwCost(None, None, None, None, None, None)
    fee = (amount * row.fee_pct / 100).quantize(minor_unit(currency), rounding=ROUND_HALF_EVEN)
    return RpwCost(
        amount, currency, fee, None, row.fx_margin_pct, row.total_cost_pct, row.basket_usd
    )


def _observation(s: _Service, corridor: Corridor) -> tuple[str, RpwRow]:
    first = s.first
    row = RpwRow(
        period=first.period,
        source_code=first.source_code,
        source_name=first.source_name,
        destination_code=first.destination_code,
        destination_name=first.destination_name,
        corridor=f"{first.source_code}{first.destination_code}",
        firm=first.firm,
        firm_type=first.firm_type,
        payment_instrument=None,
        access_point=None,
        speed_actual=None,
        cc1=_cost(s.at200, corridor.basket_200, corridor.send_currency),
        cc2=_cost(s.at500, corridor.basket_500, corridor.send_currency),
        inter_lcu_bank_fx=None,
        transparent=True,
        date=None,
        promotional_negative=any(
            r is not None and r.total_cost_pct < 0 for r in (s.at200, s.at500)
        ),
    )
    # Services that look alike are distinct RPW services: the variant keeps their keys apart.
    key = hashlib.sha256(f"{rpw_row_key(row)}|{s.variant}".encode()).hexdigest()
    return key, row


def import_service_rows(
    session: Session,
    content: bytes,
    now: datetime,
    report: SurveyReport,
    *,
    url: str,
    progress: Callable[[int, int], None] | None,
    record: Callable[[RpwRow, str, str | None], dict[str, Any]],
) -> None:
    """Store the file's services as survey quotes and RPW observations (see the module
    text). A malformed file raises ParseError before anything is stored."""
    rows = parse_services(content)
    report.offers = len(rows)
    countries = {c.iso3: c for c in session.exec(select(Country))}
    corridors: dict[tuple[str, str], str] = {}
    for r in rows:
        src, dst = countries.get(r.source_code), countries.get(r.destination_code)
        code = f"{src.code}-{dst.code}" if src and dst else None
        if code is not None and session.get(Corridor, code) is not None:
            corridors[(r.source_code, r.destination_code)] = code
        else:
            report.skipped.append(
                f"{r.where}: corridor {r.source_name} → {r.destination_name} not served"
            )
    served = [r for r in rows if (r.source_code, r.destination_code) in corridors]
    payload = archive(session, source=SOURCE, url=url, content=content, fetched_at=now)
    providers: dict[str, str] = {}
    quotes: list[QuoteIn] = []
    records: dict[str, dict[str, Any]] = {}
    refs = NearestRates(session)  # one lookup per pair and quarter, not per service
    for s in _services(served, corridors):
        corridor = session.get(Corridor, s.corridor)
        assert corridor is not None
        key, obs = _observation(s, corridor)
        records[key] = record(obs, key, corridor.code)
        receive = corridor.receive_currency_list()[0]
        ref = refs.get(corridor.send_currency, receive, quarter_end(s.first.period))
        if ref is None:
            report.skipped.append(
                f"{s.first.where}: no reference rate for {corridor.send_currency}/{receive}"
            )
            continue
        provider = _provider(session, s.first.firm, s.first.firm_type, providers)
        if provider is None:
            report.skipped.append(f"{s.first.where}: firm type {s.first.firm_type!r} unknown")
            continue
        for row, amount in ((s.at200, corridor.basket_200), (s.at500, corridor.basket_500)):
            if row is None:
                continue
            if amount is None:
                report.skipped.append(f"{row.where}: {corridor.code} has no basket amount")
                continue
            quotes.append(_quote(s, row, corridor, amount, ref, receive, provider, payload))
    for i, (q, result) in enumerate(zip(quotes, store_quotes(session, quotes), strict=True)):
        report.quotes_stored += result.outcome is Outcome.STORED
        report.quotes_duplicate += result.outcome is Outcome.DUPLICATE
        if result.outcome is Outcome.REJECTED:
            why = "; ".join(str(p) for p in result.problems)
            report.rejected.append(f"{q.provider} {q.corridor} {q.send_amount}: {why}")
        if progress is not None:
            progress(i + 1, len(quotes))
    known = existing_keys(session, records.keys())
    report.observations_stored = insert_observations(
        session, [r for k, r in records.items() if k not in known]
    )
    session.flush()
    refresh_rpw_workbook_rollups(session)
