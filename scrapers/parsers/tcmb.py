"""Central Bank of the Republic of Türkiye, EVDS JSON.

``{"totalCount": n, "items": [{"Tarih": "02-03-2026", "TP_DK_USD_A_YTL": "43.80000000",
"TP_DK_USD_S_YTL": "43.87890000", ..., "UNIXTIME": {...}}, ...]}``. Series
``TP.DK.<CCY>.A.YTL`` is the forex buying rate, ``.S.YTL`` the selling rate, in
TRY (EVDS writes the dots as underscores in item keys). Weekends and holidays
are items with every value null. JPY is quoted per 100 yen, as in TCMB's own
bulletin, so it is divided by 100.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from decimal import Decimal

from scrapers.parsers import ParseError
from scrapers.parsers._common import consistent_pair, divide, midpoint, parse_decimal
from scrapers.parsers.types import RateObservation

SOURCE = "tcmb"
RATE_TYPE = "official"
QUOTE = "TRY"
#: Currency units per quoted amount where TCMB does not quote per 1 unit.
UNITS: dict[str, Decimal] = {"JPY": Decimal(100)}
_SERIES = re.compile(r"TP[_.]DK[_.]([A-Z]{3})[_.]([AS])[_.]YTL")


def parse(content: bytes) -> list[RateObservation]:
    """Mid of buying/selling per currency and day; days without both are skipped."""
    items = _items(content)
    observations: list[RateObservation] = []
    series_seen = False
    for item in items:
        as_of = _date(item)
        pairs = _pairs(item, as_of)
        series_seen = series_seen or bool(pairs)
        for code, pair in pairs.items():
            observation = _observation(code, pair, as_of)
            if observation is not None:
                observations.append(observation)
    if not series_seen:
        raise ParseError("TCMB EVDS: no TP.DK.<CCY>.A/S.YTL series in the items")
    if not observations:
        raise ParseError("TCMB EVDS: every value is null")
    return observations


def _items(content: bytes) -> list[dict[str, object]]:
    try:
        document = json.loads(content, parse_float=Decimal)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ParseError(f"TCMB EVDS: malformed or truncated JSON ({exc})") from exc
    except RecursionError:
        raise ParseError("TCMB EVDS: JSON nested too deeply") from None
    if not isinstance(document, dict) or not isinstance(document.get("items"), list):
        raise ParseError("TCMB EVDS: no 'items' list")
    items: list[dict[str, object]] = document["items"]
    total = document.get("totalCount")
    if isinstance(total, int) and total != len(items):
        raise ParseError(f"TCMB EVDS: totalCount {total} but {len(items)} items")
    if not items or not all(isinstance(item, dict) for item in items):
        raise ParseError("TCMB EVDS: 'items' is empty or not a list of objects")
    return items


def _date(item: dict[str, object]) -> date:
    text = item.get("Tarih")
    if not isinstance(text, str):
        raise ParseError(f"TCMB EVDS: item without 'Tarih': {sorted(item)[:5]}")
    try:
        return datetime.strptime(text.strip(), "%d-%m-%Y").date()
    except ValueError as exc:
        raise ParseError(f"TCMB EVDS: Tarih {text!r} is not DD-MM-YYYY") from exc


def _pairs(item: dict[str, object], as_of: date) -> dict[str, dict[str, Decimal | None]]:
    pairs: dict[str, dict[str, Decimal | None]] = {}
    for key, value in item.items():
        match = _SERIES.fullmatch(key)
        if match is None:
            continue
        code, side = match.groups()
        pairs.setdefault(code, {})[side] = _value(value, f"TCMB EVDS {key} {as_of}")
    return pairs


def _value(value: object, where: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, str):
        return parse_decimal(value, what=where)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    raise ParseError(f"{where}: unexpected value {value!r}")


def _observation(code: str, pair: dict[str, Decimal | None], as_of: date) -> RateObservation | None:
    buy, sell = pair.get("A"), pair.get("S")
    if buy is None or sell is None:
        return None
    if not consistent_pair(buy, sell, what=f"TCMB {code} {as_of}"):
        return None
    unit = UNITS.get(code, Decimal(1))
    buy, sell = divide(buy, unit), divide(sell, unit)
    return RateObservation(
        base=code,
        quote=QUOTE,
        rate=midpoint(buy, sell),
        rate_type=RATE_TYPE,
        source=SOURCE,
        as_of=as_of,
        buy=buy,
        sell=sell,
    )
