"""What web/lean_page.py keeps between the steps of one request, and per data version: the
plain query read once per request (kept with the query string it was read from), the
corridor's fields read once per book (kept with the corridor read), and a shape's key
hashed once (equal keys are one entry, a changed one is another)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import Request

from api.services.compare import CompareResult
from api.storage.models import Corridor
from web import lean_page


def request(query: bytes, **extra: Any) -> Request:
    scope = {"type": "http", "method": "GET", "path": "/compare", "headers": []}
    return Request({**scope, "query_string": query, **extra})


def test_the_plain_query_is_read_once_per_query_string() -> None:
    first = request(b"from=US&to=PK&amount=200&lang=ur")
    read = lean_page.plain_query(first)
    assert read == (("from", "US"), ("to", "PK"), ("amount", ""), ("lang", "ur"))
    assert lean_page.plain_query(first) is read  # kept in the request's scope
    # The same scope with another query string (as a shape's stand-in request is made) is
    # read anew, and a request that is not plain is None whatever was kept.
    again = request(
        b"from=US&to=PK&amount=200&sort=fee", **{lean_page._READ: first.scope[lean_page._READ]}
    )
    assert lean_page.plain_query(again) is None
    assert lean_page.plain_query(request(b"from=US&to=PK&amount=2", method="HEAD")) is None
    assert lean_page.plain_query(request(b"from=US&to=PK&amount=1e3")) is None


def corridor(**changes: Any) -> Corridor:
    fields = {"code": "US-PK", "from_country": "US", "to_country": "PK", "send_currency": "USD"}
    return Corridor(**(fields | {"receive_currencies": "PKR", "ladder": "100,200"} | changes))


def test_the_corridors_fields_are_kept_with_the_corridor_read() -> None:
    memo: dict[Any, Any] = {}
    result = CompareResult.__new__(CompareResult)
    result.memo = memo
    held = corridor()
    key = lean_page._corridor_key(held, result)
    assert key == tuple(getattr(held, name) for name in lean_page.CORRIDOR_FIELDS)
    assert lean_page._corridor_key(held, result) is key  # read once per book
    other = corridor(fresh_hours=7)  # another object (read from the session): read anew
    assert lean_page._corridor_key(other, result) != key


def test_a_shape_key_is_hashed_once_and_compared_in_full() -> None:
    a = lean_page._Hashed(("en", (Decimal("1.0"), 2)))
    b = lean_page._Hashed(("en", (Decimal("1.00"), 2)))
    c = lean_page._Hashed(("en", (Decimal("1.01"), 2)))
    assert a == b and hash(a) == hash(b) and a != c and a != ("en", (Decimal("1.0"), 2))
    kept = lean_page._Kept(2)
    kept.put(a, "shape", [])
    assert kept.get(b) == (True, "shape") and kept.get(c) == (False, None)
    kept.put(c, None, [])
    kept.get(a)  # a used last: c goes first
    kept.put(lean_page._Hashed(("fa-IR",)), "other", [])
    assert kept.get(c) == (False, None) and kept.get(a) == (True, "shape")
