"""World Bank RPW survey prices: imported from the real row-level file, shown as their own
dated tier, and what a new user sees after `make run` (the shipped demo)."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from api.http.deps import get_now
from api.ingestion.formats.rpw_survey import parse_survey
from api.services.ingest import import_rpw_survey
from api.storage.db import get_session, make_engine
from api.storage.models import Quote, RpwObservation
from api.storage.types import utcnow
from remit.app import create_app
from scrapers.demo import SURVEY_FILE
from scrapers.parsers import ParseError

SHARED_CSV = Path(__file__).resolve().parents[2].parent / "shared/reference/rpw"
CSV_COPY = SURVEY_FILE.with_suffix(".json")


def test_the_real_file_parses_with_its_published_values() -> None:
    offers = parse_survey(SURVEY_FILE.read_bytes())
    assert len(offers) == 82
    pk = [o for o in offers if o.destination == "Pakistan"]
    bd = [o for o in offers if o.destination == "Bangladesh"]
    assert (len(pk), len(bd)) == (44, 38)
    wu = (
        next(o for o in offers if o.offer_id == "1212254016-cc1")
        if any(o.offer_id == "1212254016-cc1" for o in offers)
        else None
    )
    promo = [o for o in pk if o.promotional]
    assert promo and all(o.access_point == "call_centre" for o in promo)
    assert min(o.total_cost_pct for o in pk) == Decimal("-1.93")
    assert wu is None or wu.provider == "Western Union"
    assert {o.send_amount for o in offers} == {Decimal("120"), Decimal("300")}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not json, not csv", "columns missing"),
        (b'{"offers": {}}', "no 'offers' list"),
        (b'{"offers": [{"id": "a"}]}', "offer 1: field '[a-zA-Z]+' is missing"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_a_malformed_file_is_refused_naming_the_problem(content: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_survey(content)


def test_a_bad_value_names_row_and_field() -> None:
    data = json.loads(SURVEY_FILE.read_bytes())
    data["offers"][5]["feeAmount"] = "abc"
    with pytest.raises(ParseError, match=r"offer 6: field 'feeAmount' is not a number"):
        parse_survey(json.dumps(data).encode())


def test_import_is_idempotent_and_a_bad_file_stores_nothing(session: Session) -> None:
    def counts() -> tuple[int, int]:
        q = session.exec(
            select(func.count()).select_from(Quote).where(col(Quote.source) == "rpw")
        ).one()
        o = session.exec(select(func.count()).select_from(RpwObservation)).one()
        return q, o

    before = counts()
    assert before[0] == 82, "the fixture's demo imports the bundled survey file"
    again = import_rpw_survey(session, SURVEY_FILE.read_bytes(), utcnow())
    assert (again.quotes_stored, again.quotes_duplicate, again.observations_stored) == (0, 82, 0)
    csv_path = SHARED_CSV / "uk_q3_2025_rpw_rows_pk_bd.csv"
    if csv_path.exists():  # the same observations as CSV: nothing new either
        as_csv = import_rpw_survey(session, csv_path.read_bytes(), utcnow())
        assert as_csv.quotes_stored == 0 and as_csv.quotes_duplicate == 82
    data = json.loads(SURVEY_FILE.read_bytes())
    data["offers"][-1]["collectionDate"] = "20 August"
    with pytest.raises(ParseError):
        import_rpw_survey(session, json.dumps(data).encode(), utcnow())
    assert counts() == before


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory, demo_db: Path) -> Iterator[Engine]:
    """A database as `make run` leaves it: a copy of this run's `remit demo` database."""
    path = tmp_path_factory.mktemp("shipped") / "remit.sqlite3"
    shutil.copyfile(demo_db, path)
    eng = make_engine(f"sqlite:///{path}")
    yield eng
    eng.dispose()


@pytest.fixture()
def shipped_client(shipped: Engine) -> Iterator[TestClient]:
    app = create_app()
    now = utcnow()

    def session() -> Iterator[Session]:
        with Session(shipped) as s:
            yield s

    app.dependency_overrides[get_session] = session
    app.dependency_overrides[get_now] = lambda: now
    with TestClient(app) as c:
        yield c


