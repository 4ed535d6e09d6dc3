"""/trends/{from}-{to}: the server-rendered SVG chart plots exactly the numbers of the table
beneath it and of its download; the 3 % and 5 % lines are drawn and labelled; right-to-left
languages run the time axis from right to left. /trends: the all-routes overview."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.trends.conftest import Controlled

SVG = "{http://www.w3.org/2000/svg}"


def chart(html: str) -> ET.Element:
    match = re.search(r'<svg class="chart-svg".*?</svg>', html, flags=re.S)
    assert match, "no chart"
    text = match.group(0).replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
    return ET.fromstring(text)


def chart_table(html: str) -> dict[tuple[str, str], str]:
    part = html.split('<table id="chart-table">', 1)[1].split("</table>", 1)[0]
    out = {}
    for row in re.findall(r"<tr><th scope=\"row\"><bdi>(.*?)</bdi></th>(.*?)</tr>", part):
        period, cells = row
        for series, cell in re.findall(r'<td data-series="(\w+)">(.*?)</td>', cells):
            if cell != "–":
                out[(period, series)] = unescape(re.sub(r"</?bdi>", "", cell))
    return out


def points(svg: ET.Element) -> list[tuple[str, str, Decimal, float, float, str]]:
    out = []
    for g in svg.iter(f"{SVG}g"):
        series = g.get("data-series")
        if not series:
            continue
        for c in g.iter(f"{SVG}circle"):
            title = c.find(f"{SVG}title")
            assert title is not None and title.text
            out.append(
                (
                    series,
                    c.get("data-period", ""),
                    Decimal(c.get("data-value", "")),
                    float(c.get("cx", "")),
                    float(c.get("cy", "")),
                    title.text.rsplit(": ", 1)[1],
                )
            )
    return out


def value_at(svg: ET.Element, y: float) -> Decimal:
    """Invert the chart's y scale (from its data attributes)."""
    lo, hi = Decimal(svg.get("data-y-min", "")), Decimal(svg.get("data-y-max", ""))
    top, bottom = float(svg.get("data-top", "")), float(svg.get("data-bottom", ""))
    return lo + (hi - lo) * Decimal(str((bottom - y) / (bottom - top)))


def test_chart_points_equal_the_table_and_the_download(
    client: TestClient, controlled: Controlled
) -> None:
    html = client.get("/trends/GB-PK").text
    svg = chart(html)
    pts = points(svg)
    table = chart_table(html)
    assert {(p, s) for s, p, *_ in pts} == set(table)
    for series, period, value, _, y, label in pts:
        assert table[(period, series)] == label  # the same formatted number
        assert f"{value.quantize(Decimal('0.01'))}%" == label
        assert abs(value_at(svg, y) - value) < Decimal("0.05"), (series, period)
    by = {(s, p): v for s, p, v, *_ in pts}
    # our 2025Q1 figures (conftest): average 2.90 %, SmaRT 2.33 %, cheapest 0.50 % (moneygram)
    assert by[("ours_average", "2025Q1")].quantize(Decimal("0.01")) == Decimal("2.90")
    assert by[("ours_smart", "2025Q1")].quantize(Decimal("0.01")) == Decimal("2.33")
    assert by[("ours_min", "2025Q1")] == Decimal("0.5")
    # the World Bank's published line: DataBank 2011Q1 ... 2020Q3, then Q3 2025
    published = sorted(p for s, p, *_ in pts if s == "published_average")
    assert published[0] == "2011Q1" and "2020Q3" in published and published[-1] == "2025Q3"
    assert by[("published_average", "2011Q1")] == Decimal("4.37384605407715")  # as published
    # the download holds exactly the plotted numbers (JSON keeps full precision)
    body = client.get(
        "/api/v1/exports/trends-chart.json", params={"corridor": "GB-PK", "basket": "200"}
    ).json()
    got = [(r["series"], r["period"], Decimal(r["value_pct"])) for r in body["rows"]]
    assert sorted(got) == sorted((s, p, v) for s, p, v, *_ in pts)
    csv_body = client.get(
        "/api/v1/exports/trends-chart.csv", params={"corridor": "GB-PK", "basket": "200"}
    ).text
    assert len(list(csv.DictReader(io.StringIO(csv_body.lstrip("\ufeff"))))) == len(pts)


