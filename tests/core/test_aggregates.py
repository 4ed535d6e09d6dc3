from __future__ import annotations

from decimal import Decimal

from api.domain.aggregates import Observation, aggregate, flow_weighted_average, smart


def obs(pct: str, **kw: object) -> Observation:
    return Observation(Decimal(pct), **kw)  # type: ignore[arg-type]


def test_corridor_average_median_min_share_exclude_non_transparent() -> None:
    a = aggregate([obs("2"), obs("4"), obs("6"), obs("8"), obs("0", transparent=False)])
    assert a.services == 4
    assert a.average_pct == Decimal("5")
    assert a.median_pct == Decimal("5")
    assert a.min_pct == Decimal("2")
    assert a.share_at_or_below_5_pct == Decimal("50")


def test_smart_uses_three_cheapest_eligible() -> None:
    values = [
        obs("1", within_5_days=False),  # too slow
        obs("1.5", transparent=False),  # not transparent
        obs("2"),
        obs("3"),
        obs("4"),
        obs("9"),
    ]
    assert smart(values) == Decimal("3")
    assert smart([obs("2"), obs("3")]) is None


def test_flow_weighted_average() -> None:
    avg = flow_weighted_average(
        {"GB-PK": Decimal("2"), "GB-AF": Decimal("10")},
        {"GB-PK": Decimal("3"), "GB-AF": Decimal("1")},
    )
    assert avg == Decimal("4")