def test_a_new_user_sees_real_survey_prices_on_gb_pk_not_sample(
    shipped_client: TestClient,
) -> None:
    body = shipped_client.get(
        "/api/v1/compare", params={"from": "GB", "to": "PK", "amount": "120"}
    ).json()
    assert body["sample"] is False and body["notice"] is None
    assert body["quotes"] == [], "no sample quotes where real prices exist"
    survey = body["survey_quotes"]
    assert {q["provider"]["slug"] for q in survey} == {
        "moneygram",
        "remitly",
        "western-union",
        "wise",
        "worldremit",
    }
    assert all(q["source"] == "rpw" and q["sample"] is False for q in survey)
    assert all(q["tier"] == "survey" and q["survey_date"].startswith("2025-08") for q in survey)
    assert body["survey_date"] == "2025-08-28"
    assert "World Bank" in body["survey_notice"] and "CC BY 4.0" in body["attribution"]
    # Western Union's internet bank-account row, with its real fee and rate at GBP 120.
    wu = next(
        q
        for q in survey
        if q["provider"]["slug"] == "western-union"
        and q["access_point"] == "internet"
        and q["payout_method"] == "bank"
    )
    baskets = {b["send_amount"]: b for b in wu["survey_baskets"]}
    assert set(baskets) == {"120.00", "300.00"}
    assert baskets["120.00"]["fee"] == "0.99" and Decimal(baskets["120.00"]["rate"]) > 0
    assert wu["estimated"] is True, "GBP 120 paid in total is not a surveyed point"
    # Fees on top at a surveyed amount: exactly as surveyed.
    on_top = shipped_client.get(
        "/api/v1/compare", params={"from": "GB", "to": "PK", "amount": "120", "fees": "on_top"}
    ).json()
    exact = [q for q in on_top["survey_quotes"] if not q["estimated"]]
    assert len(exact) == len(on_top["survey_quotes"])
    promo = [q for q in on_top["survey_quotes"] if q["promotional"]]
    assert promo and all(Decimal(q["total_cost_pct"]) < 0 for q in promo)
    assert all(q["access_point"] == "call_centre" for q in promo)


def test_sample_data_stays_only_where_nothing_real_exists(shipped_client: TestClient) -> None:
    by_code = {c["code"]: c for c in shipped_client.get("/api/v1/corridors").json()["corridors"]}
    assert by_code["GB-BD"]["sample"] is False
    sa_pk = shipped_client.get(
        "/api/v1/compare", params={"from": "SA", "to": "PK", "amount": "750"}
    ).json()
    assert sa_pk["sample"] is True and sa_pk["notice"] and sa_pk["quotes"]
    assert all(q["sample"] for q in sa_pk["quotes"]) and sa_pk["survey_quotes"] == []


def test_the_survey_section_shows_fee_rate_payin_baskets_and_its_own_reference(
    shipped_client: TestClient,
) -> None:
    page = shipped_client.get("/compare", params={"from": "GB", "to": "BD", "amount": "120"})
    assert page.status_code == 200
    html = page.text
    # Survey-only routes are real data: no sample banner although BDT's own rate is sample.
    assert "Sample data — not live prices." not in html
    assert "World Bank survey" in html and "CC BY 4.0" in html
    assert "As surveyed:" in html and "Credit card" in html and "Exchange rate" in html
    # The margin is measured against the survey's own interbank rate of its date.
    assert "against the interbank (mid-market) rate of Aug 20, 2025" in html


def test_a_route_without_our_figures_is_tested_on_the_world_bank_survey(
    shipped_client: TestClient,
) -> None:
    """GB->PK in the default install has no figures of ours (no sample there): its SDG
    10.c status rests on the imported World Bank survey rows, says so, and the overview
    shows those figures instead of "No figures yet"."""
    body = shipped_client.get("/api/v1/trends/summary", params={"basket": "200"}).json()
    gb_pk = next(c for c in body["corridors"] if c["corridor"] == "GB-PK")
    assert gb_pk["ours"] is None and gb_pk["rpw"]["period"] == "2025Q3"
    sdg = gb_pk["sdg"]
    assert (sdg["source"], sdg["period"]) == ("rpw", "2025Q3")
    average = Decimal(gb_pk["rpw"]["average_pct"])
    assert sdg["average_at_or_below_3"] is (average <= 3)
    assert sdg["status"] != "no_data"
    us_pk = next(c for c in body["corridors"] if c["corridor"] == "US-PK")
    assert us_pk["sdg"]["source"] == "silkroutes"  # ours first wherever we have them
    ir = next(c for c in body["corridors"] if c["corridor"] == "GB-IR")
    assert ir["sdg"]["source"] is None and ir["sdg"]["status"] == "no_data"

    html = shipped_client.get("/trends").text
    row = html[html.index('<tr data-corridor="GB-PK"') :]
    row = row[: row.index("</tr>")]
    assert 'data-basis="rpw"' in row and "World Bank survey, <bdi>2025Q3</bdi>" in row
    assert f"<bdi>{average:.2f}%</bdi>" in row
    assert "No figures yet" not in row
    lines = shipped_client.get(
        "/api/v1/exports/trends-summary.csv", params={"basket": "200"}
    ).text.splitlines()
    header = next(csv.reader([lines[1] if lines[0].startswith("#") else lines[0]]))
    assert "sdg_source" in header and "sdg_period" in header
