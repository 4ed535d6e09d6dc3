"""Which mobile wallets a provider's service pays into, per destination (data/wallets.yaml).

Only what a dated source says: a provider's wallets must be wallets of the destination, and
each entry names its source and date (checked when the file is read). The comparison names
them on a wallet offer ("Mobile wallet — Nagad"); without an entry it names none."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from api.settings import DATA_DIR
from api.storage.yamlload import safe_load

WALLETS_FILE = DATA_DIR / "wallets.yaml"


@dataclass(frozen=True)
class WalletBook:
    destinations: dict[str, tuple[str, ...]]
    # (provider slug, destination) -> the wallets its service pays into
    paid_into: dict[tuple[str, str], tuple[str, ...]]

    def wallets(self, provider: str, to_country: str) -> tuple[str, ...]:
        return self.paid_into.get((provider, to_country.upper()), ())


def _names(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValueError(f"{where}: expected a list of wallet names")
    return tuple(value)


def read_wallets(path: Path) -> WalletBook:
    """The wallet file, checked: unknown wallets, or entries without source or date, are
    refused with the place named."""
    doc = safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(doc, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")
    destinations = {
        str(code).upper(): _names(names, f"{path}: destinations.{code}")
        for code, names in (doc.get("destinations") or {}).items()
    }
    paid_into: dict[tuple[str, str], tuple[str, ...]] = {}
    for slug, by_country in (doc.get("providers") or {}).items():
        for code, entry in (by_country or {}).items():
            where = f"{path}: providers.{slug}.{code}"
            if not isinstance(entry, dict):
                raise ValueError(f"{where}: expected wallets, source and as_of")
            names = _names(entry.get("wallets"), f"{where}.wallets")
            known = destinations.get(str(code).upper(), ())
            unknown = [n for n in names if n not in known]
            if unknown:
                raise ValueError(f"{where}.wallets: {unknown} are not wallets of {code}")
            if not str(entry.get("source") or "").strip():
                raise ValueError(f"{where}.source: every entry needs its source")
            if not isinstance(entry.get("as_of"), date):
                raise ValueError(f"{where}.as_of: every entry needs the source's date")
            paid_into[(str(slug), str(code).upper())] = names
    return WalletBook(destinations, paid_into)


@lru_cache(maxsize=1)
def wallet_book() -> WalletBook:
    return read_wallets(WALLETS_FILE)
