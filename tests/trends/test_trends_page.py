"""/trends: the regulators' page (server-rendered, works without JavaScript)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, delete

from api.storage.models import RpwObservation
from api.storage.rollups import refresh_rpw_workbook_rollups
from tests.trends.conftest import Controlled
from web import i18n
from web.i18n import LANGUAGES


def rows(html: str, section: str) -> list[str]:
    """The body rows of the table in one section."""
    part = html.split(f'id="{section}"', 1)[1].split("</section>", 1)[0]
    body = part.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)


def test_corridor_page(client: TestClient, controlled: Controlled) -> None:
    r = client.get("/trends/GB-PK")  # /trends itself is now the all-routes overview
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert '<option value="GB-PK" selected>' in html
    assert "Sample data — not live prices." in html  # the demo quarter is sample data
    assert "they are not real market averages" in html
    ours = rows(html, "ours-h")
    q1 = next(row for row in ours if "2025Q1" in row)
    # average 2.90 %, median 2.00 %, SmaRT 2.33 %, 80 % at or below 5 %: SDG stated in words
    for text in ("2.90%", "2.00%", "2.33%", "80.00%", "Meets the 3% target", "Services: 5"):
        assert text in q1, text
    assert "sample" not in q1
    now = next(row for row in ours if "sample" in row)
    assert "Above 3%, not above 5%" in now or "Meets the 3% target" in now or "Above 5%" in now
    published = rows(html, "wb-h")
    assert any("This route" in row and "2.39%" in row and "2.51%" in row for row in published)
    assert any("All routes from the United Kingdom" in row and "4.61%" in row for row in published)
    assert any("All routes worldwide" in row and "6.36%" in row for row in published)
    assert "The World Bank: Remittance Prices Worldwide" in html
    for fmt in ("csv", "xlsx", "parquet", "json"):
        assert f'href="/api/v1/exports/trends.{fmt}?corridor=GB-PK&amp;period=quarter"' in html
        assert f'href="/api/v1/exports/quotes.{fmt}?corridor=GB-PK"' in html
        assert f'href="/api/v1/exports/trends.{fmt}?period=quarter"' in html
    flow = rows(html, "flow-h")
    assert any("2025Q1" in row for row in flow)


def test_latest_period_sentence_states_the_sdg_comparison(
    client: TestClient, controlled: Controlled
) -> None:
    html = client.get("/trends", params={"corridor": "GB-PK", "period": "month"}).text
    # the newest period is the demo's (sample), said in words and labelled sample
    sentence = re.search(r"<p>In <bdi>(\d{4}-\d\d)</bdi> the average total cost.*?</p>", html)
    assert sentence and "SDG 10.c" in sentence.group(0) and "(sample)" in sentence.group(0)
    assert any("2025-01" in row and "10.00%" in row for row in rows(html, "ours-h"))


def test_basket_500_and_imported_rpw_rows(
    client: TestClient, session: Session, controlled: Controlled
) -> None:
    # Start from an empty RPW store (the demo imports the real Aug 2025 survey rows).
    session.execute(delete(RpwObservation))
    for firm, cost in (("a", "6"), ("b", "1"), ("c", "2")):
        session.add(
            RpwObservation(
                row_key=f"page-{firm}",
                period="2025Q3",
                corridor_code="GB-PK",
                rpw_corridor="GBRPAK",
                firm=firm,
                firm_type="Bank",
                speed_actual="Next day",
                cc1_total_cost_pct=Decimal(cost),
                cc2_total_cost_pct=Decimal(cost),
            )
        )
    session.flush()
    refresh_rpw_workbook_rollups(session)  # what the importer does after storing rows
    html = client.get("/trends", params={"corridor": "gb-pk", "basket": "500"}).text
    assert '<option value="500" selected>' in html
    assert any("2025Q1" in row and "0.50%" in row for row in rows(html, "ours-h"))
    # The 2025 Q1 survey rows stored as quotes have their own row (issue 17).
    rpw = next(row for row in rows(html, "rpw-h") if "2025Q3" in row)
    assert "3.00%" in rpw and "Services: 3" in rpw
    assert any("This route" in row and "1.22%" in row for row in rows(html, "wb-h"))


def test_route_without_basket_says_so(client: TestClient) -> None:
    html = client.get("/trends", params={"corridor": "IR-AF"}).text
    assert "This route has no standard amount" in html
    published = rows(html, "wb-h")  # only the global averages bear on this route
    assert published and all("All routes worldwide" in row for row in published)


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"corridor": "ZZ-PK"}, 404),
        ({"corridor": "<script>"}, 404),
        ({"basket": "300"}, 400),
        ({"period": "year"}, 400),
    ],
)
def test_bad_input_is_a_friendly_page(
    client: TestClient, params: dict[str, str], status: int
) -> None:
    r = client.get("/trends", params=params)
    assert r.status_code == status and r.headers["content-type"].startswith("text/html")
    assert "<script>" not in r.text


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?corridor=GB-BD&basket=500&period=month",
        "?corridor=IR-AF",
        "?corridor=ZZ-PK",
        "?basket=1",
    ],
)
def test_every_language_has_every_string(client: TestClient, query: str) -> None:
    before = set(i18n.MISSING)
    for lang in LANGUAGES:
        sep = "&" if query else "?"
        r = client.get(f"/trends{query}{sep}lang={lang}")
        assert r.status_code in (200, 400, 404)
        assert f'lang="{lang}"' in r.text
    assert set(i18n.MISSING) - before == set()
