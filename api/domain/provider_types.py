"""Our provider types and the World Bank RPW firm types. Pure.

We label digital-only money transfer operators `fintech` (Wise, Remitly, WorldRemit...) so
people can filter on them; RPW types them "Money Transfer Operator". Wherever our figures
are compared with RPW's (provider-type breakdowns, exports beside RPW columns), map ours to
RPW's with `rpw_firm_type`.
"""

from __future__ import annotations

RPW_FIRM_TYPE: dict[str, str] = {
    "bank": "Bank",
    "mto": "Money Transfer Operator",
    "fintech": "Money Transfer Operator",
    "exchange_house": "Money Transfer Operator",
    "post": "Post office",
    "mobile": "Mobile operator",
}


def rpw_firm_type(our_type: str) -> str:
    """RPW's firm type for one of ours (unknown types pass through unchanged)."""
    return RPW_FIRM_TYPE.get(our_type, our_type)
