"""A plain /compare page written from its shape (web/lean_page.py) is byte for byte the page
the full render writes: every corridor, both fee modes, every payout filter, every
language, random amounts and the amounts at the edges of each corridor's ladder, with the
price book and page cache on and off; anything else is rendered in full; and a stored
quote or rate changes the next page."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.services.compare import BOOK
from api.settings import get_settings
from api.storage.quotes import store_quotes
from api.storage.rates import RateIn, store_rates
from tests.web.conftest import home_delivery_quote
from web import formatting, lean_page, pagecache
from web.data import corridor_index
from web.i18n import LANGUAGES
from web.lean_page import SHAPES, plain_query
from web.lean_route import LeanPageMiddleware

FEES = ("included", "on_top")
PAYOUTS = ("any", "bank", "cash", "wallet", "home")
LANGS = list(LANGUAGES)
Answer = tuple[int, list[tuple[str, str]], bytes]


@pytest.fixture(params=["uncached", "books"])
def books(request: pytest.FixtureRequest) -> Iterator[bool]:
    mp = pytest.MonkeyPatch()
    if request.param == "books":  # the price book and the page cache, as served
        mp.setattr(get_settings(), "compare_cache_s", 30.0)
    else:
        mp.setattr(get_settings(), "price_book", False)
    BOOK.clear()
    SHAPES.clear()
    pagecache.PAGES.clear()
    yield request.param == "books"
    mp.undo()
    BOOK.clear()
    SHAPES.clear()
    pagecache.PAGES.clear()


def fetch(client: TestClient, url: str, shapes: bool, headers: dict[str, str]) -> Answer:
    pagecache.PAGES.clear()  # each answer written now, not a stored one
    mp = pytest.MonkeyPatch()
    mp.setattr(get_settings(), "compare_page_shapes", shapes)
    try:
        r = client.get(url, headers=headers)
    finally:
        mp.undo()
    return r.status_code, sorted(r.headers.items()), r.content


def both(client: TestClient, url: str, headers: dict[str, str] | None = None) -> Answer:
    """The page from its shape, after checking it is the full render's, byte for byte."""
    served = SHAPES.served
    full = fetch(client, url, False, headers or {})
    assert SHAPES.served == served
    lean = fetch(client, url, True, headers or {})
    assert lean[0] == full[0], url
    assert lean[1] == full[1], url
    if lean[2] != full[2]:
        at = next(i for i, (a, b) in enumerate(zip(lean[2], full[2], strict=False)) if a != b)
        pytest.fail(
            f"{url}: differs at {at}: {lean[2][at - 80 : at + 80]!r} != "
            f"{full[2][at - 80 : at + 80]!r}"
        )
    return lean


def amounts(ladder: list[Decimal], rnd: random.Random) -> list[str]:
    """Random amounts; the ladder's amounts and just beside them; tiny and huge."""
    out = [f"{rnd.randint(1, 3000)}", f"{rnd.randint(1, 20000)}.{rnd.randint(0, 99):02d}"]
    for a in ladder:
        out += [str(a), str(a - Decimal("0.01")), str(a + Decimal("0.01"))]
    out += ["0.01", "1", "999999999", "1000000000", "12345.5", "7.250"]
    return out


@pytest.mark.slow  # among the longest tests: handed out first (tests/conftest.py)
def test_the_page_from_its_shape_is_the_full_renders(
    client: TestClient, session: Session, books: bool
) -> None:
    rnd = random.Random(22)
    corridors = list(corridor_index(session).corridors.values())
    assert len(corridors) >= 30
    served, asked, with_offers, i = SHAPES.served, 0, 0, 0
    for c in corridors:
        pool = amounts(c.ladder_amounts(), rnd)
        for fees in FEES:
            for payout in PAYOUTS:
                lang = LANGS[i % len(LANGS)]
                i += 1
                amount = rnd.choice(pool)
                url = f"/compare?from={c.from_country}&to={c.to_country}&amount={amount}"
                url += f"&fees={fees}" if fees != "included" or rnd.random() < 0.5 else ""
                url += f"&payout={payout}" if payout != "any" or rnd.random() < 0.5 else ""
                headers = {}
                if rnd.random() < 0.3:  # the language from the browser, not the address
                    headers["Accept-Language"] = lang
                else:
                    url += f"&lang={lang}"
                status, _, body = both(client, url, headers)
                # "7.250": "Did you mean 7,250 or 7.25?" is a question, rendered in full
                asked += status == 200 and b'id="ask-h"' not in body
                with_offers += b'class="prow' in body
    assert SHAPES.served - served == asked  # every 200 was written from a shape
    assert with_offers > asked // 3


