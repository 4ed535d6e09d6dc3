"""Figures that cannot mislead (issue 17 item 6) and the third party's quarterly means of RPW
service rows since 2016 (item 5): the promotion rule on SmaRT and the averages, the thin flag,
the history series' exact values, its import (idempotent; a malformed file stores nothing),
and a trends page with survey data only never saying "sample"."""

from __future__ import annotations

import re
from decimal import Decimal as D

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, delete, select

from api.domain.aggregates import Observation, aggregate, is_thin, smart
from api.ingestion.formats import ParseError
from api.services.databank import (
    DEFAULT_RPW_HISTORY,
    ensure_rpw_history,
    import_rpw_history,
    rpw_history_points,
)
from api.services.trends import HISTORY, corridor_trends
from api.storage.models import RpwHistoryPoint, TrendRollup

# -- the promotion rule (pure) ------------------------------------------------------------


def test_a_promotion_never_makes_smart_or_the_average() -> None:
    """A negative total cost (RPW's promotions) or a flagged promotion is left out of SmaRT
    and every average, and counted apart with its lowest cost."""
    obs = [
        Observation(D("-3.5")),  # a promotion by its cost
        Observation(D("0.10"), promotional=True),  # a flagged promotion
        Observation(D("1.0"), firm="a"),
        Observation(D("2.0"), firm="b"),
        Observation(D("4.0"), firm="c"),
        Observation(D("7.0"), firm="c"),
    ]
    assert smart(obs) == D("7") / 3  # 1, 2, 4: never -3.5 or 0.10
    a = aggregate(obs)
    assert a.services == 4
    assert a.average_pct == D("3.5")  # (1 + 2 + 4 + 7) / 4
    assert a.min_pct == D("1.0")
    assert a.median_pct == D("3.0")
    assert a.share_at_or_below_5_pct == D(75)
    assert (a.promotions, a.promotion_min_pct) == (2, D("-3.5"))
    assert a.firms == 3


def test_promotions_alone_leave_no_smart() -> None:
    obs = [Observation(D("-1")), Observation(D("-0.5")), Observation(D("0.2"), promotional=True)]
    a = aggregate(obs)
    assert (a.smart_pct, a.average_pct, a.services, a.promotions) == (None, None, 0, 3)


# -- the thin flag (pure) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("services", "firms", "thin"),
    [
        (3, 2, True),  # UK->AF's published 10.56 %: 3 services from 2 firms
        (3, 3, True),
        (12, 2, True),
        (4, 3, False),
        (29, 8, False),
        (None, None, False),  # counts not published: nothing to flag
        (None, 2, True),
    ],
)
def test_thin_flag(services: int | None, firms: int | None, thin: bool) -> None:
    assert is_thin(services, firms) is thin


def test_an_aggregate_on_few_firms_is_thin() -> None:
    costs = ("1", "2", "3", "4")
    two_firms = (Observation(D(c), firm="x" if i < 2 else "y") for i, c in enumerate(costs))
    assert aggregate(two_firms).thin
    assert not aggregate(Observation(D(c), firm=c) for c in costs).thin


# -- the history series: file, import, values ---------------------------------------------


def test_history_file_values_are_fee_plus_margin_exactly() -> None:
    points = rpw_history_points(DEFAULT_RPW_HISTORY.read_bytes())
    assert len(points) == 900
    sa_pk = [p for p in points if p.corridor_code == "SA-PK"]
    assert [p.period for p in sa_pk[:2]] == ["2016Q2", "2016Q3"]
    assert (len(sa_pk), sa_pk[-1].period) == (36, "2025Q1")
    first = sa_pk[0]  # SAU-PAK,2016_2Q,9,1.3333,1.8722 (tci 3.2055 + a speed penalty of 0)
    assert (first.fee_pct, first.fx_margin_pct, first.total_cost_pct) == (
        D("1.3333"),
        D("1.8722"),
        D("3.2055"),
    )
    assert first.providers == 9
    # ARE-BGD 2016_3Q: fee 2.1075 + fx 0.5813; the file's tci_pct (2.6887) is not used
    are_bgd = next(p for p in points if (p.corridor_code, p.period) == ("AE-BD", "2016Q3"))
    assert are_bgd.total_cost_pct == D("2.6888")


