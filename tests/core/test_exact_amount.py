"""Every offer prices exactly the amount asked, in the mode asked (issue 18, item 1).

Before: SAR 6,000 was answered with the SAR 5,000 point (you pay 5,013.22), GBP 1,000 with
GBP 300.99, and GBP 50 (below the survey's GBP 120) had no offer at all."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from api.domain.money import minor_unit
from api.domain.ranking import Basis, FeesMode, PricePoint, price_at, price_service
from api.domain.speed import Speed
from api.storage.models import Corridor

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)


def _point(amount: str, fee: str, rate: str, promotional: bool = False) -> PricePoint:
    return PricePoint(
        "s",
        Decimal(amount),
        Decimal(fee),
        Decimal(rate),
        Decimal("380"),
        Speed.MINUTES,
        NOW,
        promotional=promotional,
    )


LADDER = [_point("200", "3", "370"), _point("500", "5", "372"), _point("5000", "13.22", "371")]


def test_above_the_largest_amount_checked_uses_that_points_fee_and_rate() -> None:
    found = price_service(LADDER, Decimal("6000"), FeesMode.INCLUDED)
    assert found is not None
    a, (point, fee, rate, estimated), basis = found
    assert (a, fee, rate, estimated, basis) == (
        Decimal("5986.78"),
        Decimal("13.22"),
        Decimal("371"),
        True,
        Basis.ABOVE,
    )
    assert point.send_amount == Decimal("5000")
    on_top = price_service(LADDER, Decimal("6000"), FeesMode.ON_TOP)
    assert on_top is not None and on_top[0] == Decimal("6000") and on_top[2] is Basis.ABOVE
    # price_at alone still has no price out of range: the basis is what says "estimate".
    assert price_at(LADDER, Decimal("6000")) is None


def test_below_the_smallest_amount_checked_uses_its_fee_or_excludes() -> None:
    found = price_service(LADDER, Decimal("50"), FeesMode.INCLUDED)
    assert found is not None
    a, (_, fee, rate, _), basis = found
    assert (a, fee, rate, basis) == (Decimal("47"), Decimal("3"), Decimal("370"), Basis.BELOW)
    # Money that does not cover the fee leaves the service out (the answer counts it).
    assert price_service(LADDER, Decimal("3"), FeesMode.INCLUDED) is None
    assert price_service(LADDER, Decimal("2.50"), FeesMode.INCLUDED) is None


def test_money_between_a_point_and_the_piece_above_it_is_all_used_conservatively() -> None:
    # 204 paid: 200 + 3 leaves 1 over; the piece above 200 costs the higher fee (5).
    found = price_service(LADDER, Decimal("204"), FeesMode.INCLUDED)
    assert found is not None
    a, (_, fee, rate, estimated), basis = found
    assert (a + fee, fee, rate, estimated) == (Decimal("204"), Decimal("5"), Decimal("370"), True)
    assert basis in (Basis.BETWEEN, Basis.BELOW)
    exact = price_service(LADDER, Decimal("203"), FeesMode.INCLUDED)
    assert exact is not None and exact[0] == Decimal("200") and exact[2] is Basis.CHECKED


ladders = st.lists(
    st.tuples(
        st.sampled_from([Decimal(x) for x in ("50", "120", "200", "300", "500", "1000")]),
        st.decimals(min_value=Decimal("0"), max_value=Decimal("20"), places=2),
        st.decimals(min_value=Decimal("0"), max_value=Decimal("8"), places=2),
    ),
    min_size=1,
    max_size=6,
)


@given(
    ladder=ladders,
    asked=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("20000"), places=2),
)
def test_every_priced_service_prices_exactly_the_amount_asked(
    ladder: list[tuple[Decimal, Decimal, Decimal]], asked: Decimal
) -> None:
    mid = Decimal("100")
    points = [
        PricePoint("s", a, fee, mid * (1 - m / 100), mid, Speed.MINUTES, NOW)
        for a, fee, m in ladder
    ]
    included = price_service(points, asked, FeesMode.INCLUDED)
    if included is None:
        # Only when the money does not cover even the cheapest fee at the nearest point.
        assert asked <= max(p.fee for p in points)
    else:
        a, (_, fee, rate, _), _ = included
        assert a > 0 and a + fee == asked
        # Conservative: never a lower fee or a better rate than the points around it offer.
        assert fee >= min(p.fee for p in points) and rate <= max(p.rate for p in points)
    on_top = price_service(points, asked, FeesMode.ON_TOP)
    assert on_top is not None and on_top[0] == asked


def _corridors(session: Session) -> list[Corridor]:
    return list(session.exec(select(Corridor).order_by(Corridor.code)).all())


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    pick=st.integers(min_value=0, max_value=10_000),
    units=st.integers(min_value=1, max_value=20_000_000),
    mode=st.sampled_from(["included", "on_top"]),
)
def test_api_every_offer_prices_the_amount_asked(
    client: TestClient, session: Session, pick: int, units: int, mode: str
) -> None:
    """For every corridor, mode and amount: `you_pay` (fees included) or `send_amount`
    (fees on top) of every offer, live and survey, equals the amount asked."""
    corridors = _corridors(session)
    corridor = corridors[pick % len(corridors)]
    asked = units * minor_unit(corridor.send_currency)
    params = {
        "from": corridor.from_country,
        "to": corridor.to_country,
        "amount": str(asked),
        "fees": mode,
    }
    r = client.get("/api/v1/compare", params=params)
    assert r.status_code == 200, r.text
    body = r.json()
    field = "you_pay" if mode == "included" else "send_amount"
    for q in [*body["quotes"], *body["survey_quotes"]]:
        assert Decimal(q[field]) == asked, (params, q["provider"]["slug"], q[field])
        assert q["price_basis"] in {b.value for b in Basis}
        if q["price_basis"] in ("above_checked", "below_checked"):
            assert q["estimated"] and q["checked_amount"] is not None


def test_api_repro_amounts_are_priced_as_asked(client: TestClient) -> None:
    cases = [("SA", "PK", "6000"), ("GB", "PK", "1000"), ("US", "PK", "3000")]
    cases += [("AE", "BD", "10000"), ("GB", "PK", "50")]
    for src, dst, amount in cases:
        body = client.get(
            "/api/v1/compare", params={"from": src, "to": dst, "amount": amount}
        ).json()
        offers = [*body["quotes"], *body["survey_quotes"]]
        assert offers, (src, dst, amount)
        assert {Decimal(q["you_pay"]) for q in offers} == {Decimal(amount)}
    body = client.get("/api/v1/compare", params={"from": "SA", "to": "PK", "amount": "6000"})
    above = [q for q in body.json()["quotes"] if q["price_basis"] == "above_checked"]
    assert above and all(Decimal(q["checked_amount"]) < Decimal("6000") for q in above)
    body = client.get("/api/v1/compare", params={"from": "GB", "to": "PK", "amount": "50"})
    below = [q for q in body.json()["survey_quotes"] if q["price_basis"] == "below_checked"]
    assert below and all(Decimal(q["checked_amount"]) > Decimal("50") for q in below)
