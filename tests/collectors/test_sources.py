"""Every source end to end: the replay server serves the recorded file at the live path,
`run_source` fetches, parses, archives and stores it; the stored values are the file's."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, delete
from sqlmodel import Session, col, select

from api.storage.models import Corridor, Provider, Quote, RawPayload, ReferenceRate
from scrapers.parsers import cbi, cbr, dab, ecb, imf, sbp, tcmb
from scrapers.parsers.types import RateObservation
from scrapers.runner import run_source, run_sources
from scrapers.sources.wise import provider_slug, speed_band
from tests.collectors.conftest import NOW, recorded
from tests.replay import ReplayServer

PARSERS = {
    "sbp": sbp.parse,
    "dab": dab.parse,
    "cbi": cbi.parse,
    "ecb": ecb.parse,
    "imf": imf.parse,
    "tcmb": tcmb.parse,
    "cbr": cbr.parse,
}

# Values read by eye from the recorded files (not through the parsers).
SPOT_CHECKS: dict[str, list[tuple[tuple[str, str, str, date], Decimal]]] = {
    "sbp": [(("AUD", "PKR", "", date(2026, 4, 1)), Decimal("192.929678"))],
    "dab": [
        (("USD", "AFN", "cash", date(2026, 5, 18)), Decimal("63.9767")),
        (("USD", "AFN", "transfer", date(2026, 5, 18)), Decimal("63.9767")),
    ],
    "cbi": [(("USD", "IQD", "", date(2024, 1, 2)), Decimal("1305"))],
    "ecb": [(("EUR", "AUD", "", date(2026, 2, 17)), Decimal("1.6776"))],
    "imf": [(("USD", "CNY", "", date(2026, 3, 2)), Decimal("6.882900"))],
    "tcmb": [(("AED", "TRY", "", date(2026, 3, 2)), Decimal("11.93685000"))],
    "cbr": [(("AUD", "RUB", "", date(2026, 4, 25)), Decimal("53.8359"))],
}


def stored_rates(session: Session, source: str) -> dict[tuple[str, str, str, date], ReferenceRate]:
    rows = session.exec(select(ReferenceRate).where(ReferenceRate.source == source))
    return {(r.base, r.quote, r.variant, r.as_of): r for r in rows}


def expected_rates(source: str) -> tuple[list[RateObservation], bytes]:
    files = recorded()[source]
    content = files[-1].content  # the data file (CBI: the workbook after the page)
    return PARSERS[source](content), content


@pytest.mark.parametrize("source", sorted(PARSERS))
def test_source_stores_exactly_the_recorded_rates(
    source: str, session: Session, conn: Connection, replay: ReplayServer
) -> None:
    session.execute(delete(ReferenceRate).where(col(ReferenceRate.source) == source))
    observations, content = expected_rates(source)
    digest = hashlib.sha256(content).hexdigest()

    run = run_source(conn, source, now=NOW)

    assert (run.status, run.error) == ("ok", None)
    assert run.rows_stored == len(observations) and run.rows_rejected == 0
    stored = stored_rates(session, source)
    assert len(stored) == len(observations)
    for o in observations:
        row = stored[(o.base, o.quote, o.variant, o.as_of)]
        assert (row.rate, row.buy, row.sell, row.rate_type) == (o.rate, o.buy, o.sell, o.rate_type)
        assert row.payload_hash == digest and not row.derived and not row.sample
    for key, value in SPOT_CHECKS[source]:
        assert stored[key].rate == value
    payload = session.get(RawPayload, digest)
    assert payload is not None and payload.content == content and payload.source == source
    for r in recorded()[source]:
        assert replay.hits(r.path.split("?")[0]) >= 1

    again = run_source(conn, source, now=NOW)
    assert (again.status, again.rows_stored, again.rows_duplicate) == ("ok", 0, len(observations))
    assert len(stored_rates(session, source)) == len(observations)


def test_requests_use_the_live_paths_and_identify_us(
    session: Session, conn: Connection, replay: ReplayServer
) -> None:
    runs = run_sources(conn, ["dab", "ecb", "imf", "tcmb", "cbr"], now=NOW)
    assert [r.status for r in runs] == ["ok"] * 5
    by_path = {r.path: r for r in replay.requests}
    assert by_path["/exchange-rates"].query == "field_date_value=2026-05-24"
    assert by_path["/service/data/EXR/D..EUR.SP00.A"].query == (
        "format=csvdata&startPeriod=2026-05-10"
    )
    assert by_path["/external/np/fin/data/rms_mth.aspx"].query == (
        "SelectDate=2026-05-24&reportType=REP&tsvflag=Y"
    )
    evds = next(r for r in replay.requests if r.path.startswith("/service/evds/"))
    assert "TP.DK.USD.A.YTL-TP.DK.USD.S.YTL" in evds.path
    assert evds.path.endswith("&startDate=10-05-2026&endDate=24-05-2026&type=json")
    assert evds.headers["key"] == "test-evds-key"
    assert all(r.headers["user-agent"].startswith("silkroutes-remit/") for r in replay.requests)
    assert replay.hits("/robots.txt") == 1  # once per host and run, for the HTML pages


def test_dab_rates_are_served_by_the_rates_api(
    session: Session, conn: Connection, client: TestClient, replay: ReplayServer
) -> None:
    session.execute(delete(ReferenceRate).where(col(ReferenceRate.source) == "dab"))
    assert run_source(conn, "dab", now=NOW).rows_stored == 20

    body = client.get("/api/v1/rates", params={"base": "USD", "quote": "AFN"}).json()

    assert (body["base"], body["quote"], body["date"]) == ("USD", "AFN", None)
    dab_rates = [r for r in body["rates"] if r["source"] == "dab"]
    assert {(r["variant"], r["rate"], r["buy"], r["sell"]) for r in dab_rates} == {
        ("cash", "63.9767", "63.8767", "64.0767"),
        ("transfer", "63.9767", "63.9267", "64.0267"),
    }
    for r in dab_rates:
        assert (r["rate_type"], r["as_of"], r["derived"], r["sample"]) == (
            "official",
            "2026-05-18",
            False,
            False,
        )
        assert r["stale"] is True and r["age_days"] > 7  # recorded in May; the API says so


def test_cross_rates_are_derived_and_marked(client: TestClient) -> None:
    body = client.get("/api/v1/rates", params={"base": "qar", "quote": "afn"}).json()
    derived = [r for r in body["rates"] if r["derived"]]
    assert derived, body
    assert all(r["via"] in ("USD", "EUR", "inverse") for r in derived)
    assert any("dab" in r["source"] for r in derived)


def test_rates_for_a_past_day(client: TestClient) -> None:
    body = client.get(
        "/api/v1/rates", params={"base": "USD", "quote": "IQD", "date": "2024-01-03"}
    ).json()
    cbi_rates = [r for r in body["rates"] if r["source"] == "cbi"]
    assert cbi_rates and all(r["as_of"] <= "2024-01-03" for r in cbi_rates)
    assert body["date"] == "2024-01-03"


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"base": "USD", "quote": "USD"}, 422, "quote"),
        ({"base": "USD", "quote": "XYZ"}, 404, "quote"),
        ({"base": "U$D", "quote": "AFN"}, 422, "base"),
        ({"base": "USD", "quote": "AFN", "date": "2026-13-40"}, 422, "date"),
        ({"quote": "AFN"}, 422, "base"),
    ],
)
def test_rates_bad_input_is_a_clear_4xx(
    client: TestClient, params: dict[str, str], status: int, field: str
) -> None:
    response = client.get("/api/v1/rates", params=params)
    assert response.status_code == status
    assert field in response.json()["detail"][0]["loc"]


# -- Wise ---------------------------------------------------------------------------------------


def add_gb_es(session: Session, ladder: str = "10000") -> None:
    """The spec's example is GBP->EUR: a GB->ES corridor (rolled back after the test)."""
    session.add(
        Corridor(
            code="GB-ES",
            from_country="GB",
            to_country="ES",
            send_currency="GBP",
            receive_currencies="EUR",
            ladder=ladder,
            fresh_hours=48,
            expiry_hours=336,
        )
    )
    session.flush()


