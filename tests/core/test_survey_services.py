"""World Bank RPW service rows given as percentages (2025 Q1 and the latest quarters of 26
routes): parsed with their exact values, imported through the one survey path as two price
points per service at the route's baskets, idempotently, and refused whole when malformed."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from sqlmodel import Session, col, func, select

from api.ingestion.formats import ParseError
from api.ingestion.formats.rpw_services import parse_services
from api.services.ingest import import_rpw_survey
from api.storage.models import Quote, RpwObservation, Service
from api.storage.types import utcnow
from scrapers.demo import SURVEY_SERVICES_FILE

JSON_TWIN = SURVEY_SERVICES_FILE.parent / "fds_rpw_2025q1_pk_bd_af_subset.json"


def _lines() -> list[str]:
    return SURVEY_SERVICES_FILE.read_text(encoding="utf-8").splitlines()


def test_the_file_parses_with_its_published_values() -> None:
    rows = parse_services(SURVEY_SERVICES_FILE.read_bytes())
    assert len(rows) == 686
    per_route = Counter((r.source_code, r.destination_code) for r in rows)
    assert len(per_route) == 26
    assert per_route[("SAU", "PAK")] == 24 and per_route[("GBR", "PAK")] == 57
    sa_pk = [
        r
        for r in rows
        if (r.source_code, r.destination_code, r.basket_usd)
        == (
            "SAU",
            "PAK",
            Decimal(200),
        )
    ]
    first, last = sa_pk[0], sa_pk[-1]
    assert (first.firm, first.total_cost_pct, first.fee_pct, first.days) == (
        "Fawri",
        Decimal("0.72"),
        Decimal("0.00"),
        Decimal("1.0"),
    )
    assert (last.firm, last.firm_type, last.total_cost_pct, last.fx_margin_pct) == (
        "Saudi British Bank",
        "Bank",
        Decimal("13.95"),
        Decimal("2.45"),
    )
    assert {r.period for r in rows if r.source_code == "IND"} == {"2024Q1"}
    assert {r.period for r in rows if (r.source_code, r.destination_code) == ("PAK", "AFG")} == {
        "2023Q3"
    }


def test_the_json_twin_holds_the_same_values() -> None:
    def key(rows: list) -> list[tuple]:  # type: ignore[type-arg]
        return sorted(
            (
                r.source_code,
                r.destination_code,
                r.period,
                r.basket_usd,
                r.row,
                r.firm,
                r.fx_margin_pct,
                r.total_cost_pct,
            )
            for r in rows
        )

    csv_rows = parse_services(SURVEY_SERVICES_FILE.read_bytes())
    json_rows = parse_services(JSON_TWIN.read_bytes())
    assert key(csv_rows) == key(json_rows)


@pytest.mark.parametrize(
    ("line", "column", "value", "message"),
    [
        (7, 12, "1,2", r"line 7: field 'fx_margin_pct' is not a number"),
        (7, 13, "", r"line 7: field 'total_cost_pct' is empty"),
        (3, 7, "300", r"line 3: field 'send_amount_usd' must be 200 or 500"),
        (4, 6, "2025 spring", r"line 4: field 'period' '2025 spring' is not like"),
        (5, 8, "1", r"line 5: row_in_corridor 1 at USD 200 appears twice"),
        (6, 13, "1.00", r"line 6: total_cost_pct 1.00 is below fx_margin_pct"),
    ],
)
def test_a_malformed_file_names_the_row_and_stores_nothing(
    session: Session, line: int, column: int, value: str, message: str
) -> None:
    lines = _lines()
    cells = lines[line - 1].split(",")
    cells[column - 1] = f'"{value}"' if "," in value else value
    lines[line - 1] = ",".join(cells)

    def counts() -> tuple[int, int]:
        quotes = session.exec(select(func.count()).select_from(Quote)).one()
        return quotes, session.exec(select(func.count()).select_from(RpwObservation)).one()

    before = counts()
    with pytest.raises(ParseError, match=message):
        import_rpw_survey(session, "\n".join(lines).encode(), utcnow())
    assert counts() == before


def test_a_file_of_another_layout_is_refused() -> None:
    with pytest.raises(ParseError, match=r"columns missing: .*row_in_corridor"):
        parse_services(b"corridor,firm,send_amount_usd\nSAU-PAK,Fawri,200\n")


@pytest.mark.slow  # among the longest tests: handed out first (tests/conftest.py)
def test_import_is_idempotent_from_csv_or_json(session: Session) -> None:
    """The fixture's demo imported the file already: nothing is new, in either format."""
    again = import_rpw_survey(session, SURVEY_SERVICES_FILE.read_bytes(), utcnow())
    assert (again.quotes_stored, again.quotes_duplicate, again.observations_stored) == (
        0,
        686,
        0,
    )
    assert again.rejected == [] and again.skipped == []
    twin = import_rpw_survey(session, JSON_TWIN.read_bytes(), utcnow())
    assert (twin.quotes_stored, twin.quotes_duplicate, twin.observations_stored) == (0, 686, 0)


def _survey(session: Session, corridor: str, amount: str) -> list[Quote]:
    stmt = select(Quote).where(
        col(Quote.corridor_code) == corridor,
        col(Quote.survey_period).is_not(None),
        col(Quote.send_amount) == Decimal(amount),
    )
    return sorted(session.exec(stmt), key=lambda q: q.total_cost_pct)


def test_each_service_becomes_price_points_at_the_route_baskets(session: Session) -> None:
    at_200 = _survey(session, "SA-PK", "750")  # SAR 750: SA's USD 200 basket
    assert len(at_200) == 12
    fawri, sbb = at_200[0], at_200[-1]
    cent = Decimal("0.0001")  # the cost engine keeps full precision; the survey gives 2 dp
    assert (fawri.fee, fawri.total_cost_pct.quantize(cent), fawri.survey_period) == (
        Decimal("0"),
        Decimal("0.7200"),
        "2025Q1",
    )
    assert sbb.fee == Decimal("86.25")  # 11.50 % of SAR 750
    assert sbb.total_cost_pct.quantize(cent) == Decimal("13.9500")
    assert sbb.fx_margin_pct.quantize(Decimal("0.01")) == Decimal("2.45")
    assert "Saudi British Bank (Bank)" in (sbb.note or "")
    # The rate is estimated from the margin and the reference rate stored beside it.
    assert sbb.mid_rate_as_of is not None and sbb.mid_rate_source == "sbp"
    at_500 = _survey(session, "SA-PK", "1875")
    assert len(at_500) == 12 and at_500[-1].fee == Decimal("86.44")  # 4.61 % of SAR 1875
    # KWD has three decimals: 3.5 % of KWD 61 is 2.135.
    kw = _survey(session, "KW-BD", "61")
    assert kw and all(q.fee == q.fee.quantize(Decimal("0.001")) for q in kw)


def test_look_alike_rows_stay_distinct_services(session: Session) -> None:
    stc = session.exec(
        select(Service)
        .join(Quote, col(Quote.service_id) == Service.id)
        .where(col(Quote.corridor_code) == "SA-PK", col(Quote.survey_period) == "2025Q1")
        .where(col(Service.variant) != "")
        .distinct()
    ).all()
    assert len(stc) == 12, "12 surveyed services on SA->PK, two of them identical STC Pay rows"
    gb_pk = session.exec(
        select(func.count())
        .select_from(RpwObservation)
        .where(col(RpwObservation.rpw_corridor) == "GBRPAK", col(RpwObservation.period) == "2025Q1")
    ).one()
    assert gb_pk == 30, "30 services at USD 200 (27 of them also at USD 500)"