def test_chart_has_labelled_sdg_lines(client: TestClient, controlled: Controlled) -> None:
    svg = chart(client.get("/trends/GB-PK").text)
    targets = {g.get("data-target"): g for g in svg.iter(f"{SVG}g") if g.get("data-target")}
    assert set(targets) == {"3", "5"}
    for pct, g in targets.items():
        line = g.find(f"{SVG}line")
        label = g.find(f"{SVG}text")
        assert line is not None and label is not None and label.text
        assert f"{pct}%" in label.text
        assert abs(value_at(svg, float(line.get("y1", ""))) - Decimal(pct)) < Decimal("0.05")
    assert "SmaRT" in (targets["5"].find(f"{SVG}text").text or "")  # type: ignore[union-attr]


def test_chart_runs_right_to_left_in_rtl_languages(
    client: TestClient, controlled: Controlled
) -> None:
    for lang, rtl in (("en", False), ("ar", True), ("ur", True), ("fa-AF", True), ("ps", True)):
        html = client.get("/trends/GB-PK", params={"lang": lang}).text
        svg = chart(html)
        assert svg.get("data-rtl") == ("true" if rtl else "false")
        pub = sorted((p, x) for s, p, _, x, _, _ in points(svg) if s == "published_average")
        first, last = pub[0][1], pub[-1][1]
        assert (first > last) if rtl else (first < last), lang
        assert f'dir="{"rtl" if rtl else "ltr"}"' in html


def test_period_and_basket_switches(client: TestClient, controlled: Controlled) -> None:
    html = client.get("/trends/GB-PK", params={"basket": "500", "period": "month"}).text
    assert 'href="/trends/GB-PK?basket=500&amp;period=quarter"' in html
    assert 'href="/trends/GB-PK?basket=200&amp;period=month"' in html
    pts = points(chart(html))
    assert ("ours_average", "2025-02", Decimal("0.5")) in {(s, p, v) for s, p, v, *_ in pts}
    assert not [p for p in pts if p[0] == "published_average"]  # quarterly figures only
    assert "Share of services at or below 5%" in html
    assert "/api/v1/exports/trends-chart.csv?corridor=GB-PK&amp;basket=500&amp;period=month" in (
        html
    )


def overview_rows(html: str) -> list[tuple[str, str]]:
    """(destination heading, corridor code) in page order."""
    out = []
    for body in re.findall(r"<tbody>(.*?)</tbody>", html, flags=re.S):
        head = re.search(r'<th scope="rowgroup" colspan="7">(.*?)</th>', body)
        assert head
        # a route judged on World Bank survey rows alone carries data-basis="rpw"
        for code in re.findall(
            r'<tr data-corridor="([A-Z]{2}-[A-Z]{2})"(?: data-basis="rpw")?>', body
        ):
            out.append((head.group(1), code))
    return out


def test_overview_lists_every_route_grouped_by_destination(
    client: TestClient, controlled: Controlled
) -> None:
    r = client.get("/trends")
    assert r.status_code == 200
    html = r.text
    rows = overview_rows(html)
    # 40 + the 8 routes the 2025 survey added (issue 17), as in test_summary.py
    assert len(rows) == 48 and len({c for _, c in rows}) == 48
    heads = [h for h, _ in rows]
    assert heads == sorted(heads, key=heads.index)  # each destination in one block
    api = client.get("/api/v1/trends/summary").json()
    names = {c["corridor"]: c["to_name"] for c in api["corridors"]}
    assert all(head == f"To {names[code]}" for head, code in rows)
    assert "To Pakistan" in heads and "To Afghanistan" in heads
    share = api["meeting_average_target"]
    assert f"{share['met']} of {share['of']} routes" in html
    # status in words and a shape, not colour alone
    assert re.search(
        r'<td class="sdg sdg-\w+"><span aria-hidden="true" class="shape">.</span> \w', html
    )
    for fmt in ("csv", "xlsx", "parquet", "json"):
        assert f"/api/v1/exports/trends-summary.{fmt}?basket=200&amp;period=quarter" in html
    assert 'href="/trends/GB-PK"' in html
    assert "The World Bank: Remittance Prices Worldwide, CC BY 4.0" in html


