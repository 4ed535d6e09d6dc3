"""World Bank RPW row-level survey prices (one offer per service and basket), JSON or CSV.

The layout is the one of `reference/rpw/uk_q3_2025_rpw_rows_pk_bd.{json,csv}` (see
docs/feed-format.md): a JSON object with `metadata` and `offers`, or a CSV with one column
per offer field. Each RPW service row appears twice, `…-cc1` (USD 200 basket) and `…-cc2`
(USD 500 basket), sharing `sourceRowId`.

The whole file is read before anything is returned: a malformed file raises `ParseError`
naming the row and field, so an importer stores all of it or nothing.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from api.ingestion.formats import ParseError
from api.ingestion.formats.rpw import RpwCost, RpwRow

FIELDS = (
    "id",
    "sourceRowId",
    "period",
    "origin",
    "destination",
    "provider",
    "providerType",
    "fundingMethod",
    "accessPoint",
    "receiveMethod",
    "speed",
    "speedDays",
    "benchmarkAmount",
    "benchmarkCurrency",
    "sendAmount",
    "sendCurrency",
    "feeAmount",
    "feePct",
    "fxMarginPct",
    "totalCostPct",
    "estimatedTotalCost",
    "providerFxRate",
    "interbankFxRate",
    "collectionDate",
    "coverage",
    "note",
)
REQUIRED = (
    "id",
    "sourceRowId",
    "period",
    "origin",
    "destination",
    "provider",
    "fundingMethod",
    "accessPoint",
    "receiveMethod",
    "speed",
    "benchmarkAmount",
    "sendAmount",
    "sendCurrency",
    "feeAmount",
    "fxMarginPct",
    "totalCostPct",
    "providerFxRate",
    "interbankFxRate",
    "collectionDate",
)

FUNDING = {
    "debit card": "card",
    "credit card": "credit",
    "bank account transfer": "bank",
    "bank account": "bank",
    "cash": "cash",
    "mobile wallet": "wallet",
}
RECEIVE = {"cash": "cash", "bank account": "bank", "mobile wallet": "wallet"}
SPEED = {
    "less than one hour": "minutes",
    "same day": "same_day",
    "next day": "next_day",
    "2 days": "2_5_days",
    "3-5 days": "2_5_days",
    "6 days or more": "over_5_days",
}
ACCESS = {"internet": "internet", "agent": "agent", "call center": "call_centre"}


@dataclass(frozen=True)
class SurveyOffer:
    """One surveyed price of one RPW service at one basket."""

    offer_id: str
    rpw_id: str
    period: str  # "2025Q3"
    origin: str  # country name as published, e.g. "United Kingdom"
    destination: str
    provider: str
    provider_type: str | None
    payin: str
    access_point: str
    payout: str
    speed: str
    speed_text: str
    basket_usd: Decimal
    send_amount: Decimal
    send_currency: str
    fee: Decimal
    fx_margin_pct: Decimal
    total_cost_pct: Decimal
    rate: Decimal
    interbank_rate: Decimal
    surveyed_on: date
    note: str
    raw_funding: str
    raw_access: str
    raw_receive: str

    @property
    def promotional(self) -> bool:
        return self.total_cost_pct < 0 or "promotion" in self.note.lower()


def _text(row: Mapping[str, Any], name: str, where: str) -> str:
    value = row.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if name in REQUIRED:
            raise ParseError(f"{where}: field {name!r} is missing or empty")
        return ""
    if isinstance(value, bool | dict | list):
        raise ParseError(f"{where}: field {name!r} is not text or a number")
    return str(value).strip()


def _decimal(row: Mapping[str, Any], name: str, where: str) -> Decimal:
    text = _text(row, name, where)
    if isinstance(row.get(name), float):
        text = repr(row[name])
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ParseError(f"{where}: field {name!r} is not a number: {text[:40]!r}") from None
    if not value.is_finite():
        raise ParseError(f"{where}: field {name!r} is not a finite number")
    return value


def _choice(row: Mapping[str, Any], name: str, where: str, table: Mapping[str, str]) -> str:
    text = _text(row, name, where)
    found = table.get(text.lower())
    if found is None:
        allowed = ", ".join(sorted(table))
        raise ParseError(f"{where}: field {name!r} value {text[:40]!r} is not one of {allowed}")
    return found


def _period(text: str, where: str) -> str:
    # "Q3 2025" (this layout) or "2025_3Q" (the workbook's spelling)
    parts = text.replace("_", " ").split()
    if len(parts) == 2:
        a, b = parts
        if a.upper().startswith("Q") and b.isdigit():
            return f"{b}Q{a[1:]}"
        if a.isdigit() and b.upper().endswith("Q"):
            return f"{a}Q{b[:-1]}"
    raise ParseError(f"{where}: field 'period' {text[:20]!r} is not like 'Q3 2025'")


def _offer(row: Mapping[str, Any], where: str) -> SurveyOffer:
    day_text = _text(row, "collectionDate", where)
    try:
        surveyed = date.fromisoformat(day_text[:10])
    except ValueError:
        raise ParseError(
            f"{where}: field 'collectionDate' {day_text[:20]!r} is not a date"
        ) from None
    currency = _text(row, "sendCurrency", where).upper()
    if len(currency) != 3 or not currency.isalpha():
        raise ParseError(f"{where}: field 'sendCurrency' {currency[:10]!r} is not a currency")
    offer = SurveyOffer(
        offer_id=_text(row, "id", where),
        rpw_id=_text(row, "sourceRowId", where),
        period=_period(_text(row, "period", where), where),
        origin=_text(row, "origin", where),
        destination=_text(row, "destination", where),
        provider=_text(row, "provider", where),
        provider_type=_text(row, "providerType", where) or None,
        payin=_choice(row, "fundingMethod", where, FUNDING),
        access_point=_choice(row, "accessPoint", where, ACCESS),
        payout=_choice(row, "receiveMethod", where, RECEIVE),
        speed=_choice(row, "speed", where, SPEED),
        speed_text=_text(row, "speed", where),
        basket_usd=_decimal(row, "benchmarkAmount", where),
        send_amount=_decimal(row, "sendAmount", where),
        send_currency=currency,
        fee=_decimal(row, "feeAmount", where),
        fx_margin_pct=_decimal(row, "fxMarginPct", where),
        total_cost_pct=_decimal(row, "totalCostPct", where),
        rate=_decimal(row, "providerFxRate", where),
        interbank_rate=_decimal(row, "interbankFxRate", where),
        surveyed_on=surveyed,
        note=_text(row, "note", where),
        raw_funding=_text(row, "fundingMethod", where),
        raw_access=_text(row, "accessPoint", where),
        raw_receive=_text(row, "receiveMethod", where),
    )
    for name, value in (
        ("sendAmount", offer.send_amount),
        ("providerFxRate", offer.rate),
        ("interbankFxRate", offer.interbank_rate),
    ):
        if value <= 0:
            raise ParseError(f"{where}: field {name!r} must be positive")
    if offer.fee < 0:
        raise ParseError(f"{where}: field 'feeAmount' must not be negative")
    return offer


def _rows(content: bytes, name: str) -> list[tuple[str, Mapping[str, Any]]]:
    text = content.decode("utf-8-sig", errors="strict")
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise ParseError(f"not valid JSON ({exc.__class__.__name__})") from None
        offers = data.get("offers") if isinstance(data, dict) else None
        if not isinstance(offers, list):
            raise ParseError("JSON has no 'offers' list: not an RPW survey file")
        out: list[tuple[str, Mapping[str, Any]]] = []
        for i, o in enumerate(offers):
            if not isinstance(o, dict):
                raise ParseError(f"offer {i + 1}: not an object")
            out.append((f"offer {i + 1}", o))
        return out
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [f for f in REQUIRED if f not in header]
    if missing:
        raise ParseError(f"{name}: not an RPW survey file: columns missing: {', '.join(missing)}")
    return [(f"line {i + 2}", row) for i, row in enumerate(reader)]


def parse_survey(content: bytes, name: str = "file") -> list[SurveyOffer]:
    try:
        rows = _rows(content, name)
    except UnicodeDecodeError:
        raise ParseError("not UTF-8 text: not an RPW survey file") from None
    offers = [_offer(row, where) for where, row in rows]
    if not offers:
        raise ParseError("no offers in the file")
    ids = [o.offer_id for o in offers]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise ParseError(f"offer id {dup!r} appears twice")
    return offers


def service_rows(offers: Sequence[SurveyOffer], iso3: Mapping[str, str]) -> list[RpwRow]:
    """The RPW service observations behind the offers (cc1 and cc2 of one `sourceRowId`),
    as the workbook reader would give them, for the RPW observation store.
    `iso3` maps the published country names to ISO3 codes."""
    by_id: dict[str, dict[str, SurveyOffer]] = {}
    for o in offers:
        basket = "cc2" if o.offer_id.endswith("-cc2") or o.basket_usd >= 500 else "cc1"
        by_id.setdefault(o.rpw_id, {})[basket] = o
    out: list[RpwRow] = []
    for rpw_id, pair in by_id.items():
        first = pair.get("cc1") or pair["cc2"]
        src, dst = iso3.get(first.origin), iso3.get(first.destination)
        if src is None or dst is None:
            continue

        def cost(o: SurveyOffer | None) -> RpwCost:
            if o is None:
                return RpwCost(None, None, None, None, None, None)
            return RpwCost(
                o.send_amount,
                o.send_currency,
                o.fee,
                o.rate,
                o.fx_margin_pct,
                o.total_cost_pct,
                o.basket_usd,
            )

        out.append(
            RpwRow(
                period=first.period,
                source_code=src,
                source_name=first.origin,
                destination_code=dst,
                destination_name=first.destination,
                corridor=f"{src}{dst}",
                firm=first.provider,
                firm_type=first.provider_type,
                payment_instrument=first.raw_funding,
                access_point=first.raw_access,
                speed_actual=first.speed_text,
                cc1=cost(pair.get("cc1")),
                cc2=cost(pair.get("cc2")),
                inter_lcu_bank_fx=first.interbank_rate,
                transparent=True,
                date=first.surveyed_on,
                promotional_negative=any(o.total_cost_pct < 0 for o in pair.values()),
                rpw_id=rpw_id,
            )
        )
    return out


__all__ = [
    "FIELDS",
    "SurveyOffer",
    "parse_survey",
    "service_rows",
]
