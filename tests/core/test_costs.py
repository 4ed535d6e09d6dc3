from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from api.domain.costs import compute_cost, fx_margin_pct, receipt_cost
from api.domain.ranking import (
    FeesMode,
    PricePoint,
    SortKey,
    amount_for_total,
    price_at,
    price_services,
    rank,
)
from api.domain.speed import Speed

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)
amounts = st.decimals(min_value=Decimal("1"), max_value=Decimal("100000"), places=2)
fees = st.decimals(min_value=Decimal("0"), max_value=Decimal("50"), places=2)
mids = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500000"), places=4)
margins = st.decimals(min_value=Decimal("0"), max_value=Decimal("15"), places=2)


def test_rpw_formulas_on_a_hand_worked_example() -> None:
    # GBP 200, fee 3.00, provider rate 360 vs mid 375: margin 4 %, cost 1.5 % + 4 % = 5.5 %.
    c = compute_cost(Decimal("200"), Decimal("3.00"), Decimal("360"), Decimal("375"))
    assert c.fx_margin_pct == Decimal("4")
    assert c.total_cost_pct == Decimal("5.5")
    assert c.total_cost == Decimal("11.00")
    assert c.received_amount == Decimal("72000")


def test_receive_fee_is_deducted_from_received() -> None:
    c = compute_cost(Decimal("100"), Decimal("0"), Decimal("2"), Decimal("2"), Decimal("5"))
    assert c.received_amount == Decimal("195")


@given(mid=mids)
def test_margin_at_the_mid_rate_is_zero(mid: Decimal) -> None:
    assert fx_margin_pct(mid, mid) == 0


@given(amount=amounts, fee=fees, mid=mids, margin=margins)
def test_total_cost_pct_is_total_cost_over_amount(
    amount: Decimal, fee: Decimal, mid: Decimal, margin: Decimal
) -> None:
    rate = mid * (1 - margin / 100)
    c = compute_cost(amount, fee, rate, mid)
    assert abs(c.total_cost / amount * 100 - c.total_cost_pct) < Decimal("1e-18")


@given(
    amount=amounts,
    mid=mids,
    quotes=st.lists(st.tuples(fees, margins), min_size=2, max_size=8),
)
def test_ranking_by_received_equals_ranking_by_total_cost(
    amount: Decimal, mid: Decimal, quotes: list[tuple[Decimal, Decimal]]
) -> None:
    """At a fixed amount, more received <=> lower total cost (same mid, fee on top)."""
    points = [
        PricePoint(str(i), amount, fee, mid * (1 - m / 100), mid, Speed.SAME_DAY, NOW)
        for i, (fee, m) in enumerate(quotes)
    ]
    priced = price_services(points, amount, NOW, timedelta(hours=48), timedelta(days=14))
    by_received = rank(priced, SortKey.RECEIVED)
    by_cost = rank(priced, SortKey.TOTAL_COST)
    # Received amount is A*rate; total cost = fee + A*margin: they order identically only
    # when the fee is equal, so compare on the RPW quantity the recipient cares about:
    # the cost excluding the fee, i.e. the margin part, must be monotone in received.
    recv = [q.cost.received_amount for q in by_received]
    assert recv == sorted(recv, reverse=True)
    costs = [q.cost.total_cost_pct for q in by_cost]
    assert costs == sorted(costs)


@given(amount=amounts, mid=mids, margin_a=margins, margin_b=margins, fee=fees)
def test_equal_fees_rank_the_same_by_received_and_by_cost(
    amount: Decimal, mid: Decimal, margin_a: Decimal, margin_b: Decimal, fee: Decimal
) -> None:
    a = compute_cost(amount, fee, mid * (1 - margin_a / 100), mid)
    b = compute_cost(amount, fee, mid * (1 - margin_b / 100), mid)
    assert (a.received_amount > b.received_amount) == (a.total_cost_pct < b.total_cost_pct)


def test_ladder_estimate_is_conservative_and_flagged() -> None:
    lo = PricePoint(
        "s", Decimal("100"), Decimal("2"), Decimal("370"), Decimal("375"), Speed.MINUTES, NOW
    )
    hi = PricePoint(
        "s", Decimal("300"), Decimal("4"), Decimal("372"), Decimal("375"), Speed.MINUTES, NOW
    )
    found = price_at([lo, hi], Decimal("200"))
    assert found is not None
    _, fee, rate, estimated = found
    assert (fee, rate, estimated) == (Decimal("4"), Decimal("370"), True)
    exact = price_at([lo, hi], Decimal("100"))
    assert exact is not None and exact[3] is False
    assert price_at([lo, hi], Decimal("5000")) is None