@pytest.mark.slow
def test_every_language_and_ladder_edge_on_the_busiest_corridors(
    client: TestClient, session: Session, books: bool
) -> None:
    rnd = random.Random(2022)
    index = corridor_index(session)
    served, asked = SHAPES.served, 0
    for code in ("US-PK", "GB-PK", "US-BD"):
        c = index.corridors[code]
        for amount in amounts(c.ladder_amounts(), rnd):
            for fees in FEES:
                lang = rnd.choice(LANGS)
                url = f"/compare?from={c.from_country}&to={c.to_country}&amount={amount}"
                status, _, body = both(client, f"{url}&fees={fees}&lang={lang}")
                asked += status == 200 and b'id="ask-h"' not in body
    assert asked > 50 and SHAPES.served - served == asked


@pytest.mark.parametrize(
    "query",
    [
        "from=US&to=PK&amount=1,000",  # the route reads it (maybe ambiguous): in full
        "from=US&to=PK&amount=1e3",
        "from=US&to=PK&amount=200&sort=fee",
        "from=US&to=PK&amount=200&speed=minutes",
        "from=US&to=PK&amount=200&amount=300",
        "from=US&to=PK&amount=200&payout=pigeon",
        "from=US&to=PK&amount=0",
        "from=US&to=PK&amount=%20200",
        "from=US&to=PK",
        "from=XX&to=PK&amount=200",
    ],
)
def test_anything_else_is_rendered_in_full(client: TestClient, query: str) -> None:
    served = SHAPES.served
    both(client, f"/compare?{query}")
    assert SHAPES.served == served


def test_a_conditional_request_is_rendered_in_full(client: TestClient) -> None:
    served = SHAPES.served
    both(client, "/compare?from=US&to=PK&amount=200", {"If-None-Match": 'W/"x"'})
    assert SHAPES.served == served


def test_plain_query_reads_only_the_plain_form(client: TestClient) -> None:
    from starlette.requests import Request

    def req(q: bytes, **headers: str) -> Request:
        raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        return Request({"type": "http", "method": "GET", "query_string": q, "headers": raw})

    assert plain_query(req(b"from=us&to=PK&amount=200.5&lang=fa-AF")) == (
        ("from", "us"),
        ("to", "PK"),
        ("amount", ""),
        ("lang", "fa-AF"),
    )
    for q in (b"from=US&to=PK&amount=%C3%A9", b"from=US&to=PK&amount=2&x=1", b"\xff"):
        assert plain_query(req(q)) is None
    assert plain_query(req(b"from=US&to=PK&amount=2", **{"If-None-Match": "x"})) is None


def test_a_stored_quote_or_rate_changes_the_next_page(
    client: TestClient, session: Session, demo_now: datetime, books: bool
) -> None:
    url = "/compare?from=US&to=PK&amount=200&fees=on_top&lang=en"
    before = both(client, url)
    assert "56,380.00" not in before[2].decode()
    store_quotes(session, [home_delivery_quote(demo_now - timedelta(minutes=1))])
    served = SHAPES.served
    after = both(client, url)
    assert SHAPES.served == served + 1
    assert "56,380.00" in after[2].decode()  # 200 x 281.9, the new home-delivery offer
    store_rates(
        session,
        [
            RateIn(
                base="USD",
                quote="PKR",
                rate=Decimal("299.1234"),
                rate_type="interbank",
                source="mystery",
                as_of=demo_now.date(),
            )
        ],
        demo_now,
    )
    again = both(client, url)
    assert again[2] != after[2]
    assert "299.1234" in again[2].decode()


