from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient

CENT = Decimal("0.01")


def test_corridors_lists_every_corridor_with_live_providers(client: TestClient) -> None:
    body = client.get("/api/v1/corridors").json()
    by_code = {c["code"]: c for c in body["corridors"]}
    gb_pk = by_code["GB-PK"]
    assert gb_pk["from"] == "GB" and gb_pk["to"] == "PK"
    assert gb_pk["send_currency"] == "GBP" and gb_pk["receive_currencies"] == ["PKR"]
    assert gb_pk["live_providers"] >= 3 and gb_pk["last_update"]
    assert gb_pk["no_provider_reason"] is None
    iran = by_code["GB-IR"]
    assert iran["live_providers"] == 0 and "sanctions" in iran["no_provider_reason"]
    # Afghani only: Da Afghanistan Bank's Sept 2021 order (issue 18 item 8, facts.md #23).
    assert by_code["DE-AF"]["receive_currencies"] == ["AFN"]


def test_compare_fees_on_top_ranks_by_total_cost_and_satisfies_rpw_formulas(
    client: TestClient,
) -> None:
    params = {"from": "GB", "to": "PK", "amount": "200", "fees": "on_top"}
    r = client.get("/api/v1/compare", params=params)
    assert r.status_code == 200
    body = r.json()
    assert body["fees"] == "on_top"
    assert body["amount"] == "200" and body["currency"] == "GBP"
    assert body["sample"] is True and body["notice"] == "sample data — not live prices"
    ref = body["reference_rate"]
    assert ref["source"] == "sbp" and ref["rate_type"] == "interbank" and not ref["derived"]
    quotes = body["quotes"]
    assert len(quotes) >= 5
    fresh = [q for q in quotes if not q["stale"]]
    # Ranked by total cost (the fee included), never by A x rate alone.
    costs = [Decimal(q["total_cost"]) for q in fresh]
    assert costs == sorted(costs)
    assert all(q["stale"] for q in quotes[len(fresh) :]), "stale quotes come after fresh ones"
    for q in quotes:
        assert q["send_amount"] == "200.00"
        assert Decimal(q["you_pay"]) == Decimal(200) + Decimal(q["fee"])
        a, fee, rate, mid = (
            Decimal(200),
            Decimal(q["fee"]),
            Decimal(q["rate"]),
            Decimal(q["mid_rate"]),
        )
        margin = (mid - rate) / mid * 100
        assert abs(Decimal(q["fx_margin_pct"]) - margin) <= Decimal("0.0001")
        assert abs(Decimal(q["total_cost_pct"]) - (fee / a * 100 + margin)) <= Decimal("0.0001")
        assert abs(Decimal(q["total_cost"]) - (fee + a * margin / 100)) <= CENT
        assert abs(Decimal(q["received_amount"]) - a * rate) <= CENT
        assert q["sample"] is True and q["source"] == "sample"
        # An invented price never carries a capture time (issue 17).
        assert q["collected_at"] is None and q["age_hours"] is None
        assert set(q["provider"]) == {"slug", "name", "type"}


def test_compare_fees_included_is_the_default_and_most_received_comes_first(
    client: TestClient,
) -> None:
    body = client.get("/api/v1/compare", params={"from": "GB", "to": "PK", "amount": "200"}).json()
    assert body["fees"] == "included"
    fresh = [q for q in body["quotes"] if not q["stale"]]
    assert len(fresh) >= 3
    for q in body["quotes"]:
        # You pay at most 200 in total: the amount converted is 200 minus the fee.
        assert Decimal(q["you_pay"]) <= Decimal(200)
        assert Decimal(q["send_amount"]) + Decimal(q["fee"]) == Decimal(q["you_pay"])
        assert Decimal(200) - Decimal(q["you_pay"]) < CENT
    costs = [Decimal(q["total_cost"]) for q in fresh]
    assert costs == sorted(costs)
    # Same reference rate for all: lowest total cost first is most received first.
    received = [Decimal(q["received_amount"]) for q in fresh]
    assert received == sorted(received, reverse=True)


def test_compare_between_ladder_points_is_estimated(client: TestClient) -> None:
    params = {"from": "GB", "to": "PK", "amount": "250", "fees": "on_top"}
    body = client.get("/api/v1/compare", params=params).json()
    assert body["quotes"] and all(q["estimated"] for q in body["quotes"])


def test_compare_filters(client: TestClient) -> None:
    params = {"from": "GB", "to": "PK", "amount": "200", "payout": "cash"}
    quotes = client.get("/api/v1/compare", params=params).json()["quotes"]
    assert quotes and {q["payout_method"] for q in quotes} == {"cash"}
    params = {"from": "GB", "to": "PK", "amount": "200", "provider_type": "fintech"}
    quotes = client.get("/api/v1/compare", params=params).json()["quotes"]
    assert quotes and {q["provider"]["type"] for q in quotes} == {"fintech"}
    params = {"from": "GB", "to": "PK", "amount": "200", "sort": "total_cost"}
    quotes = client.get("/api/v1/compare", params=params).json()["quotes"]
    fresh = [Decimal(q["total_cost_pct"]) for q in quotes if not q["stale"]]
    assert fresh == sorted(fresh)


