"""The RPW cost model (DESIGN.md section 2). Pure: no I/O, Decimal in, Decimal out.

- fx_margin_pct  = (mid - rate) / mid * 100
- total_cost_pct = fee / A * 100 + fx_margin_pct          (RPW definition)
- total_cost     = fee + A * fx_margin_pct / 100           (source currency)
- received       = A * rate - receive_fee                  (payout currency)
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

HUNDRED = Decimal(100)
ZERO = Decimal(0)


class QuoteCost(NamedTuple):
    """Immutable; a named tuple because one is built per offer per answer (a frozen
    dataclass costs five times as much to build)."""

    fx_margin_pct: Decimal
    total_cost_pct: Decimal
    total_cost: Decimal
    received_amount: Decimal


def fx_margin_pct(rate: Decimal, mid: Decimal) -> Decimal:
    if mid <= ZERO:
        raise ValueError("mid_rate: must be positive")
    return (mid - rate) / mid * HUNDRED


def compute_cost(
    send_amount: Decimal,
    fee: Decimal,
    rate: Decimal,
    mid: Decimal,
    receive_fee: Decimal = ZERO,
) -> QuoteCost:
    if send_amount <= ZERO:
        raise ValueError("send_amount: must be positive")
    return cost_at(send_amount, fee, rate, checked_margin(fee, rate, mid), receive_fee)


def checked_margin(fee: Decimal, rate: Decimal, mid: Decimal) -> Decimal:
    """`fx_margin_pct(rate, mid)` once the fee and rate are checked: what a price point's
    costs share at every amount."""
    if rate <= ZERO:
        raise ValueError("rate: must be positive")
    if fee < ZERO:
        raise ValueError("fee: must not be negative")
    return fx_margin_pct(rate, mid)


def cost_at(
    send_amount: Decimal,
    fee: Decimal,
    rate: Decimal,
    margin: Decimal,
    receive_fee: Decimal = ZERO,
) -> QuoteCost:
    """`compute_cost` with the price point's `checked_margin` already known (the same at
    every amount priced from that point, fee and rate)."""
    if send_amount <= ZERO:
        raise ValueError("send_amount: must be positive")
    return QuoteCost(  # positional (in field order): a named tuple builds faster so
        margin,
        fee / send_amount * HUNDRED + margin,
        fee + send_amount * margin / HUNDRED,
        send_amount * rate - receive_fee,
    )


@dataclass(frozen=True, slots=True)
class ReceiptCost:
    applied_rate: Decimal
    fx_margin_pct: Decimal
    total_cost_pct: Decimal
    total_cost: Decimal


def receipt_cost(
    send_amount: Decimal, fee: Decimal, received_amount: Decimal, mid: Decimal
) -> ReceiptCost:
    """What a past transfer really cost: the applied rate is received / sent."""
    if send_amount <= 0:
        raise ValueError("send_amount: must be positive")
    if received_amount <= 0:
        raise ValueError("received_amount: must be positive")
    if fee < 0:
        raise ValueError("fee: must not be negative")
    rate = received_amount / send_amount
    cost = compute_cost(send_amount, fee, rate, mid)
    return ReceiptCost(rate, cost.fx_margin_pct, cost.total_cost_pct, cost.total_cost)