def test_wise_spec_example_becomes_quotes_whose_margin_is_the_markup(
    session: Session, conn: Connection, replay: ReplayServer
) -> None:
    add_gb_es(session)

    run = run_source(conn, "wise", corridors=["GB-ES"], now=NOW)

    assert (run.status, run.rows_stored, run.error) == ("ok", 2, None)
    [request] = [r for r in replay.requests if r.path == "/v4/comparisons"]
    assert request.query == "sourceCurrency=GBP&targetCurrency=EUR&sendAmount=10000"
    quotes = {
        q.source_captured_at: q
        for q in session.exec(select(Quote).where(Quote.corridor_code == "GB-ES"))
    }
    wise = quotes[datetime(2019, 10, 22, 14, 36, 43, tzinfo=UTC)]
    barclays = quotes[datetime(2019, 10, 22, 14, 0, 4, tzinfo=UTC)]

    # The stored FX margin is the markup Wise reports.
    assert barclays.markup_pct == Decimal("2.75592858")
    assert barclays.fx_margin_pct.quantize(Decimal("1E-20")) == Decimal("2.75592858").quantize(
        Decimal("1E-20")
    )
    assert wise.markup_pct == 0 and wise.fx_margin_pct == 0 and wise.mid_rate == wise.rate
    assert barclays.mid_rate_source == "wise" and barclays.mid_rate_type == "interbank"

    # Fee normalised to "on top": Wise's 11,555.84 is (10000 - 37.12) x 1.15989; ours is
    # 10000 x 1.15989 for 10,037.12 paid.
    assert (wise.send_amount, wise.fee, wise.rate) == (
        Decimal("10000"),
        Decimal("37.12"),
        Decimal("1.15989"),
    )
    assert ((wise.send_amount - wise.fee) * wise.rate).quantize(Decimal("0.01")) == Decimal(
        "11555.84"
    )
    assert wise.received_amount == Decimal("11598.90000")
    assert wise.total_cost_pct == Decimal("0.3712")
    assert barclays.received_amount == Decimal("11279.24260000")

    # Delivery estimate: the ISO-8601 durations, exactly; speed band from them.
    assert wise.delivery_min_s == wise.delivery_max_s == Decimal("72496.305111")
    assert barclays.delivery_min_s == barclays.delivery_max_s == Decimal(86400)
    assert (wise.speed, barclays.speed) == ("next_day", "next_day")
    assert (wise.payout_method, wise.source, wise.payload_hash) == (
        "bank",
        "wise",
        hashlib.sha256(recorded()["wise"][0].content).hexdigest(),
    )
    # Barclays was not in our provider list: created from Wise's own naming.
    provider = session.exec(select(Provider).where(Provider.slug == "barclays")).one()
    assert (provider.name, provider.type) == ("Barclays", "bank")

    again = run_source(conn, "wise", corridors=["GB-ES"], now=NOW)
    assert (again.rows_stored, again.rows_duplicate) == (0, 2)


