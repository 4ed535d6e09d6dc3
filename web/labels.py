"""Words for the codes the service stores (payout methods, speeds, provider types, rate types,
sources), marked for translation. Templates translate them with `_()`."""

from __future__ import annotations

from web.i18n import N_

PAYOUT = {
    "bank": N_("Bank account"),
    "cash": N_("Cash pickup"),
    "wallet": N_("Mobile wallet"),
    "home": N_("Home delivery"),
}
# A survey row whose payout the World Bank did not record is never given a guessed one.
PAYOUT_NOT_RECORDED = N_("payout not recorded by the survey")


def payout(method: str, tier: str = "live") -> str:
    """The msgid saying how the family collects an offer."""
    found = PAYOUT.get(method)
    if found is not None:
        return found
    return PAYOUT_NOT_RECORDED if tier == "survey" else method


PAYIN = {
    "bank": N_("Bank transfer"),
    "card": N_("Card"),
    "credit": N_("Credit card"),
    "cash": N_("Cash"),
    "wallet": N_("Mobile wallet"),
}
SPEED = {
    "minutes": N_("Within minutes"),
    "same_day": N_("Same day"),
    "next_day": N_("Next day"),
    "2_5_days": N_("2 to 5 days"),
    "over_5_days": N_("More than 5 days"),
}
# Where a surveyed service is paid for (World Bank RPW access points).
ACCESS_POINT = {
    "internet": N_("online"),
    "agent": N_("at an agent or branch"),
    "call_centre": N_("by phone"),
}
# Speeds inside a sentence ("... 1.35% total cost, arrives in minutes").
SPEED_SENTENCE = {
    "minutes": N_("arrives in minutes"),
    "same_day": N_("arrives the same day"),
    "next_day": N_("arrives the next day"),
    "2_5_days": N_("arrives in 2 to 5 days"),
    "over_5_days": N_("takes more than 5 days"),
}
# The speed filter is "at most this slow".
SPEED_FILTER = {
    "any": N_("Any speed"),
    "minutes": N_("Within minutes"),
    "same_day": N_("Same day or faster"),
    "next_day": N_("Next day or faster"),
    "2_5_days": N_("Within 5 days"),
}
PAYOUT_FILTER = {"any": N_("Any way"), **PAYOUT}
PROVIDER_TYPE = {
    "bank": N_("Bank"),
    "mto": N_("Money transfer company"),
    "fintech": N_("Online service"),
    "exchange_house": N_("Exchange house"),
    "post": N_("Post office"),
    "mobile": N_("Mobile money"),
}
PROVIDER_TYPE_FILTER = {"any": N_("Any type"), **PROVIDER_TYPE}
# One ranking by total cost for the money paid (in the fees-included mode that is exactly
# "most received first"); speed is the only other order.
SORT = {
    "total_cost": N_("Lowest total cost"),
    "speed": N_("Fastest"),
}
RATE_TYPE = {
    "interbank": N_("interbank (mid-market) rate"),
    "official": N_("official rate"),
    "market": N_("market (open or parallel) rate"),
}
RATE_VARIANT = {
    "transfer": N_("for transfers"),
    "cash": N_("for cash"),
}
SOURCE = {
    "sbp": N_("State Bank of Pakistan"),
    "dab": N_("Da Afghanistan Bank"),
    "cbi": N_("Central Bank of Iraq"),
    "ecb": N_("European Central Bank"),
    "imf": N_("IMF representative rates"),
    "tcmb": N_("Central Bank of the Republic of Türkiye"),
    "cbr": N_("Bank of Russia"),
    "wise": N_("Wise comparison data"),
    "rpw": N_("World Bank Remittance Prices Worldwide"),
    "sample": N_("sample data"),
}
UNKNOWN_SOURCE = N_("other source")


def source_parts(source: str) -> list[str]:
    """'sample+imf' -> the msgids of both parts."""
    return [SOURCE.get(part, UNKNOWN_SOURCE) for part in source.split("+") if part]


# Names of the query fields, for error messages.
FIELD = {
    "from": N_("Country you send from"),
    "to": N_("Country your family lives in"),
    "amount": N_("Amount you send"),
    "sent": N_("Amount you sent, without the fee"),
    "fee": N_("Fee you paid"),
    "provider": N_("Provider"),
    "received": N_("Amount your family received"),
    "receive": N_("Currency your family receives"),
    "receive_currency": N_("Currency your family receives"),
    "currency": N_("Currency"),
    "payout": N_("How your family gets the money"),
    "speed": N_("Speed"),
    "provider_type": N_("Type of provider"),
    "sort": N_("Order by"),
    "fees": N_("Fees"),
    "date": N_("Date of the transfer"),
}
