"""Bank of Russia daily rates, ``XML_daily.asp`` (windows-1251, decimal commas).

``<ValCurs Date="25.04.2026">`` holds one ``<Valute>`` per currency with
``CharCode``, ``Nominal`` and ``Value``: RUB per ``Nominal`` units. The rate is
``Value / Nominal`` computed exactly (``VunitRate`` is a rounded, sometimes
exponent-formatted copy and is not used).
"""

from __future__ import annotations

from datetime import date, datetime

from lxml import etree

from scrapers.parsers import ParseError
from scrapers.parsers._common import divide, parse_decimal, require_iso_code
from scrapers.parsers.types import RateObservation

SOURCE = "cbr"
RATE_TYPE = "official"
QUOTE = "RUB"


def parse(content: bytes) -> list[RateObservation]:
    """One observation per ``Valute``: base = that currency, quote RUB."""
    root = _root(content)
    as_of = _date(root)
    valutes = root.findall("Valute")
    if not valutes:
        raise ParseError("CBR XML: no <Valute> elements")
    return [_valute(valute, as_of) for valute in valutes]


def _root(content: bytes) -> etree._Element:
    if not content.strip():
        raise ParseError("CBR XML: empty body")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(content, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"CBR XML: malformed or truncated XML ({exc})") from exc
    if root.tag != "ValCurs":
        raise ParseError(f"CBR XML: root element is <{root.tag}>, expected <ValCurs>")
    return root


def _date(root: etree._Element) -> date:
    text = root.get("Date")
    if not text:
        raise ParseError("CBR XML: <ValCurs> has no Date attribute")
    try:
        return datetime.strptime(text.strip(), "%d.%m.%Y").date()
    except ValueError as exc:
        raise ParseError(f"CBR XML: Date {text!r} is not DD.MM.YYYY") from exc


def _text(valute: etree._Element, tag: str) -> str:
    text = valute.findtext(tag)
    if text is None or not text.strip():
        raise ParseError(f"CBR XML: <Valute ID={valute.get('ID')!r}> has no <{tag}>")
    return str(text)


def _valute(valute: etree._Element, as_of: date) -> RateObservation:
    code = require_iso_code(_text(valute, "CharCode"), what="CBR XML CharCode")
    where = f"CBR XML {code}"
    nominal = parse_decimal(_text(valute, "Nominal"), what=f"{where} Nominal")
    value = parse_decimal(_text(valute, "Value"), what=f"{where} Value", decimal_comma=True)
    if nominal <= 0 or value <= 0:
        raise ParseError(f"{where}: non-positive Nominal or Value")
    return RateObservation(
        base=code,
        quote=QUOTE,
        rate=divide(value, nominal),
        rate_type=RATE_TYPE,
        source=SOURCE,
        as_of=as_of,
    )