def test_number_layouts_write_babels_own_text() -> None:
    """Amounts and percentages written into a layout asked of Babel once per sign and
    digit count (web/formatting.py) are Babel's own text, in every language."""
    rnd = random.Random(2207)
    currencies = ("USD", "PKR", "GBP", "EUR", "BDT", "AFN", "IRR", "JPY", "KWD", "AED", "TRY")
    checked = 0
    for code, language in LANGUAGES.items():
        for ccy in currencies:
            places = formatting.minor_units(ccy)
            for _ in range(60):
                digits = rnd.randint(1, 13)
                value = Decimal(rnd.randint(1, 10**digits)).scaleb(-places)
                value *= rnd.choice([1, 1, -1])
                laid = formatting._money(language.babel, language.rtl, value, ccy, code)
                assert laid == formatting._money_babel(
                    language.babel, language.rtl, value, ccy, code
                ), (code, ccy, value)
                checked += 1
        for _ in range(300):
            places = rnd.choice([2, 4, 4, 6])  # the presenters give four (x.xx50: halves)
            value = Decimal(rnd.randint(1, 10 ** rnd.randint(1, 10))).scaleb(-places)
            if rnd.random() < 0.2:
                value = value.quantize(Decimal("0.01")) + Decimal("0.005")
            value *= rnd.choice([1, 1, -1])
            laid = formatting._percent(language.babel, value, code)
            assert laid == formatting._percent_babel(language.babel, value, code), (code, value)
            checked += 1
    assert formatting._money_layout.cache_info().currsize > 0 and checked > 6000


def test_the_lean_route_answers_plain_pages(client: TestClient, books: bool) -> None:
    """web/lean_route.py answers the plain page (on the event loop once the book is
    held), and hands anything else to the full route."""
    served = LeanPageMiddleware.served
    url = "/compare?from=US&to=PK&amount=321.5&lang=ur"
    first, again = both(client, url), both(client, url)
    assert first == again and LeanPageMiddleware.served == served + 2
    both(client, "/compare?from=US&to=PK&amount=321.5&sort=fee")
    both(client, "/compare?from=XX&to=PK&amount=100")
    assert LeanPageMiddleware.served == served + 2


# With the price book only: without it every request reads new rows, so nothing is reused.
@pytest.mark.parametrize("books", ["books"], indirect=True)
def test_a_new_order_of_known_offers_reuses_their_cards(client: TestClient, books: bool) -> None:
    """Shapes of new offer orders are rendered with the cards and table lines already kept
    (one per offer, not per order), and still give the full render's bytes."""
    assert books
    rnd = random.Random(222)
    urls = [
        f"/compare?from=US&to=PK&amount={rnd.randint(5, 3000)}.{rnd.randint(0, 99):02d}&lang=ur"
        for _ in range(25)
    ]
    pages = [both(client, url) for url in urls]
    rows = len(SHAPES.rows)
    assert rows > 0
    built = SHAPES.built
    SHAPES.clear(rows=False)  # the page shapes go, the row pieces stay
    assert [both(client, url) for url in urls] == pages
    assert SHAPES.built > built  # the shapes were rendered again ...
    assert len(SHAPES.rows) == rows  # ... from the pieces kept


def test_a_row_piece_that_reads_the_page_renders_the_page_in_full(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A row macro sees only its row, the corridor and the names every page has: one that
    reads another name of the page (here `filters`), or the rank of a card that does not
    show it, makes the page render in full, with the same bytes."""
    url = "/compare?from=US&to=PK&amount=200&lang=en"
    monkeypatch.setattr(lean_page, "ROW_TEMPLATE", lean_page.SHAPE_ENV.from_string("{{ filters }}"))
    served = SHAPES.served
    both(client, url)
    assert SHAPES.served == served
    monkeypatch.undo()
    SHAPES.clear()
    monkeypatch.setattr(lean_page, "RANKED", frozenset())  # provider_row shows the rank
    body = both(client, url)[2]
    assert b'class="rank"' in body and SHAPES.served == served
    monkeypatch.undo()
    SHAPES.clear()
    both(client, url)
    assert SHAPES.served == served + 1
