"""Odd input is a 4xx naming the field, never a 500 (issue 13, item 5). Each case here
answered 500 (or printed a traceback) before the fix."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.settings import get_settings
from api.storage.apikeys import create_key
from api.storage.types import utcnow


def _fields(response_json: object) -> list[str]:
    assert isinstance(response_json, dict)
    detail = response_json["detail"]
    assert isinstance(detail, list)
    return [str(d["loc"][-1]) for d in detail]


RECEIPT = {
    "send_amount": "200",
    "send_currency": "GBP",
    "fee": "2",
    "received_amount": "70000",
    "receive_currency": "PKR",
}


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b'{"from": 1e400}', "from"),
        (b'{"send_amount": 1e400}', "send_amount"),
        (b'{"send_amount": -1e400}', "send_amount"),
        (b'{"send_amount": NaN}', "send_amount"),
        (b'{"send_amount": Infinity}', "send_amount"),
        (b'{"fee": -Infinity}', "fee"),
    ],
)
def test_non_finite_json_numbers_are_a_422_naming_the_field(
    client: TestClient, raw: bytes, field: str
) -> None:
    body = raw.decode()
    # Put the odd value into an otherwise valid receipt so only that field is wrong.
    key = body.split('"')[1]
    value = body.split(":", 1)[1].strip().rstrip("}")
    parts = [f'"{k}": "{v}"' for k, v in RECEIPT.items() if k != key]
    content = ("{" + ", ".join([*parts, f'"{key}": {value}']) + "}").encode()
    response = client.post(
        "/api/v1/receipt-check", content=content, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert field in _fields(response.json())


def test_non_finite_numbers_in_the_admin_quote_body_are_a_422(client: TestClient) -> None:
    # Without a key the body is not read: the key check comes first and is a 401, not a 500.
    response = client.post(
        "/api/v1/admin/quotes",
        content=b'{"send_amount": 1e400, "rate": NaN}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code in (401, 422)


@pytest.mark.parametrize("amount", ["1e-30", "0.000000001", "0.001"])
def test_tiny_send_amount_on_the_receipt_check_is_a_422(client: TestClient, amount: str) -> None:
    response = client.post("/api/v1/receipt-check", json=RECEIPT | {"send_amount": amount})
    assert response.status_code == 422, response.text
    assert _fields(response.json()) == ["send_amount"]


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx", "parquet"])
@pytest.mark.parametrize("param", ["to_date", "from_date"])
@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01"])
def test_extreme_export_dates_are_answered_without_a_500(
    client: TestClient, fmt: str, param: str, value: str
) -> None:
    response = client.get(f"/api/v1/exports/quotes.{fmt}", params={param: value})
    assert response.status_code in (200, 422), response.text
    if response.status_code == 422:
        assert _fields(response.json()) == [param]


def test_a_huge_done_value_is_ignored(client: TestClient) -> None:
    response = client.get("/learn", params={"done": "1" * 5000})
    assert response.status_code == 200
    response = client.get("/learn", params={"done": "1." + "9" * 5000 + ".3"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/learn/audio/a%00b.mp3",
        "/learn/audio/%00",
        "/learn/audio/" + "a" * 5000 + ".mp3",
        "/learn/audio/" + "a/" * 2000 + "x.mp3",
    ],
)
def test_odd_audio_names_are_a_404(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404


DEEP = b"[" * 100_000 + b"]" * 100_000


def test_a_feed_nested_100000_arrays_deep_is_a_422(client: TestClient, session: Session) -> None:
    secret = get_settings().secret_key
    _, plain = create_key(session, "deep", utcnow(), secret=secret, scopes=["ingest"])
    response = client.post(
        "/api/v1/admin/feeds",
        content=DEEP,
        headers={"X-API-Key": plain, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert _fields(response.json()) == ["file"]
    assert "nested too deeply" in response.json()["detail"][0]["msg"]


def test_a_body_nested_100000_arrays_deep_is_a_4xx(client: TestClient) -> None:
    response = client.post(
        "/api/v1/receipt-check", content=DEEP, headers={"Content-Type": "application/json"}
    )
    assert 400 <= response.status_code < 500, response.text


@pytest.mark.parametrize("parser", ["wise", "tcmb"])
def test_source_responses_nested_too_deeply_are_a_parse_error(parser: str) -> None:
    from scrapers.parsers import ParseError, tcmb, wise

    with pytest.raises(ParseError, match="nested too deeply"):
        if parser == "wise":
            wise._document(DEEP)
        else:
            tcmb._items(DEEP)
