"""Reads for the trend rollups: stored quotes at the RPW basket amounts, streamed in
batches (`yield_per`), so a rebuild holds one row per (corridor, service, period) in memory,
never the whole quote history. (Imported RPW rows are read by `api.storage.rollups`.)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, Numeric, and_, cast, or_, select
from sqlmodel import Session, col

from api.storage.models import Provider, Quote

BATCH = 2000


@dataclass(frozen=True, slots=True)
class BasketQuote:
    """The fields of one stored quote that trends need."""

    id: int
    corridor_code: str
    service_id: int
    provider_id: int
    provider_type: str
    send_amount: Decimal
    total_cost_pct: Decimal
    transparent: bool
    speed: str
    sample: bool
    source: str
    collected_at: datetime
    payload_hash: str | None
    dedupe_key: str
    promotional: bool = False


def _amount_is(session: Session, amount: Decimal) -> ColumnElement[bool]:
    """A SQL pre-filter for `send_amount == amount`. PostgreSQL compares NUMERIC exactly;
    SQLite keeps decimals as text ("120" vs "120.00"), so it compares numerically there and
    the caller re-checks every row with exact Decimal equality."""
    if session.get_bind().dialect.name == "postgresql":
        return col(Quote.send_amount) == amount
    return cast(col(Quote.send_amount), Numeric) == cast(format(amount, "f"), Numeric)


def iter_basket_quotes(session: Session, baskets: Mapping[str, Decimal]) -> Iterator[BasketQuote]:
    """Every stored, non-estimated quote made at exactly its corridor's basket amount
    (`baskets`: corridor code -> amount in the send currency)."""
    if not baskets:
        return
    conds = [
        and_(col(Quote.corridor_code) == code, _amount_is(session, amount))
        for code, amount in baskets.items()
    ]
    stmt = (
        select(
            col(Quote.id),
            col(Quote.corridor_code),
            col(Quote.service_id),
            col(Quote.provider_id),
            col(Provider.type),
            col(Quote.send_amount),
            col(Quote.total_cost_pct),
            col(Quote.transparent),
            col(Quote.speed),
            col(Quote.sample),
            col(Quote.source),
            col(Quote.collected_at),
            col(Quote.payload_hash),
            col(Quote.dedupe_key),
            col(Quote.promotional),
        )
        .join(Provider, col(Provider.id) == col(Quote.provider_id))
        .where(or_(*conds), col(Quote.estimated).is_(False))
        .order_by(col(Quote.id))
        .execution_options(yield_per=BATCH)
    )
    for row in session.execute(stmt):
        quote = BasketQuote(*row)
        if quote.send_amount == baskets[quote.corridor_code]:
            yield quote
