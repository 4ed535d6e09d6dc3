"""World Bank RPW service rows as percentages (no amounts, no rates), CSV or JSON.

The layout of `reference/rpw/fds_rpw_2025q1_services_pk_bd_af.csv` (one row per service and
USD basket: `corridor, source_code, source_name, destination_code, destination_name, period,
send_amount_usd, row_in_corridor, firm, firm_type, fee_pct, fx_margin_pct, total_cost_pct,
days_to_arrive, …`) and of its JSON twin `fds_rpw_2025q1_pk_bd_af_subset.json` (`corridors`,
each with `"200"` and `"500"` blocks holding `providers` in row order).

Derived rows, not RPW's own: `fee_pct` is the total minus the margin clipped at 0, so the
fee is read as `total_cost_pct - fx_margin_pct`; `speed_penalty_pct` and `tci_pct` are the
third party's own construct and are not read. Rows that look identical are distinct RPW
services and are all kept. The whole file is read first: a malformed file raises
`ParseError` naming the row and field, so an importer stores all of it or nothing.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from api.ingestion.formats import ParseError
from api.ingestion.formats.rpw import normalise_period

CSV_REQUIRED = (
    "corridor",
    "source_code",
    "source_name",
    "destination_code",
    "destination_name",
    "period",
    "send_amount_usd",
    "row_in_corridor",
    "firm",
    "firm_type",
    "fx_margin_pct",
    "total_cost_pct",
    "days_to_arrive",
)
BASKETS = (Decimal(200), Decimal(500))


@dataclass(frozen=True)
class ServiceRow:
    """One surveyed service at one USD basket, in percent of the amount sent."""

    where: str  # "line 12" / "corridor SAU-PAK, 200, provider 3": for messages
    source_code: str  # ISO3
    source_name: str
    destination_code: str
    destination_name: str
    period: str  # "2025Q1"
    basket_usd: Decimal  # 200 or 500
    row: int  # 1-based position among the corridor's services at that basket
    firm: str
    firm_type: str
    fx_margin_pct: Decimal
    total_cost_pct: Decimal
    days: Decimal

    @property
    def fee_pct(self) -> Decimal:
        return self.total_cost_pct - self.fx_margin_pct


def _text(row: Mapping[str, Any], name: str, where: str) -> str:
    value = row.get(name)
    if value is None or isinstance(value, bool | dict | list):
        raise ParseError(f"{where}: field {name!r} is missing or not text")
    text = str(value).strip()
    if not text:
        raise ParseError(f"{where}: field {name!r} is empty")
    return text


def _number(row: Mapping[str, Any], name: str, where: str) -> Decimal:
    raw = row.get(name)
    text = repr(raw) if isinstance(raw, float) else _text(row, name, where)
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ParseError(f"{where}: field {name!r} is not a number: {text[:40]!r}") from None
    if not value.is_finite() or abs(value) > 1000:
        raise ParseError(f"{where}: field {name!r} is out of range: {text[:40]!r}")
    return value


def _iso3(row: Mapping[str, Any], name: str, where: str) -> str:
    code = _text(row, name, where).upper()
    if len(code) != 3 or not code.isalpha():
        raise ParseError(f"{where}: field {name!r} {code[:10]!r} is not an ISO3 country code")
    return code


def _service(row: Mapping[str, Any], where: str) -> ServiceRow:
    period_text = _text(row, "period", where)
    try:
        period = normalise_period(period_text)
    except ValueError:
        raise ParseError(
            f"{where}: field 'period' {period_text[:20]!r} is not like '2025_1Q'"
        ) from None
    basket = _number(row, "send_amount_usd", where)
    if basket not in BASKETS:
        raise ParseError(f"{where}: field 'send_amount_usd' must be 200 or 500, not {basket}")
    position = _number(row, "row_in_corridor", where)
    if position < 1 or position != position.to_integral_value():
        raise ParseError(f"{where}: field 'row_in_corridor' must be a whole number from 1")
    out = ServiceRow(
        where=where,
        source_code=_iso3(row, "source_code", where),
        source_name=_text(row, "source_name", where),
        destination_code=_iso3(row, "destination_code", where),
        destination_name=_text(row, "destination_name", where),
        period=period,
        basket_usd=basket,
        row=int(position),
        firm=_text(row, "firm", where),
        firm_type=_text(row, "firm_type", where),
        fx_margin_pct=_number(row, "fx_margin_pct", where),
        total_cost_pct=_number(row, "total_cost_pct", where),
        days=_number(row, "days_to_arrive", where),
    )
    if out.days < 0:
        raise ParseError(f"{where}: field 'days_to_arrive' must not be negative")
    if out.fee_pct < 0:
        raise ParseError(
            f"{where}: total_cost_pct {out.total_cost_pct} is below fx_margin_pct "
            f"{out.fx_margin_pct} (a negative fee)"
        )
    corridor = row.get("corridor")
    if corridor is not None and str(corridor).strip().upper() != (
        f"{out.source_code}-{out.destination_code}"
    ):
        raise ParseError(
            f"{where}: field 'corridor' {str(corridor)[:12]!r} does not match "
            f"{out.source_code}-{out.destination_code}"
        )
    return out


def _json_rows(data: Any) -> list[tuple[str, Mapping[str, Any]]]:
    corridors = data.get("corridors") if isinstance(data, dict) else None
    if not isinstance(corridors, list):
        raise ParseError("JSON has no 'corridors' list: not an RPW service-row file")
    out: list[tuple[str, Mapping[str, Any]]] = []
    for i, c in enumerate(corridors):
        if not isinstance(c, dict):
            raise ParseError(f"corridor {i + 1}: not an object")
        name = str(c.get("id") or f"{i + 1}")
        for basket in ("200", "500"):
            block = c.get(basket)
            if block is None:
                continue
            providers = block.get("providers") if isinstance(block, dict) else None
            current = block.get("current") if isinstance(block, dict) else None
            if not isinstance(providers, list) or not isinstance(current, dict):
                raise ParseError(f"corridor {name}, USD {basket}: no 'providers' list")
            for k, p in enumerate(providers):
                where = f"corridor {name}, USD {basket}, provider {k + 1}"
                if not isinstance(p, dict):
                    raise ParseError(f"{where}: not an object")
                out.append(
                    (
                        where,
                        {
                            **{f: c.get(f) for f in CSV_REQUIRED[:5]},
                            "corridor": c.get("id"),
                            "period": current.get("period"),
                            "send_amount_usd": basket,
                            "row_in_corridor": k + 1,
                            **p,
                        },
                    )
                )
    return out


def _rows(content: bytes) -> list[tuple[str, Mapping[str, Any]]]:
    try:
        text = content.decode("utf-8-sig", errors="strict")
    except UnicodeDecodeError:
        raise ParseError("not UTF-8 text: not an RPW service-row file") from None
    if text.lstrip().startswith("{"):
        try:
            return _json_rows(json.loads(text))
        except (json.JSONDecodeError, RecursionError) as exc:
            raise ParseError(f"not valid JSON ({exc.__class__.__name__})") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [f for f in CSV_REQUIRED if f not in (reader.fieldnames or [])]
    if missing:
        raise ParseError(f"not an RPW service-row file: columns missing: {', '.join(missing)}")
    return [(f"line {i + 2}", row) for i, row in enumerate(reader)]


def is_service_rows(content: bytes) -> bool:
    """Whether the file has this layout (rather than the row-level offers layout)."""
    head = content[:4096].decode("utf-8-sig", errors="replace")
    if head.lstrip().startswith("{"):
        return '"corridors"' in head and '"offers"' not in head
    first = head.splitlines()[0] if head else ""
    return "row_in_corridor" in first and "send_amount_usd" in first


def parse_services(content: bytes) -> list[ServiceRow]:
    rows = [_service(row, where) for where, row in _rows(content)]
    if not rows:
        raise ParseError("no service rows in the file")
    seen: dict[tuple[str, str, str, Decimal, int], str] = {}
    for r in rows:
        key = (r.source_code, r.destination_code, r.period, r.basket_usd, r.row)
        if key in seen:
            raise ParseError(
                f"{r.where}: row_in_corridor {r.row} at USD {r.basket_usd} appears twice "
                f"(first at {seen[key]})"
            )
        seen[key] = r.where
    return rows


__all__ = ["ServiceRow", "is_service_rows", "parse_services"]