def test_afghanistan_is_paid_out_in_afghani_only(client: TestClient) -> None:
    """It offered USD payout; the central bank ordered afghani-only payouts in Sept 2021."""
    params = {"from": "DE", "to": "AF", "amount": "175", "receive_currency": "USD"}
    r = client.get("/api/v1/compare", params=params)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "receive_currency"
    body = client.get("/api/v1/compare", params={**params, "receive_currency": "AFN"}).json()
    assert body["quotes"] and {q["receive_currency"] for q in body["quotes"]} == {"AFN"}


def test_empty_corridor_explains_why(client: TestClient) -> None:
    r = client.get("/api/v1/compare", params={"from": "GB", "to": "IR", "amount": "120"})
    assert r.status_code == 200
    body = r.json()
    assert body["quotes"] == [] and "sanctions" in body["no_provider_reason"]
    assert body["reference_rate"] is not None  # official rate shown
    types = {body["reference_rate"]["rate_type"]} | {
        x["rate_type"] for x in body["other_reference_rates"]
    }
    assert {"official", "market"} <= types


def test_unknown_corridor_is_404_naming_it(client: TestClient) -> None:
    r = client.get("/api/v1/compare", params={"from": "GB", "to": "ZZ", "amount": "200"})
    assert r.status_code == 404
    assert "GB-ZZ" in r.json()["detail"][0]["msg"]


def test_bad_amount_and_currency_are_422_naming_the_field(client: TestClient) -> None:
    for params, field in [
        ({"from": "GB", "to": "PK", "amount": "-1"}, "amount"),
        ({"from": "GB", "to": "PK", "amount": "abc"}, "amount"),
        ({"from": "GB", "to": "PK", "amount": "200", "currency": "EUR"}, "currency"),
        ({"from": "GB", "to": "PK", "amount": "200", "currency": "E1"}, "currency"),
        ({"from": "GB", "to": "PK", "amount": "200", "payout": "pigeon"}, "payout"),
        ({"from": "GBR", "to": "PK", "amount": "200"}, "from"),
    ]:
        r = client.get("/api/v1/compare", params=params)
        assert r.status_code == 422, params
        assert r.json()["detail"][0]["loc"][-1] == field


def test_receipt_check_matches_hand_calculation(client: TestClient) -> None:
    ref = client.get("/api/v1/compare", params={"from": "GB", "to": "PK", "amount": "200"}).json()
    mid = Decimal(ref["reference_rate"]["rate"])
    payload = {
        "send_amount": "200",
        "send_currency": "GBP",
        "fee": "2.99",
        "received_amount": "72000",
        "receive_currency": "PKR",
        # Within 7 days of the newest recorded SBP rate (30 Apr 2026): measured against it,
        # not against the World Bank survey as a transfer of today would be (issue 18).
        "transfer_date": "2026-05-02",
    }
    r = client.post("/api/v1/receipt-check", json=payload)
    assert r.status_code == 200, r.text
    body = r.json()
    applied = Decimal(72000) / Decimal(200)
    margin = (mid - applied) / mid * 100
    assert Decimal(body["applied_rate"]) == applied
    assert body["mid_rate_source"] == "sbp"
    assert abs(Decimal(body["fx_margin_pct"]) - margin) <= Decimal("0.0001")
    assert abs(Decimal(body["total_cost_pct"]) - (Decimal("2.99") / 2 + margin)) <= Decimal(
        "0.0001"
    )
    assert abs(Decimal(body["total_cost"]) - (Decimal("2.99") + 2 * margin)) <= CENT
    best = body["best_alternative"]
    assert best is not None and best["provider"]["slug"] == ref["quotes"][0]["provider"]["slug"]
    assert body["best_alternative_corridor"] == "GB-PK"
    assert body["sample"] is True


def test_receipt_check_rejects_bad_fields(client: TestClient) -> None:
    good = {
        "send_amount": "200",
        "send_currency": "GBP",
        "fee": "2",
        "received_amount": "72000",
        "receive_currency": "PKR",
    }
    for field, value in [("send_amount", "0"), ("fee", "-1"), ("send_currency", "POUND")]:
        r = client.post("/api/v1/receipt-check", json={**good, field: value})
        assert r.status_code == 422
        assert r.json()["detail"][0]["loc"][-1] == field
    r = client.post("/api/v1/receipt-check", json={**good, "receive_currency": "XYZ"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "receive_currency"


def test_health(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json()["database"] == "reachable"


def test_openapi_schema_is_served(client: TestClient) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/compare" in schema["paths"]
