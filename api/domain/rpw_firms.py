"""World Bank RPW firm names and types as our providers and provider types. Pure.

RPW spells firms its own way ("Lulu Money", "Al-Rajhi Bank", "Bank Albilad"); the firms
that are providers we already list map to them, the others (Xoom, STC Pay, Fawri…) are
created from their name and RPW firm type (api/services/survey_services.py).
"""

from __future__ import annotations

# RPW firm name -> our provider slug (data/providers.yaml).
KNOWN_FIRMS: dict[str, str] = {
    "western union": "western-union",
    "moneygram": "moneygram",
    "ria": "ria",
    "wise": "wise",
    "remitly": "remitly",
    "worldremit": "worldremit",
    "al ansari": "al-ansari",
    "lulu money": "lulu-exchange",  # LuLu Exchange's app
    "al-rajhi bank": "al-rajhi-tahweel",
    "bank albilad": "enjaz",  # Enjaz is Bank Albilad's remittance service
    "sonali bank": "sonali-bank",  # surveyed on UK->Bangladesh only
    "sonali exchange company": "sonali-exchange",  # surveyed on US->Bangladesh only
}

# RPW firm types, as the derived rows spell them (normalised) or the workbook does.
FIRM_TYPES: dict[str, str] = {
    "mto": "mto",
    "money transfer operator": "mto",
    "bank": "bank",
    "postoffice": "post",
    "post office": "post",
    "mobileoperator": "mobile",
    "mobile operator": "mobile",
}


def our_provider_slug(firm: str) -> str | None:
    return KNOWN_FIRMS.get(" ".join(firm.lower().split()))


def our_provider_type(rpw_firm_type: str) -> str | None:
    return FIRM_TYPES.get(" ".join(rpw_firm_type.lower().split()))