def test_stale_quotes_are_never_ranked_first_and_expired_are_dropped() -> None:
    mid = Decimal("375")
    fresh = PricePoint(
        "fresh", Decimal("200"), Decimal("5"), Decimal("360"), mid, Speed.MINUTES, NOW
    )
    stale = PricePoint(
        "stale",
        Decimal("200"),
        Decimal("0"),
        Decimal("374"),
        mid,
        Speed.MINUTES,
        NOW - timedelta(hours=60),
    )
    expired = PricePoint(
        "old",
        Decimal("200"),
        Decimal("0"),
        Decimal("375"),
        mid,
        Speed.MINUTES,
        NOW - timedelta(days=20),
    )
    priced = price_services(
        [fresh, stale, expired], Decimal("200"), NOW, timedelta(hours=48), timedelta(days=14)
    )
    ranked = rank(priced)
    assert [q.point.service_key for q in ranked] == ["fresh", "stale"]
    assert ranked[1].stale and not ranked[0].stale


def test_ties_on_received_are_broken_by_speed() -> None:
    mid = Decimal("10")
    slow = PricePoint("slow", Decimal("100"), Decimal("1"), Decimal("9"), mid, Speed.DAYS_2_5, NOW)
    fast = PricePoint("fast", Decimal("100"), Decimal("1"), Decimal("9"), mid, Speed.MINUTES, NOW)
    priced = price_services(
        [slow, fast], Decimal("100"), NOW, timedelta(hours=48), timedelta(days=14)
    )
    assert [q.point.service_key for q in rank(priced)] == ["fast", "slow"]


def test_receipt_cost_matches_hand_calculation() -> None:
    # Sent 200 GBP + 2.99 fee, family got 72,000 PKR, mid 375 => applied 360, margin 4 %.
    r = receipt_cost(Decimal("200"), Decimal("2.99"), Decimal("72000"), Decimal("375"))
    assert r.applied_rate == Decimal("360")
    assert r.fx_margin_pct == Decimal("4")
    assert r.total_cost_pct == Decimal("5.495")
    assert r.total_cost == Decimal("10.99")


# -- the two amount modes, one ranking (DESIGN.md section 2) -------------------------------

ladder_points = st.lists(
    st.tuples(
        st.sampled_from([Decimal(x) for x in ("50", "100", "120", "200", "300", "500", "1000")]),
        st.decimals(min_value=Decimal("0"), max_value=Decimal("25"), places=2),
        st.decimals(min_value=Decimal("0"), max_value=Decimal("8"), places=2),
    ),
    min_size=1,
    max_size=5,
    unique_by=lambda t: t[0],
)
services = st.lists(
    st.tuples(ladder_points, st.sampled_from(list(Speed)), st.booleans()), min_size=1, max_size=8
)
paid = st.decimals(min_value=Decimal("20"), max_value=Decimal("1200"), places=2)


def _points(spec: list[tuple[list[tuple[Decimal, Decimal, Decimal]], Speed, bool]], mid: Decimal):
    out = []
    for i, (ladder, speed, stale) in enumerate(spec):
        when = NOW - timedelta(hours=60 if stale else 1)
        for amount, fee, margin in ladder:
            rate = mid * (1 - margin / 100)
            out.append(PricePoint(f"s{i}", amount, fee, rate, mid, speed, when))
    return out


@given(spec=services, amount=paid, mid=mids, fees_mode=st.sampled_from(list(FeesMode)))
def test_ranked_fresh_offers_never_decrease_in_total_cost(
    spec: list[tuple[list[tuple[Decimal, Decimal, Decimal]], Speed, bool]],
    amount: Decimal,
    mid: Decimal,
    fees_mode: FeesMode,
) -> None:
    priced = price_services(
        _points(spec, mid), amount, NOW, timedelta(hours=48), timedelta(days=14), fees_mode
    )
    ranked = rank(priced)
    fresh = [q for q in ranked if not q.stale]
    costs = [q.cost.total_cost for q in fresh]
    assert costs == sorted(costs)
    assert all(q.stale for q in ranked[len(fresh) :])
    for q in ranked:
        if fees_mode is FeesMode.INCLUDED:
            # You pay at most the amount; A + fee(A) <= P, and A is a whole cent.
            assert q.you_pay <= amount
            assert q.send_amount == q.send_amount.quantize(Decimal("0.01"))
        else:
            assert q.send_amount == amount and q.you_pay == amount + q.fee