def test_wise_plans_requests_only_for_supported_corridors(
    session: Session, conn: Connection, replay: ReplayServer
) -> None:
    run = run_source(conn, "wise", corridors=["GB-AF", "TR-IQ"], now=NOW)
    assert (run.status, run.rows_stored) == ("ok", 0)  # Wise pays out no AFN/IQD
    assert replay.hits("/v4/comparisons") == 0


def test_wise_quote_for_another_country_is_not_stored_on_this_corridor(
    session: Session, conn: Connection, replay: ReplayServer
) -> None:
    session.add(
        Corridor(
            code="GB-DE",
            from_country="GB",
            to_country="DE",
            send_currency="GBP",
            receive_currencies="EUR",
            ladder="10000",
            fresh_hours=48,
            expiry_hours=336,
        )
    )
    session.flush()
    run = run_source(conn, "wise", corridors=["GB-DE"], now=NOW)
    stored = session.exec(select(Quote).where(Quote.corridor_code == "GB-DE")).all()
    assert run.rows_stored == 1 and [q.rate for q in stored] == [Decimal("1.15989")]


@pytest.mark.parametrize(
    ("low", "high", "band"),
    [
        (None, None, "2_5_days"),
        ("PT30M", "PT30M", "minutes"),
        ("PT2H", None, "same_day"),
        (None, "PT24H", "next_day"),
        ("P2D", "P4D", "2_5_days"),
        ("P3D", "P1W", "over_5_days"),
    ],
)
def test_wise_speed_band(low: str | None, high: str | None, band: str) -> None:
    from scrapers.parsers.wise import parse_duration

    lo = parse_duration(low) if low else None
    hi = parse_duration(high) if high else None
    assert speed_band(lo, hi).value == band


def test_provider_slugs() -> None:
    assert provider_slug("Western Union") == "western-union"
    assert provider_slug("transferwise") == "wise"
    assert provider_slug("barclays") == "barclays"
