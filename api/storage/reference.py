"""Load the reference data in `data/` (countries, currencies, corridors, providers, flows).

Idempotent: re-running updates rows in place and never duplicates them.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from api.settings import DATA_DIR, get_settings
from api.storage.models import Corridor, Country, Currency, Provider, ProviderCorridor
from api.storage.yamlload import safe_load


@dataclass(frozen=True)
class ReferenceCounts:
    countries: int
    currencies: int
    corridors: int
    providers: int
    links: int


def _read_yaml(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        loaded = safe_load(fh)
    if not isinstance(loaded, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")
    return loaded


# Country names as the World Bank/KNOMAD matrix spells them, for the pairs we use.
FT_NAMES = {
    "Iran, Islamic Rep.": "IRN",
    "United Arab Emirates": "ARE",
    "United States": "USA",
    "Germany": "DEU",
    "Canada": "CAN",
    "United Kingdom": "GBR",
    "Sweden": "SWE",
    "Turkey": "TUR",
    "Afghanistan": "AFG",
    "Iraq": "IRQ",
    "Pakistan": "PAK",
    "Bangladesh": "BGD",
    "India": "IND",
    "Saudi Arabia": "SAU",
    "Australia": "AUS",
    "Malaysia": "MYS",
    "Singapore": "SGP",
    "Bahrain": "BHR",
}


def load_flows(data_dir: Path) -> dict[tuple[str, str], tuple[Decimal, str]]:
    """Bilateral flows (USD) keyed by (from ISO3, to ISO3): CGD 2024 first, then the
    World Bank/KNOMAD matrix (about 2017) for pairs the CGD extract lacks (Iran)."""
    flows: dict[tuple[str, str], tuple[Decimal, str]] = {}
    cgd = data_dir / "reference" / "cgd_bilateral_2021_2024_silkroutes_extract.csv"
    with cgd.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            flows[(row["source_iso3"], row["recipient_iso3"])] = (
                Decimal(row["flow2024_usd"]),
                "CGD bilateral remittance matrix update, 2024 (modelled)",
            )
    ft = data_dir / "reference" / "ft_matrix_silkroutes_extract.csv"
    with ft.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            src, dst = FT_NAMES.get(row["source"]), FT_NAMES.get(row["destination"])
            if src and dst and (src, dst) not in flows:
                flows[(src, dst)] = (
                    Decimal(row["total_usd_millions"]) * 1_000_000,
                    "World Bank/KNOMAD bilateral remittance matrix (about 2017)",
                )
    return flows


def load_reference(session: Session, data_dir: Path = DATA_DIR) -> ReferenceCounts:
    doc = _read_yaml(data_dir / "corridors.yaml")
    settings = get_settings()
    defaults = doc.get("defaults", {})
    for code, cur in doc["currencies"].items():
        session.merge(Currency(code=code, name=cur["name"], minor_units=int(cur["minor_units"])))
    for code, c in doc["countries"].items():
        session.merge(Country(code=code, iso3=c["iso3"], name=c["name"], currency=c["currency"]))
    session.flush()
    flows = load_flows(data_dir)
    countries = doc["countries"]
    send = doc["send_currencies"]
    n_corridors = 0
    for entry in doc["corridors"]:
        src, dst = entry[0], entry[1]
        dest = doc["destinations"][dst]
        send_ccy = countries[src]["currency"]
        basket = send[send_ccy]
        reason = entry[2] if len(entry) > 2 else dest.get("no_provider_reason")
        flow = flows.get((countries[src]["iso3"], countries[dst]["iso3"]))
        session.merge(
            Corridor(
                code=f"{src}-{dst}",
                from_country=src,
                to_country=dst,
                send_currency=send_ccy,
                receive_currencies=" ".join(dest["receive_currencies"]),
                basket_200=Decimal(basket["basket_200"]) if basket["basket_200"] else None,
                basket_500=Decimal(basket["basket_500"]) if basket["basket_500"] else None,
                ladder=basket["ladder"],
                fresh_hours=int(defaults.get("fresh_hours", settings.fresh_hours)),
                expiry_hours=int(defaults.get("expiry_hours", settings.expiry_hours)),
                no_provider_reason=" ".join(reason.split()) if reason else None,
                incentive_note=" ".join(dest["incentive_note"].split())
                if dest.get("incentive_note")
                else None,
                flow_usd=flow[0] if flow else None,
                flow_source=flow[1] if flow else None,
            )
        )
        n_corridors += 1
    session.flush()
    corridor_codes = {f"{e[0]}-{e[1]}" for e in doc["corridors"]}
    n_links = 0
    links: set[tuple[int, str]] = set()
    pdoc = _read_yaml(data_dir / "providers.yaml")
    for p in pdoc["providers"]:
        provider = session.exec(select(Provider).where(Provider.slug == p["slug"])).first()
        if provider is None:
            provider = Provider(slug=p["slug"], name=p["name"], type=p["type"])
        provider.name, provider.type, provider.website = p["name"], p["type"], p.get("website")
        session.add(provider)
        session.flush()
        assert provider.id is not None
        senders = p.get("from") or [c for c in countries if c not in doc["destinations"]]
        for dst in p["to"]:
            for src in senders:
                code = f"{src}-{dst}"
                if code in corridor_codes:
                    session.merge(ProviderCorridor(provider_id=provider.id, corridor_code=code))
                    links.add((provider.id, code))
                    n_links += 1
    session.flush()
    # Links the data files no longer list (a corridor a provider was found not to serve).
    for link in session.exec(select(ProviderCorridor)).all():
        if (link.provider_id, link.corridor_code) not in links:
            session.delete(link)
    session.flush()
    return ReferenceCounts(
        countries=len(countries),
        currencies=len(doc["currencies"]),
        corridors=n_corridors,
        providers=len(pdoc["providers"]),
        links=n_links,
    )