@given(spec=services, amount=paid, mid=mids)
def test_fees_included_lowest_cost_first_is_most_received_first(
    spec: list[tuple[list[tuple[Decimal, Decimal, Decimal]], Speed, bool]],
    amount: Decimal,
    mid: Decimal,
) -> None:
    priced = price_services(
        _points(spec, mid), amount, NOW, timedelta(hours=48), timedelta(days=14), FeesMode.INCLUDED
    )
    fresh = [q for q in rank(priced) if not q.stale]
    # total cost = you_pay - received / mid: with you_pay within a cent of P, ranking by cost
    # equals ranking by received up to that cent.
    for a, b in pairwise(fresh):
        slack = (b.you_pay - a.you_pay) * mid
        assert a.received >= b.received - abs(slack) - Decimal("1e-9")


def test_a_big_fee_no_longer_ranks_above_cheaper_offers() -> None:
    """SA->PK 750: a SAR 24.26 fee at a good rate (4.24 % in all) ranked above 2.41 % offers
    when offers were sorted by A x rate alone."""
    mid = Decimal("74")
    big_fee = PricePoint("big-fee", Decimal("750"), Decimal("24.26"), mid, mid, Speed.MINUTES, NOW)
    cheap = PricePoint(
        "cheap", Decimal("750"), Decimal("0"), mid * Decimal("0.9759"), mid, Speed.MINUTES, NOW
    )
    for mode in FeesMode:
        priced = price_services(
            [big_fee, cheap], Decimal("750"), NOW, timedelta(hours=48), timedelta(days=14), mode
        )
        assert [q.point.service_key for q in rank(priced)] == ["cheap", "big-fee"]


def test_fees_included_converts_the_largest_amount_the_money_allows() -> None:
    mid = Decimal("375")
    lo = PricePoint("s", Decimal("100"), Decimal("2"), Decimal("370"), mid, Speed.MINUTES, NOW)
    hi = PricePoint("s", Decimal("200"), Decimal("3"), Decimal("371"), mid, Speed.MINUTES, NOW)
    found = amount_for_total([lo, hi], Decimal("200"))
    assert found is not None
    a, (_, fee, rate, estimated) = found
    # Between the points: the higher fee (3) and the lower rate (370), flagged estimated.
    assert (a, fee, rate, estimated) == (Decimal("197.00"), Decimal("3"), Decimal("370"), True)
    exact = amount_for_total([lo, hi], Decimal("203"))
    assert exact is not None and exact[0] == Decimal("200") and exact[1][3] is False
    # Just below the lowest point, by its fee: its fee and rate, estimated.
    below = amount_for_total([lo, hi], Decimal("100"))
    assert below is not None and below[0] == Decimal("98.00") and below[1][3] is True
    assert amount_for_total([lo, hi], Decimal("50")) is None
    # A zero-decimal currency converts whole units.
    whole = amount_for_total([lo, hi], Decimal("150.7"), Decimal("1"))
    assert whole is not None and whole[0] == Decimal("147")


def _largest_affordable_by_search(
    points: list[PricePoint], paid: Decimal, quantum: Decimal
) -> tuple[Decimal, tuple[PricePoint, Decimal, Decimal, bool]] | None:
    """The definition, by brute force: every multiple of `quantum` up to `paid`, from the
    top, priced with `price_at`; the first affordable one."""
    steps = int(paid / quantum)
    for n in range(steps, 0, -1):
        a = quantum * n
        found = price_at(points, a)
        if found is not None and a + found[1] <= paid:
            return a, found
    return None


@given(
    ladder=st.lists(
        st.tuples(
            st.sampled_from([Decimal(x) for x in ("5", "10", "12", "20", "30", "50")]),
            st.decimals(min_value=Decimal("0"), max_value=Decimal("6"), places=1),
            st.decimals(min_value=Decimal("0"), max_value=Decimal("8"), places=2),
            st.integers(min_value=0, max_value=3),
        ),
        min_size=1,
        max_size=6,
    ),
    paid=st.decimals(min_value=Decimal("0.1"), max_value=Decimal("60"), places=1),
)
def test_fees_included_one_pass_equals_the_search_over_every_amount(
    ladder: list[tuple[Decimal, Decimal, Decimal, int]], paid: Decimal
) -> None:
    """`amount_for_total` finds the largest affordable amount piece by piece; checked
    against trying every amount (duplicated amount points included: the first counts)."""
    mid = Decimal("100")
    points = [
        PricePoint("s", a, fee, mid * (1 - m / 100), mid, Speed.MINUTES, NOW - timedelta(hours=h))
        for a, fee, m, h in ladder
    ]
    quantum = Decimal("0.1")
    assert amount_for_total(points, paid, quantum) == _largest_affordable_by_search(
        points, paid, quantum
    )
    ordered = sorted(points, key=lambda p: p.send_amount)
    assert amount_for_total(ordered, paid, quantum, presorted=True) == amount_for_total(
        points, paid, quantum
    )
