"""Public registers of the regulators that license money-transfer providers, per sending
country. Only registers whose address we are sure of, and only for providers we know hold a
licence there; the page links the register's search page (we never print licence numbers:
the register itself is the source to check)."""

from __future__ import annotations

from dataclasses import dataclass

from web.i18n import N_


@dataclass(frozen=True)
class Register:
    country: str  # where the licence applies (ISO 3166 alpha-2)
    name: str  # msgid
    url: str


FCA = Register(
    "GB",
    N_("Financial Conduct Authority register (United Kingdom)"),
    "https://register.fca.org.uk/",
)
NMLS = Register(
    "US",
    N_("NMLS Consumer Access (United States, state money transmitter licences)"),
    "https://www.nmlsconsumeraccess.org/",
)

# Providers known to be licensed where each register applies.
LICENSED: dict[str, tuple[Register, ...]] = {
    "wise": (FCA, NMLS),
    "remitly": (FCA, NMLS),
    "worldremit": (FCA, NMLS),
    "western-union": (FCA, NMLS),
    "moneygram": (FCA, NMLS),
    "ria": (FCA, NMLS),
    "taptap-send": (FCA,),
    "hbl": (FCA,),
    "sonali-exchange": (FCA,),
}


def registers_for(slug: str, sending_countries: set[str]) -> list[Register]:
    """The registers to check for this provider, where it serves a corridor from there."""
    return [r for r in LICENSED.get(slug, ()) if r.country in sending_countries]
