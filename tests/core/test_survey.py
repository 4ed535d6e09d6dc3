"""World Bank RPW survey prices: imported from the real row-level file, shown as their own
dated tier, and what a new user sees after `make run` (the shipped demo)."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
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
    # The fixture's demo imports the bundled survey files: the UK rows (82 offers) and the
    # 26 routes' service rows (686 price points).
    assert before[0] == 82 + 686
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
    # The five providers of the Aug 2025 rows show those (their newest survey); the firms
    # only the 2025 Q1 service rows have (Ria, UBL) show that quarter (issue 17).
    dated = {q["provider"]["slug"] for q in survey if q["survey_date"]}
    assert dated == {"moneygram", "remitly", "western-union", "wise", "worldremit"}
    by_quarter = {q["provider"]["slug"] for q in survey if q["survey_period"] == "2025Q1"}
    assert by_quarter == {"ria", "ubl"} and not dated & by_quarter
    assert all(q["source"] == "rpw" and q["sample"] is False for q in survey)
    assert all(
        q["tier"] == "survey" and (q["survey_date"] or "2025-08").startswith("2025-08")
        for q in survey
    )
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
    dated_on_top = [q for q in on_top["survey_quotes"] if q["survey_date"]]
    assert dated_on_top and not any(q["estimated"] for q in dated_on_top)
    promo = [q for q in on_top["survey_quotes"] if q["promotional"]]
    assert promo and all(Decimal(q["total_cost_pct"]) < 0 for q in promo)
    assert all(q["access_point"] == "call_centre" for q in promo)


def test_the_shipped_demo_invents_nothing(shipped_client: TestClient) -> None:
    """Issue 17: `make run` loads real material only; sample quotes need `demo --sample`."""
    corridors = shipped_client.get("/api/v1/corridors").json()["corridors"]
    assert not any(c["sample"] for c in corridors)
    sa_pk = shipped_client.get(
        "/api/v1/compare", params={"from": "SA", "to": "PK", "amount": "750"}
    ).json()
    assert sa_pk["sample"] is False and sa_pk["notice"] is None and sa_pk["quotes"] == []
    assert sa_pk["survey_quotes"] and not any(q["sample"] for q in sa_pk["survey_quotes"])


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
    # No sample figures of ours in the shipped demo: US->PK rests on the 2025 Q1 survey.
    assert (us_pk["sdg"]["source"], us_pk["sdg"]["period"]) == ("rpw", "2025Q1")
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


def test_sa_pk_shows_the_2025_q1_survey_and_never_says_sample(
    shipped_client: TestClient,
) -> None:
    """Issue 17: Saudi Arabia->Pakistan at its USD 200 basket (SAR 750), real survey prices
    only: Fawri's 0.72 % service first, Saudi British Bank's 13.95 % last."""
    body = shipped_client.get(
        "/api/v1/compare", params={"from": "SA", "to": "PK", "amount": "750", "fees": "on_top"}
    ).json()
    survey = body["survey_quotes"]
    assert (survey[0]["provider"]["name"], survey[0]["total_cost_pct"]) == ("Fawri", "0.7200")
    last = survey[-1]
    assert (last["provider"]["slug"], last["total_cost_pct"]) == (
        "saudi-british-bank",
        "13.9500",
    )
    assert last["provider"]["type"] == "bank" and "Saudi British Bank (Bank)" in last["note"]
    assert all(
        q["survey_period"] == "2025Q1"
        and q["survey_quarter"] == "Jan–Mar 2025"
        and q["estimated"] is True
        and q["mid_rate_as_of"]
        and q["payout_method"] == "unknown"
        for q in survey
    )
    assert body["survey_periods"] == ["2025Q1"] and body["sample"] is False
    html = shipped_client.get("/compare", params={"from": "SA", "to": "PK", "amount": "750"}).text
    assert "sample" not in html.lower()
    assert "World Bank survey, Jan – Mar 2025" in html
    cards = html[html.index('class="offers survey-rows"') :]
    names = [part.split("</a>")[0].rsplit(">", 1)[-1] for part in cards.split("<h3>")[1:]]
    assert names[0] == "Fawri" and names[-1] == "Saudi British Bank"


def test_in_bd_exists_with_its_2024_q1_survey(shipped_client: TestClient) -> None:
    corridors = {c["code"]: c for c in shipped_client.get("/api/v1/corridors").json()["corridors"]}
    in_bd = corridors["IN-BD"]
    assert in_bd["basket_amounts"] == ["18500", "46250"] and in_bd["send_currency"] == "INR"
    assert (in_bd["status"], in_bd["survey_period"]) == ("survey", "2024Q1")
    body = shipped_client.get(
        "/api/v1/compare", params={"from": "IN", "to": "BD", "amount": "18500"}
    ).json()
    assert body["survey_periods"] == ["2024Q1"] and len(body["survey_quotes"]) >= 7
    assert body["reference_rate"]["sample"] is False
    html = shipped_client.get("/compare", params={"from": "IN", "to": "BD", "amount": "18500"})
    assert "World Bank survey, Jan – Mar 2024" in html.text and "sample" not in html.text.lower()


def test_every_route_says_what_it_has(shipped_client: TestClient) -> None:
    """The home page marks each route: live, survey (quarter), sample or nothing; no route
    says "no regulated provider" when it is "no price collected"."""
    corridors = {c["code"]: c for c in shipped_client.get("/api/v1/corridors").json()["corridors"]}
    assert {c["status"] for c in corridors.values()} == {"survey", "none"}
    assert corridors["GB-PK"]["survey_period"] == "2025Q3"
    assert corridors["PK-AF"]["survey_period"] == "2023Q3"
    html = shipped_client.get("/").text
    assert html.count("World Bank survey, ") == sum(
        1 for c in corridors.values() if c["status"] == "survey"
    )
    assert "no current prices" not in html and "sample" not in html.lower()
    iraq = shipped_client.get("/compare", params={"from": "TR", "to": "IQ", "amount": "8850"})
    assert "No regulated provider found" not in iraq.text
    assert "does not survey transfers into Iraq" in iraq.text and "No price collected" in iraq.text
    assert 'class="rates"' in iraq.text
    pk_af = shipped_client.get("/compare", params={"from": "PK", "to": "AF", "amount": "56000"})
    assert "World Bank survey, Jul – Sep 2023" in pk_af.text
    ir_af = shipped_client.get("/compare", params={"from": "IR", "to": "AF"}).text
    assert "never surveyed" in ir_af


def test_coverage_shares_add_up_and_match_the_summary(
    shipped: Engine, shipped_client: TestClient
) -> None:
    from api.services.coverage import coverage

    # Pinned clocks: the survey window is 2 years from each survey's quarter end.
    with Session(shipped) as s:
        late_2026 = coverage(s, datetime(2026, 12, 7, tzinfo=UTC))
        mid_2025 = coverage(s, datetime(2025, 6, 1, tzinfo=UTC))
    assert "SA-PK" in late_2026.routes["survey"] and "IN-BD" in late_2026.routes["nothing"]
    assert "IN-BD" in mid_2025.routes["survey"], "2024 Q1 is within 2 years of mid-2025"
    assert late_2026.routes["live"] == [] and late_2026.share_pct("live") == 0
    assert "IN-PK" in late_2026.without_flow and "SG-BD" in late_2026.without_flow
    body = shipped_client.get("/api/v1/trends/summary").json()["coverage"]
    shares = [Decimal(body[k]) for k in ("live_pct", "survey_pct", "nothing_pct")]
    assert abs(sum(shares) - 100) <= Decimal("0.2")
    assert Decimal(body["flows_usd"]) == late_2026.total_usd


def test_with_sample_quotes_loaded_every_card_says_sample(client: TestClient) -> None:
    """The test fixture asks for sample quotes (`remit demo --sample`): each card says so,
    and none shows when an invented price was "checked"."""
    html = client.get("/compare", params={"from": "US", "to": "PK", "amount": "200"}).text
    cards = [c for c in html.split('<li class="prow')[1:] if not c.startswith(" srow")]
    assert cards, "the fixture's sample quotes are shown (the survey's cards are apart)"
    assert all('<span class="tag warn">sample</span>' in card for card in cards)
    assert "newest price" not in html and " ago" not in html
