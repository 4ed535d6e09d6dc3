"""Exports of quotes and trends: exact CSV for a controlled set, formula injection
neutralised, XLSX / Parquet / JSON read back with the same rows, 404/422 errors."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from decimal import Decimal
from inspect import isgenerator

import openpyxl
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.domain.csvtext import neutralise, round_text
from api.services.export_csv import csv_chunks
from api.services.export_quotes import QUOTE_EXPORT_COLUMNS, quotes_export
from api.services.export_table import Column, ExportFormat, ExportTable
from api.storage.models import Provider
from tests.trends.conftest import FEB, Controlled, put

FEB_ONLY = {"corridor": "GB-PK", "from_date": "2025-02-01", "to_date": "2025-02-28"}
HEADER = (
    "quote_id,corridor,provider,firm,firm_type,payment instrument,pickup method,speed actual,"
    "send_amount,send_currency,fee,rate,receive_currency,receive_fee,mid_rate,mid_rate_type,"
    "mid_rate_source,fx_margin_pct,total_cost_pct,total_cost,received_amount,markup_pct,"
    "transparent,promotional,estimated,source,collected_at,source_captured_at,sample,"
    "payload_hash,notice"
)
T = "2025-02-10T12:00:00+00:00"


def expected_csv(c: Controlled) -> str:
    i = {k: q.id for k, q in c.quotes.items()}
    lines = [
        HEADER,
        f"{i['wise']},GB-PK,wise,Wise,fintech,bank,bank,same_day,120.00,GBP,0.60,398,PKR,0.00,400,"
        f"interbank,test,0.5000,1.0000,1.20,47760.00,,true,false,false,mystery,{T},,false,"
        f"{'a' * 64},",
        f"{i['remitly']},GB-PK,remitly,Remitly,fintech,bank,bank,same_day,120.00,GBP,1.20,396,PKR,"
        f"0.00,400,interbank,test,1.0000,2.0000,2.40,47520.00,,true,false,false,mystery,{T},,"
        f"false,,",
        f"{i['wu']},GB-PK,western-union,Western Union,mto,card,cash,minutes,120.00,GBP,3.60,396,"
        f"PKR,0.00,400,interbank,test,1.0000,4.0000,4.80,47520.00,,true,false,false,mystery,{T},,"
        f"false,,",
        f"{i['hbl']},GB-PK,hbl,HBL (Habib Bank),bank,bank,bank,2_5_days,120.00,GBP,6.00,392,PKR,"
        f"0.00,400,interbank,test,2.0000,7.0000,8.40,47040.00,,true,false,false,mystery,{T},,"
        f"false,,",
        f"{i['moneygram']},GB-PK,moneygram,MoneyGram,mto,card,cash,over_5_days,120.00,GBP,0.00,"
        f"398,PKR,0.00,400,interbank,test,0.5000,0.5000,0.60,47760.00,,true,false,false,mystery,"
        f"{T},,false,,",
        f"{i['ria']},GB-PK,ria,Ria Money Transfer,mto,card,cash,minutes,120.00,GBP,0.00,400,PKR,"
        f"0.00,400,interbank,test,0.0000,0.0000,0.00,48000.00,,false,false,false,mystery,{T},,"
        f"false,,",
        f"{i['taptap_100']},GB-PK,taptap-send,Taptap Send,fintech,bank,bank,same_day,100.00,GBP,"
        f"0.50,398,PKR,0.00,400,interbank,test,0.5000,1.0000,1.00,39800.00,,true,false,false,"
        f"mystery,{T},,false,,",
        f"{i['wise_300']},GB-PK,wise,Wise,fintech,bank,bank,same_day,300.00,GBP,0.90,399.2,PKR,"
        f"0.00,400,interbank,test,0.2000,0.5000,1.50,119760.00,,true,false,false,mystery,{T},,"
        f"false,,",
    ]
    return "\ufeff" + "\n".join(lines) + "\n"


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def csv_dicts(content: bytes) -> list[dict[str, str]]:
    """A CSV download read as Python's csv module users should: utf-8-sig drops the BOM."""
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def test_exact_csv_for_controlled_quotes(client: TestClient, controlled: Controlled) -> None:
    r = client.get("/api/v1/exports/quotes.csv", params=FEB_ONLY)
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"] == (
        'attachment; filename="quotes-GB-PK-from-2025-02-01-to-2025-02-28.csv"'
    )
    assert r.headers["x-remit-sample"] == "false" and "x-remit-notice" not in r.headers
    assert r.text == expected_csv(controlled)


