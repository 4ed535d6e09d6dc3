"""The lean compare path (api/http/lean.py) answers byte for byte what the full route
answers: every corridor, both fee modes, every payout filter, random amounts, with the
response cache and price book on and off, and with the book (and the JSON kept with it,
api/http/present.py `compare_json`) on but the response cache off, so that every full
answer is rendered by the response models; and it hands everything else to the full
route."""

from __future__ import annotations

import random
from collections.abc import Iterator
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from api.domain.money import plain
from api.http.lean import LeanCompareMiddleware, plain_request
from api.http.schemas import PCT
from api.services.compare import BOOK
from api.settings import get_settings

FEES = ("included", "on_top")
PAYOUTS = ("any", "bank", "cash", "wallet", "home")
# A key the lean path does not take, with the route's default value: the same question,
# answered by the full route.
FULL = "&sort=total_cost"


@pytest.fixture(params=["uncached", "cached", "books"])
def cached(request: pytest.FixtureRequest, client: TestClient) -> Iterator[bool]:
    mp = pytest.MonkeyPatch()
    if request.param == "uncached":
        mp.setattr(get_settings(), "price_book", False)  # every answer read afresh
    else:
        mp.setattr(get_settings(), "compare_cache_s", 30.0)
    if request.param == "cached":
        mp.setattr(client.app.state.response_cache, "ttl_s", 30.0)  # type: ignore[attr-defined]
    BOOK.clear()
    yield request.param != "uncached"
    mp.undo()
    BOOK.clear()


def both(client: TestClient, query: str) -> tuple[tuple[int, list[tuple[str, str]], bytes], ...]:
    out = []
    for q in (query, query + FULL):
        r = client.get(f"/api/v1/compare?{q}")
        out.append((r.status_code, sorted(r.headers.items()), r.content))
    return tuple(out)


@pytest.mark.slow  # among the longest tests: handed out first (tests/conftest.py)
def test_the_lean_path_answers_the_full_routes_bytes(client: TestClient, cached: bool) -> None:
    corridors = [c["code"] for c in client.get("/api/v1/corridors").json()["corridors"]]
    assert len(corridors) >= 30
    rnd = random.Random(22)
    served = LeanCompareMiddleware.served
    asked = with_offers = 0
    for code in corridors:
        src, dst = code.split("-")
        for fees in FEES:
            for payout in PAYOUTS:
                for _ in range(1):  # one random amount each
                    amount = f"{rnd.randint(1, 3000)}" + rnd.choice(["", f".{rnd.randint(0, 99)}"])
                    query = f"from={src}&to={dst}&amount={amount}&fees={fees}"
                    if payout != "any" or rnd.random() < 0.5:
                        query += f"&payout={payout}"
                    lean, full = both(client, query)
                    asked += 1
                    assert lean == full, query
                    assert lean[0] == 200, (query, lean[2][:300])
                    with_offers += b'"quotes":[{' in lean[2]
    assert LeanCompareMiddleware.served - served == asked  # every one took the lean path
    assert with_offers > asked // 4  # many answers compared are real offer lists


@pytest.mark.parametrize(
    "query",
    [
        "from=XX&to=PK&amount=100",  # unknown corridor: the route's 404
        "from=GB&to=PK&amount=0",  # the route's 422
        "from=GB&to=PK&amount=1e3",  # the route reads it (200); the lean path does not
        "from=GB&to=PK&amount=2000000000",
        "from=GB&to=PK&amount=1.1234567",
        "from=GB&to=PK&amount=100&fees=sometimes",
        "from=GB&to=PK&amount=100&payout=pigeon",
        "from=GB&to=PK&amount=100&amount=200",
        "from=GBR&to=PK&amount=100",
        "from=GB&to=PK",
    ],
)
def test_anything_else_is_answered_by_the_full_route(client: TestClient, query: str) -> None:
    served = LeanCompareMiddleware.served
    lean, full = both(client, query)
    assert lean == full
    assert LeanCompareMiddleware.served == served


def test_plain_request_reads_only_the_plain_form() -> None:
    req = plain_request(b"from=us&to=pk&amount=200.50&fees=on_top&payout=bank")
    assert req is not None
    assert (req.from_country, req.to_country, str(req.amount)) == ("US", "PK", "200.5")
    assert req.fees.value == "on_top" and req.payout == "bank"
    for query in (b"from=US&to=PK&amount=%C3%A9", b"from=US&to=PK&amount=200&x", b"\xff"):
        assert plain_request(query) is None


@given(
    st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**15), max_value=10**15),
    st.sampled_from([Decimal(1), Decimal("0.01"), Decimal("0.001"), PCT]),
)
def test_a_figure_rounded_to_fixed_places_is_written_as_pydantic_writes_it(
    value: Decimal, places: Decimal
) -> None:
    """compare_json writes each amount figure with str() (api/http/present.py `_Layout
    .template`); for a figure rounded to a fixed number of places (the currency's minor
    units, or four for a percentage) that is the plain text a DecimalStr is written as."""
    figure = value.quantize(places)
    assert str(figure) == plain(figure)
