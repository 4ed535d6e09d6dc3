"""Speed bands, ordered fastest first (RPW's 'speed actual' groups)."""

from __future__ import annotations

from enum import StrEnum


class Speed(StrEnum):
    MINUTES = "minutes"
    SAME_DAY = "same_day"
    NEXT_DAY = "next_day"
    DAYS_2_5 = "2_5_days"
    OVER_5_DAYS = "over_5_days"

    @property
    def order(self) -> int:
        return _SPEED_ORDER[self]

    @property
    def within_5_days(self) -> bool:
        return self is not Speed.OVER_5_DAYS


class Payout(StrEnum):
    BANK = "bank"
    CASH = "cash"
    WALLET = "wallet"
    HOME = "home"
    UNKNOWN = "unknown"  # the source does not record it (World Bank RPW percentage rows)


class Payin(StrEnum):
    BANK = "bank"
    CARD = "card"
    CREDIT = "credit"  # credit card, where a source tells it from a debit card (RPW)
    CASH = "cash"
    WALLET = "wallet"
    UNKNOWN = "unknown"  # the source does not record it (World Bank RPW percentage rows)


class ProviderType(StrEnum):
    BANK = "bank"
    MTO = "mto"
    POST = "post"
    MOBILE = "mobile"
    FINTECH = "fintech"
    EXCHANGE = "exchange_house"


_SPEED_ORDER: dict[Speed, int] = {s: i for i, s in enumerate(Speed)}
