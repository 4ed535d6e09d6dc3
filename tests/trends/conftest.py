"""A small controlled set of quotes in 2025 (the demo's sample quotes are all "now", so
these quarters hold only what the tests insert), with hand-computable costs.

GB-PK, basket USD 200 = GBP 120, basket USD 500 = GBP 300; reference (mid) rate 400 PKR/GBP.
Newest quote per service in 2025Q1 at GBP 120:

| provider      | type    | speed       | fee  | rate | fee % | margin % | total % |
|---------------|---------|-------------|------|------|-------|----------|---------|
| wise          | fintech | same_day    | 0.60 | 398  | 0.5   | 0.5      | 1.0     |
| remitly       | fintech | same_day    | 1.20 | 396  | 1.0   | 1.0      | 2.0     |
| western-union | mto     | minutes     | 3.60 | 396  | 3.0   | 1.0      | 4.0     |
| hbl           | bank    | 2_5_days    | 6.00 | 392  | 5.0   | 2.0      | 7.0     |
| moneygram     | mto     | over_5_days | 0    | 398  | 0     | 0.5      | 0.5     |
| ria           | mto     | minutes     | 0    | 400  | not transparent: excluded      |

Also: an older western-union quote in January (10 %, superseded in the quarter, but the
newest of January by month), a taptap-send quote at GBP 100 (not a basket amount: ignored),
a wise quote at GBP 300 (USD 500 basket: 0.5 %), a remitly quote in 2024Q4 (3 %), and a
GB-BD quote in 2025Q1 (6 %) for the flow-weighted average.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlmodel import Session

from api.storage.models import Quote
from api.storage.outcome import Outcome
from api.storage.quotes import QuoteIn, store_quote

FEB = datetime(2025, 2, 10, 12, 0, tzinfo=UTC)
JAN = datetime(2025, 1, 5, 9, 30, tzinfo=UTC)
DEC = datetime(2024, 12, 1, 8, 0, tzinfo=UTC)


def put(
    session: Session,
    provider: str,
    amount: str,
    fee: str,
    rate: str,
    when: datetime,
    *,
    payin: str = "bank",
    payout: str = "bank",
    speed: str = "same_day",
    transparent: bool = True,
    corridor: str = "GB-PK",
    currency: str = "GBP",
    receive: str = "PKR",
    mid: str = "400",
    source: str = "mystery",
    payload_hash: str | None = None,
) -> Quote:
    result = store_quote(
        session,
        QuoteIn(
            provider=provider,
            corridor=corridor,
            send_amount=Decimal(amount),
            send_currency=currency,
            fee=Decimal(fee),
            rate=Decimal(rate),
            receive_currency=receive,
            payout_method=payout,
            payin_method=payin,
            speed=speed,
            collected_at=when,
            source=source,
            mid_rate=Decimal(mid),
            mid_rate_type="interbank",
            mid_rate_source="test",
            transparent=transparent,
            payload_hash=payload_hash,
        ),
    )
    assert result.outcome is Outcome.STORED, result.problems
    assert result.quote is not None
    session.flush()
    return result.quote


@dataclass
class Controlled:
    quotes: dict[str, Quote]


@pytest.fixture()
def controlled(session: Session) -> Controlled:
    q: dict[str, Quote] = {}
    q["wise"] = put(session, "wise", "120", "0.60", "398", FEB, payload_hash="a" * 64)
    q["remitly"] = put(session, "remitly", "120", "1.20", "396", FEB)
    q["wu_old"] = put(
        session,
        "western-union",
        "120",
        "12",
        "400",
        JAN,
        payin="card",
        payout="cash",
        speed="minutes",
    )
    q["wu"] = put(
        session,
        "western-union",
        "120",
        "3.60",
        "396",
        FEB,
        payin="card",
        payout="cash",
        speed="minutes",
    )
    q["hbl"] = put(session, "hbl", "120", "6.00", "392", FEB, speed="2_5_days")
    q["moneygram"] = put(
        session,
        "moneygram",
        "120",
        "0",
        "398",
        FEB,
        payin="card",
        payout="cash",
        speed="over_5_days",
    )
    q["ria"] = put(
        session,
        "ria",
        "120",
        "0",
        "400",
        FEB,
        payin="card",
        payout="cash",
        speed="minutes",
        transparent=False,
    )
    q["taptap_100"] = put(session, "taptap-send", "100", "0.50", "398", FEB)
    q["wise_300"] = put(session, "wise", "300", "0.90", "399.2", FEB)
    q["remitly_dec"] = put(session, "remitly", "120", "2.40", "396", DEC)
    q["bd"] = put(
        session, "wise", "120", "2.40", "144", FEB, corridor="GB-BD", receive="BDT", mid="150"
    )
    return Controlled(q)