def test_overview_sort_links_work_without_javascript(
    client: TestClient, controlled: Controlled
) -> None:
    html = client.get("/trends").text
    assert 'href="/trends?basket=200&amp;period=quarter&amp;sort=average&amp;order=asc"' in html
    api = {c["corridor"]: c for c in client.get("/api/v1/trends/summary").json()["corridors"]}
    for order in ("asc", "desc"):
        page = client.get("/trends", params={"sort": "average", "order": order}).text
        rows = overview_rows(page)
        for head in dict.fromkeys(h for h, _ in rows):
            codes = [c for h, c in rows if h == head]
            values = [
                Decimal(api[c]["ours"]["average_pct"])
                for c in codes
                if api[c]["ours"] and api[c]["ours"]["average_pct"]
            ]
            assert values == sorted(values, reverse=order == "desc"), (head, order)
        assert f'aria-sort="{"ascending" if order == "asc" else "descending"}"' in page


@pytest.mark.parametrize(
    "params", [{"sort": "price"}, {"order": "up"}, {"basket": "1"}, {"period": "year"}]
)
def test_overview_bad_input_is_a_friendly_400(client: TestClient, params: dict[str, str]) -> None:
    r = client.get("/trends", params=params)
    assert r.status_code == 400 and "text/html" in r.headers["content-type"]


def test_unknown_corridor_page_is_404(client: TestClient) -> None:
    assert client.get("/trends/ZZ-PK").status_code == 404
    assert client.get("/trends/GBPK").status_code == 404


def test_chart_and_summary_downloads_open_in_a_spreadsheet(
    client: TestClient, controlled: Controlled, tmp_path: Path
) -> None:
    import openpyxl

    html = client.get("/trends/GB-PK").text
    plotted = len(points(chart(html)))
    for url, params, rows in (
        ("/api/v1/exports/trends-chart.xlsx", {"corridor": "GB-PK"}, plotted),
        ("/api/v1/exports/trends-summary.xlsx", {}, 48 + 2),  # 40 + the survey's 8 routes
    ):
        r = client.get(url, params=params)
        assert r.status_code == 200
        path = tmp_path / "x.xlsx"
        path.write_bytes(r.content)
        book = openpyxl.load_workbook(path, read_only=True)
        data = next(ws for ws in book.worksheets if ws.title != "about")
        assert data.max_row - 1 == rows, url
        book.close()


def test_chart_and_summary_csv_show_percentages_to_four_places(
    client: TestClient, controlled: Controlled
) -> None:
    # Issue 11: no float noise in spreadsheet downloads ("4.37384605407715" from the DataBank
    # file, "3.2530000280393581..." from a computed mean): percentages to 4 places in CSV;
    # the JSON export keeps every digit (test above).
    for url, params in (
        ("/api/v1/exports/trends-chart.csv", {"corridor": "GB-PK", "basket": "200"}),
        ("/api/v1/exports/trends-summary.csv", {}),
    ):
        text = client.get(url, params=params).text.lstrip("\ufeff")
        rows = list(csv.DictReader(io.StringIO(text)))
        cells = [v for r in rows for k, v in r.items() if k.endswith("_pct") and v]
        assert cells, url
        for cell in cells:
            assert re.fullmatch(r"-?\d+(\.\d{1,4})?", cell), (url, cell)
    chart_rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(
                    "/api/v1/exports/trends-chart.csv", params={"corridor": "GB-PK"}
                ).text.lstrip("\ufeff")
            )
        )
    )
    first = next(r for r in chart_rows if r["period"] == "2011Q1")
    assert first["value_pct"] == "4.3738"