def test_history_on_trends_beside_the_published_figure(
    session: Session, client: TestClient
) -> None:
    """The demo imported the file: SA->PK has 2016Q2-2025Q1, each quarter with DataBank's
    published average where there is one (both shown)."""
    t = corridor_trends(session, "SA-PK", 200)
    assert [h.period for h in t.history][:1] + [h.period for h in t.history][-1:] == [
        "2016Q2",
        "2025Q1",
    ]
    assert len(t.history) == 36
    first = t.history[0]
    assert first.total_cost_pct == D("3.2055")
    assert first.published_pct is not None  # DataBank 2016Q2
    assert first.difference_pp == first.total_cost_pct - first.published_pct
    assert t.history[-1].published_pct is None  # DataBank ends in 2020Q3
    body = client.get("/api/v1/trends", params={"corridor": "SA-PK"}).json()
    assert body["history"][0]["total_cost_pct"] == "3.2055"
    assert body["history"][0]["fee_pct"] == "1.3333"
    assert body["history"][0]["fx_margin_pct"] == "1.8722"
    assert HISTORY in {s["series"] for s in body["sources"]}
    assert corridor_trends(session, "SA-PK", 500).history == []  # a USD 200 series only
    page = client.get("/trends/SA-PK")
    assert page.status_code == 200
    assert 'id="history-table"' in page.text
    assert "2016Q2" in page.text and "s-history_average" in page.text
    export = client.get("/api/v1/exports/trends.csv", params={"corridor": "SA-PK"}).text
    rows = [line for line in export.splitlines() if line.startswith(f"{HISTORY},")]
    assert len(rows) == 36
    assert ",2016Q2,3.2055," in rows[0]


def test_history_import_is_idempotent_and_a_malformed_file_stores_nothing(
    session: Session,
) -> None:
    again = ensure_rpw_history(session)  # the demo imported it already
    assert (again.points, again.stored, again.updated, again.unchanged) == (900, 0, 0, 900)
    before = session.exec(select(RpwHistoryPoint).order_by(col(RpwHistoryPoint.id))).all()
    good = DEFAULT_RPW_HISTORY.read_bytes().decode()
    lines = good.splitlines()
    lines[5] = lines[5].replace(",0.0,", ",zero,", 1)  # speed_penalty_pct of line 6
    with pytest.raises(ParseError, match="line 6: speed_penalty_pct 'zero' is not a number"):
        import_rpw_history(session, ("\n".join(lines) + "\n").encode(), "bad.csv")
    with pytest.raises(ParseError, match=r"line 3: .*2016Q2 appears twice"):
        import_rpw_history(session, "\n".join([lines[0], lines[1], lines[1]]).encode(), "d.csv")
    after = session.exec(select(RpwHistoryPoint).order_by(col(RpwHistoryPoint.id))).all()
    assert [(p.id, p.total_cost_pct) for p in after] == [(p.id, p.total_cost_pct) for p in before]


# -- promotions, reconciliation and "sample" on the pages ---------------------------------


def test_gb_pk_survey_smart_leaves_promotions_out(session: Session, client: TestClient) -> None:
    """The bundled Aug 2025 survey rows hold two negative total costs: with them SmaRT was
    -0.50 % and the route 'met both targets'; without them it rests on paid services."""
    t = corridor_trends(session, "GB-PK", 200)
    q3 = next(p for p in t.rpw if p.period == "2025Q3")
    assert q3.stats.promotions == 2
    assert q3.stats.promotion_min_pct is not None and q3.stats.promotion_min_pct < 0
    assert q3.stats.smart_pct is not None and q3.stats.smart_pct > 0
    assert q3.stats.min_pct is not None and q3.stats.min_pct >= 0
    # our recomputation of the imported rows differs from the published figure: say why
    (r,) = [r for r in t.reconciliations if r.period == "2025Q3"]
    assert (r.published_services, r.published_firms) == (29, 8)
    assert (r.services, r.firms) == (q3.stats.services, q3.stats.firms)
    summary = client.get("/api/v1/trends/summary").json()
    gb_pk = next(c for c in summary["corridors"] if c["corridor"] == "GB-PK")
    assert gb_pk["sdg"]["status"] != "meets"


def test_a_trends_page_with_survey_data_never_says_sample(
    session: Session, client: TestClient
) -> None:
    """With only real figures (survey rows, published, the history), nothing says "sample":
    no banner, no label, and the headline says it rests on the survey."""
    session.execute(delete(TrendRollup).where(col(TrendRollup.sample).is_(True)))
    session.flush()
    page = client.get("/trends/GB-PK")
    assert page.status_code == 200
    text = page.text
    assert "Sample data" not in text
    assert "not live prices" not in text
    assert not re.search(r">\s*sample\s*<", text)
    assert "Based on World Bank survey rows" in text
    body = client.get("/api/v1/trends", params={"corridor": "GB-PK"}).json()
    assert body["sample"] is False and body["notice"] is None
    assert body["headline"]["basis"] == "rpw"
    assert body["headline"]["period"] == "2025Q3"