def test_json_export_has_the_same_rows(client: TestClient, controlled: Controlled) -> None:
    r = client.get("/api/v1/exports/quotes.json", params=FEB_ONLY)
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    body = json.loads(r.content)
    assert body["meta"]["sample"] is False and "notice" not in body["meta"]
    assert body["meta"]["corridor"] == "GB-PK" and body["meta"]["from_date"] == "2025-02-01"
    expected = csv_rows(expected_csv(controlled))
    names = expected[0]
    kinds = {c.name: c.kind for c in QUOTE_EXPORT_COLUMNS}
    assert [c["name"] for c in body["columns"]] == names
    assert len(body["rows"]) == len(expected) - 1
    for row, want in zip(body["rows"], expected[1:], strict=True):
        assert list(row) == names
        for name, value in row.items():
            cell = want[names.index(name)]
            if value is None:
                assert cell == ""
            elif isinstance(value, bool):
                assert cell == ("true" if value else "false")
            elif kinds[name] == "decimal":  # JSON keeps every digit, CSV rounds for display
                assert Decimal(value) == Decimal(cell), name
            else:
                assert str(value) == cell, name


def _xlsx_rows(content: bytes, sheet: str) -> list[tuple[object, ...]]:
    wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    rows = list(wb[sheet].iter_rows(values_only=True))
    wb.close()
    return rows


def test_xlsx_export_reads_back(client: TestClient, controlled: Controlled) -> None:
    r = client.get("/api/v1/exports/quotes.xlsx", params=FEB_ONLY)
    assert r.status_code == 200
    assert r.headers["content-disposition"].endswith('.xlsx"')
    rows = _xlsx_rows(r.content, "quotes")
    expected = csv_rows(expected_csv(controlled))
    assert list(rows[0]) == expected[0]
    assert len(rows) == len(expected)
    kinds = {c.name: c.kind for c in QUOTE_EXPORT_COLUMNS}
    for got, want in zip(rows[1:], expected[1:], strict=True):
        for name, g, w in zip(expected[0], got, want, strict=True):
            kind = kinds[name]
            if w == "":
                assert g is None, name
            elif kind in ("decimal", "int"):
                assert isinstance(g, int | float) and Decimal(str(g)) == Decimal(w), name
            elif kind == "bool":
                assert g is (w == "true"), name
            elif kind == "datetime":
                assert isinstance(g, datetime)
                assert g.replace(tzinfo=UTC) == datetime.fromisoformat(w), name
            else:
                assert g == w, name
    about = dict(_xlsx_rows(r.content, "about")[1:])  # type: ignore[arg-type]
    assert about["sample"] == "false" and about["dataset"] == "quotes"


def test_parquet_export_reads_back(client: TestClient, controlled: Controlled) -> None:
    r = client.get("/api/v1/exports/quotes.parquet", params=FEB_ONLY)
    assert r.status_code == 200
    table = pq.read_table(io.BytesIO(r.content))
    meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
    assert meta["sample"] == "false" and "notice" not in meta
    expected = csv_rows(expected_csv(controlled))
    assert table.column_names == expected[0]
    assert str(table.schema.field("fee").type) == "decimal128(38, 18)"
    assert str(table.schema.field("collected_at").type) == "timestamp[us, tz=UTC]"
    got = table.to_pylist()
    assert len(got) == len(expected) - 1
    for row, want in zip(got, expected[1:], strict=True):
        for name, cell in zip(expected[0], want, strict=True):
            value = row[name]
            if cell == "":
                assert value is None, name
            elif isinstance(value, Decimal):
                assert value == Decimal(cell), name
            elif isinstance(value, bool):
                assert value is (cell == "true"), name
            elif isinstance(value, datetime):
                assert value == datetime.fromisoformat(cell), name
            else:
                assert str(value) == cell, name


def test_formula_injection_is_neutralised(
    client: TestClient, session: Session, controlled: Controlled
) -> None:
    evil = Provider(slug="evil-co", name='=HYPERLINK("http://x.example","click")', type="mto")
    session.add(evil)
    session.flush()
    put(session, "evil-co", "120", "1.20", "396", FEB, source="@SUM(1+1)", payload_hash="-2+3")
    csv_text = client.get("/api/v1/exports/quotes.csv", params=FEB_ONLY).content.decode()
    (row,) = [r for r in csv_rows(csv_text) if r[2] == "evil-co"]
    assert row[3] == '\'=HYPERLINK("http://x.example","click")'
    assert row[25] == "'@SUM(1+1)" and row[29] == "'-2+3"
    content = client.get("/api/v1/exports/quotes.xlsx", params=FEB_ONLY).content
    wb = openpyxl.load_workbook(io.BytesIO(content))
    ws = wb["quotes"]
    cells = next(c for c in ws.iter_rows(min_row=2) if c[2].value == "evil-co")
    for cell in (cells[3], cells[25], cells[29]):
        assert cell.data_type == "s" and str(cell.value).startswith("'")
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    # numbers are never neutralised: they are written as numbers
    assert cells[10].data_type == "n" and cells[10].value == pytest.approx(1.2)


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("Western Union", "Western Union"),
        ("", ""),
    ],
)
def test_neutralise(text: str, safe: str) -> None:
    assert neutralise(text) == safe


def test_sample_rows_are_labelled_in_every_format(client: TestClient) -> None:
    params = {"corridor": "SA-PK"}  # only sample quotes (GB-PK also has real survey prices)
    r = client.get("/api/v1/exports/quotes.csv", params=params)
    assert r.headers["x-remit-sample"] == "true"
    assert r.headers["x-remit-notice"] == "sample data - not live prices"
    assert r.headers["content-disposition"].endswith('-SAMPLE.csv"')
    rows = csv_dicts(r.content)
    assert all(
        row["notice"] == "sample data — not live prices" and row["sample"] == "true" for row in rows
    )
    body = client.get("/api/v1/exports/quotes.json", params=params).json()
    assert body["meta"]["sample"] is True
    assert body["meta"]["notice"] == "sample data — not live prices"
    content = client.get("/api/v1/exports/quotes.xlsx", params=params).content
    about = dict(_xlsx_rows(content, "about")[1:])  # type: ignore[arg-type]
    assert about["notice"] == "sample data — not live prices"
    content = client.get("/api/v1/exports/quotes.parquet", params=params).content
    meta = pq.read_schema(io.BytesIO(content)).metadata
    assert meta[b"notice"].decode() == "sample data — not live prices"


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet", "json"])
def test_trends_export_every_format(client: TestClient, controlled: Controlled, fmt: str) -> None:
    r = client.get(f"/api/v1/exports/trends.{fmt}", params={"corridor": "GB-PK"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(ExportFormat(fmt).media_type.split(";")[0])
    if fmt == "csv":
        rows = csv_dicts(r.content)
    elif fmt == "json":
        rows = json.loads(r.content)["rows"]
    elif fmt == "parquet":
        rows = pq.read_table(io.BytesIO(r.content)).to_pylist()
    else:
        raw = _xlsx_rows(r.content, "trends")
        rows = [dict(zip(raw[0], row, strict=True)) for row in raw[1:]]  # type: ignore[arg-type]
    ours = [
        row
        for row in rows
        if row["series"] == "silkroutes"
        and row["period"] == "2025Q1"
        and row["basket_usd"] in (200, "200")
    ]
    assert len(ours) == 1
    assert Decimal(str(ours[0]["average_pct"])) == Decimal("2.9")
    assert Decimal(str(ours[0]["share_at_or_below_5_pct"])) == Decimal(80)
    assert ours[0]["sample"] in (False, "false")
    assert ours[0]["by_provider_type"] == "Bank=7.0000; Money Transfer Operator=1.8750"
    published = [
        r for r in rows if r["series"] == "world_bank_published" and r["corridor"] == "GB-PK"
    ]
    assert {str(r["basket_usd"]) for r in published} == {"200", "500"}
    assert all("World Bank" in r["source"] for r in published)
    assert any(r["sample"] in (True, "true") for r in rows)  # the demo's current quarter


def test_all_corridor_trends_include_flow_weighted_rows(
    client: TestClient, controlled: Controlled
) -> None:
    rows = csv_dicts(client.get("/api/v1/exports/trends.csv").content)
    flow = [
        r for r in rows if r["series"] == "silkroutes_flow_weighted" and r["period"] == "2025Q1"
    ]
    assert {r["basket_usd"] for r in flow} == {"200", "500"}
    (f200,) = [r for r in flow if r["basket_usd"] == "200"]
    assert f200["corridor"] == "ALL" and f200["observations"] == "2"
    assert "CGD bilateral remittance matrix" in f200["source"]


def test_export_errors(client: TestClient) -> None:
    r = client.get("/api/v1/exports/quotes.csv", params={"corridor": "ZZ-YY"})
    assert r.status_code == 404
    assert r.json()["detail"][0]["loc"] == ["query", "corridor"] and "ZZ-YY" in r.text
    r = client.get("/api/v1/exports/trends.json", params={"corridor": "ZZ-YY"})
    assert r.status_code == 404 and r.json()["detail"][0]["loc"] == ["query", "corridor"]
    cases = [
        ("/api/v1/exports/quotes.txt", {}, ["path", "format"]),
        ("/api/v1/exports/trends.xls", {}, ["path", "format"]),
        ("/api/v1/exports/quotes.csv", {"from_date": "2025-02-30"}, ["query", "from_date"]),
        ("/api/v1/exports/quotes.csv", {"to_date": "yesterday"}, ["query", "to_date"]),
        (
            "/api/v1/exports/quotes.csv",
            {"from_date": "2025-03-01", "to_date": "2025-02-01"},
            ["query", "from_date"],
        ),
        ("/api/v1/exports/quotes.csv", {"corridor": "GB_PK"}, ["query", "corridor"]),
        ("/api/v1/exports/trends.csv", {"period": "year"}, ["query", "period"]),
    ]
    for url, params, loc in cases:
        r = client.get(url, params=params)
        assert r.status_code == 422, (url, params)
        assert r.json()["detail"][0]["loc"] == loc, (url, params)


def test_quote_rows_are_read_lazily_in_batches(session: Session, controlled: Controlled) -> None:
    table = quotes_export(session, "GB-PK")
    assert isgenerator(table.batches)  # nothing read until the response is streamed
    small = ExportTable(
        name="t",
        columns=(Column("n", "int"), Column("s", "str")),
        batches=iter([[(1, "=a")], [(2, "b")], []]),
        sample=False,
    )
    chunks = list(csv_chunks(small))
    # BOM and header, then one chunk per batch of rows
    assert chunks == [b"\xef\xbb\xbfn,s\n", b"1,'=a\n", b"2,b\n"]


def test_text_path_and_typed_path_agree(client: TestClient, session: Session) -> None:
    """CSV/JSON read database-formatted text; Parquet reads typed values. Same cells, on
    the demo's quotes (times with microseconds, long computed decimals)."""
    put(session, "wise", "120", "1", "397", datetime(2025, 3, 1, 8, 9, 10, 120, tzinfo=UTC))
    params = {"corridor": "GB-PK"}
    rows = csv_dicts(client.get("/api/v1/exports/quotes.csv", params=params).content)
    json_rows = client.get("/api/v1/exports/quotes.json", params=params).json()["rows"]
    content = client.get("/api/v1/exports/quotes.parquet", params=params).content
    typed = pq.read_table(io.BytesIO(content)).to_pylist()
    assert len(rows) == len(typed) == len(json_rows) > 100
    assert any(r["collected_at"].endswith(".000120+00:00") for r in rows)
    for text_row, json_row, typed_row in zip(rows, json_rows, typed, strict=True):
        assert text_row["collected_at"] == typed_row["collected_at"].isoformat()
        assert json_row["collected_at"] == text_row["collected_at"]
        for name in ("rate", "mid_rate"):  # rates: as stored, every digit
            assert Decimal(text_row[name]) == Decimal(json_row[name])
            assert Decimal(text_row[name]).quantize(Decimal("1E-18")) == typed_row[name]
        # CSV rounds for display (pct 4 places, money minor units); JSON keeps every digit
        for name, places in (("fee", 2), ("total_cost_pct", 4), ("received_amount", 2)):
            assert text_row[name] == round_text(json_row[name], places)
            assert Decimal(json_row[name]).quantize(Decimal("1E-18")) == typed_row[name]
        for name in ("sample", "transparent", "promotional", "estimated"):
            assert text_row[name] == ("true" if typed_row[name] else "false")
            assert json_row[name] is typed_row[name]
        assert text_row["notice"] == (typed_row["notice"] or "")


def test_csv_framing_of_awkward_text(client: TestClient, session: Session) -> None:
    """Commas, quotes, line breaks and non-Latin text survive the CSV round trip the same
    way on both databases (PostgreSQL frames with COPY, SQLite with Python's csv)."""
    name = 'Foo, "Bar"\nBaz — فوو'
    session.add(Provider(slug="awkward", name=name, type="mto"))
    session.flush()
    put(session, "awkward", "120", "1.20", "396", FEB, payload_hash="")
    content = client.get("/api/v1/exports/quotes.csv", params=FEB_ONLY).content
    assert '"Foo, ""Bar""\nBaz — فوو"' in content.decode()
    (row,) = [r for r in csv_dicts(content) if r["provider"] == "awkward"]
    assert row["firm"] == name and row["payload_hash"] == ""


def test_a_reader_that_stops_early_leaves_the_session_usable(session: Session) -> None:
    """A client that disconnects mid-download: the rest of the request still works (on
    PostgreSQL the cancelled COPY is confined to a savepoint)."""
    from sqlalchemy import func, select

    from api.services.export_csv import csv_chunks
    from api.storage.models import Quote

    chunks = csv_chunks(quotes_export(session, typed=False))
    first = next(chunks)
    assert first.startswith(b"\xef\xbb\xbfquote_id,corridor,")
    assert next(chunks)  # more than one chunk: the demo data is large enough
    chunks.close()
    assert session.execute(select(func.count()).select_from(Quote)).scalar_one() > 1000
