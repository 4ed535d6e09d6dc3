"""The CSV writer and the export formats under hostile input (issue 13 items 1-2, issue 11):
fuzzed text reads back as written and never as a formula, both databases give the Python
writer's bytes, display rounding is exact, and a stored row with absurd values (bypassing
validation) exports in every format, which pandas and openpyxl open."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from api.domain.csvtext import FORMULA_PREFIXES, neutralise, round_text
from api.services.export_csv import csv_chunks
from api.services.export_quotes import quotes_export
from api.services.export_table import Column, ExportTable
from api.storage.models import Provider, Quote
from tests.trends.conftest import FEB, Controlled, put

FEB_ONLY = {"corridor": "GB-PK", "from_date": "2025-02-01", "to_date": "2025-02-28"}
# any text Python can encode as UTF-8 (no lone surrogates), weighted towards CSV's specials
TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(list(",\"\r\n\x00\t=+-@' ")), st.characters(exclude_categories=("Cs",))
    ),
    max_size=12,
)


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "CSV starts with a UTF-8 BOM"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def assert_no_formula(rows: list[list[str]]) -> None:
    """No cell a spreadsheet would run: nothing starts with = + @ TAB CR, and a cell that
    starts with - is a number (numbers are never neutralised)."""
    for row in rows:
        for cell in row:
            assert not cell.startswith(tuple(p for p in FORMULA_PREFIXES if p != "-")), cell
            if cell.startswith("-"):
                Decimal(cell)  # a negative number, not text


def _written(text: str) -> str:
    """What a text cell holds once written: neutralised, ending at a NUL if it has one."""
    return neutralise(text.partition("\x00")[0])


@given(st.lists(st.tuples(TEXT, TEXT, st.integers()), max_size=8))
def test_fuzzed_text_reads_back_exactly_and_never_as_a_formula(
    rows: list[tuple[str, str, int]],
) -> None:
    table = ExportTable(
        name="fuzz",
        columns=(Column("a", "str"), Column("b", "str"), Column("n", "int")),
        batches=[rows[:3], rows[3:]],
        sample=False,
    )
    got = read_csv(b"".join(csv_chunks(table)))
    assert got[0] == ["a", "b", "n"]
    assert got[1:] == [[_written(a), _written(b), str(n)] for a, b, n in rows]
    assert_no_formula(got)


@given(
    st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(
        lambda d: abs(d.adjusted()) < 60
    ),
    st.integers(0, 6),
)
def test_round_text_is_exact_half_even(value: Decimal, places: int) -> None:
    text = format(value, "f")
    with localcontext(prec=len(text) + places + 2):
        want = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
    got = round_text(text, places)
    assert Decimal(got) == want
    assert not got.startswith("-") or Decimal(got) != 0, "no negative zero"
    assert len(got.partition(".")[2]) == places


def _raw_quote(session: Session, like: Quote, key: str, **values: object) -> Quote:
    """A quote stored through the storage layer directly, bypassing every validation."""
    fields = like.model_dump(exclude={"id"})
    fields.update(values, dedupe_key=key)
    quote = Quote(**fields)
    session.add(quote)
    session.flush()
    return quote


AWKWARD_NAMES = ["\r=1+1", "=1+1\r\n=2+2", 'He said "hi", then left', "-@+", "\t\tx", "ok"]
AWKWARD_DECIMALS = [
    # (fee, total_cost_pct, received_amount): ties, next to ties, negative, zero, tiny
    ("0.125", "0.12345", "47760.005"),
    ("0.135", "2.00005", "47760.015"),
    ("1.004999", "-0.00005", "-0.001"),
    ("0", "3.253000028039358149572236171", "1E+3"),
    ("2.675", "99999.99995", "0.5"),
    ("12345678.905", "0.000049999", "1234567890123.455"),
]


def _typed_csv(session: Session, **filters: object) -> bytes:
    table = quotes_export(session, typed=True, **filters)  # type: ignore[arg-type]
    return b"".join(csv_chunks(replace(table, csv_dump=None)))


def test_database_csv_equals_the_python_writer(session: Session, controlled: Controlled) -> None:
    """The database renders the quotes CSV (SQLite: SQL records; PostgreSQL: COPY); the
    Python writer formats the typed rows. Same bytes, for awkward text and decimals."""
    dialect = session.connection().dialect.name
    names = AWKWARD_NAMES + (["nul\x00inside"] if dialect == "sqlite" else [])
    like = controlled.quotes["wise"]
    for i, name in enumerate(names):
        provider = Provider(slug=f"awk-{i}", name=name, type="mto")
        session.add(provider)
        session.flush()
        fee, pct, received = AWKWARD_DECIMALS[i % len(AWKWARD_DECIMALS)]
        _raw_quote(
            session,
            like,
            f"awk-{i}",
            provider_id=provider.id,
            fee=Decimal(fee),
            total_cost_pct=Decimal(pct),
            received_amount=Decimal(received),
            source=name,
            send_currency=["GBP", "KWD", "IQD"][i % 3],
            receive_currency=["PKR", "JOD", "IRR"][i % 3],
            collected_at=datetime(2025, 2, 11, 1, 2, 3, i * 7, tzinfo=UTC),
        )
    db = b"".join(csv_chunks(quotes_export(session, "GB-PK", typed=False)))
    assert db == _typed_csv(session, corridor="GB-PK")
    rows = read_csv(db)
    assert_no_formula(rows)
    header = rows[0]
    by_slug = {r[header.index("provider")]: r for r in rows[1:]}
    for i, name in enumerate(names):
        assert by_slug[f"awk-{i}"][header.index("firm")] == _written(name)
    assert by_slug["awk-0"][header.index("fee")] == "0.12"  # half-even, GBP
    assert by_slug["awk-0"][header.index("total_cost_pct")] == "0.1234"
    assert by_slug["awk-1"][header.index("fee")] == "0.135"  # KWD: 3 minor units
    assert by_slug["awk-1"][header.index("received_amount")] == "47760.015"  # JOD
    assert by_slug["awk-2"][header.index("fee")] == "1"  # IQD: 0 minor units
    assert by_slug["awk-2"][header.index("total_cost_pct")] == "0.0000"  # no negative zero
    assert by_slug["awk-3"][header.index("total_cost_pct")] == "3.2530"
    assert by_slug["awk-4"][header.index("fee")] == "2.675"  # KWD
    assert by_slug["awk-5"][header.index("fee")] == "12345679"  # IQD, beyond printf's range
    assert by_slug["awk-5"][header.index("received_amount")] == "1234567890123"  # IRR


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(names=st.lists(TEXT, min_size=1, max_size=4))
def test_fuzzed_provider_names_through_the_database(
    session: Session, controlled: Controlled, names: list[str]
) -> None:
    dialect = session.connection().dialect.name
    if dialect == "postgresql":  # PostgreSQL text cannot hold NUL
        names = [n.replace("\x00", "") for n in names]
    like = controlled.quotes["wise"]
    before = len(read_csv(b"".join(csv_chunks(quotes_export(session, "GB-PK", typed=False)))))
    savepoint = session.begin_nested()
    try:
        for i, name in enumerate(names):
            provider = Provider(slug=f"fuzz-{i}", name=name, type="mto")
            session.add(provider)
            session.flush()
            _raw_quote(session, like, f"fuzz-{i}", provider_id=provider.id, source=name)
        db = b"".join(csv_chunks(quotes_export(session, "GB-PK", typed=False)))
        assert db == _typed_csv(session, corridor="GB-PK")
        rows = read_csv(db)
        assert len(rows) == before + len(names), "no extra records"
        assert_no_formula(rows)
        got = {r[2]: r[3] for r in rows[1:] if r[2].startswith("fuzz-")}
        assert got == {f"fuzz-{i}": _written(n) for i, n in enumerate(names)}
    finally:
        savepoint.rollback()


def test_carriage_return_in_a_provider_name_cannot_add_records(
    client: TestClient, session: Session, controlled: Controlled
) -> None:
    """Issue 13 item 1: '\\r=1+1' was written with a bare CR on SQLite."""
    session.add(Provider(slug="cr-co", name="\r=1+1", type="mto"))
    session.flush()
    put(session, "cr-co", "120", "1.20", "396", FEB)
    content = client.get("/api/v1/exports/quotes.csv", params=FEB_ONLY).content
    assert b'"\'\r=1+1"' in content
    rows = read_csv(content)
    assert len(rows) == 1 + 9
    assert not any(r[0].startswith(("=", "'=")) for r in rows)
    (row,) = [r for r in rows if r[2] == "cr-co"]
    assert row[3] == "'\r=1+1"
    assert_no_formula(rows)
    frame = pd.read_csv(io.BytesIO(content))
    assert frame.columns[0] == "quote_id" and len(frame) == 9


ABSURD = {
    "send_amount": Decimal(10) ** 18,
    "fee": Decimal("9" * 400),
    "total_cost_pct": Decimal("1" + "0" * 399 + ".123456789"),
    "received_amount": Decimal("-" + "7" * 30 + ".5"),
    "rate": Decimal("1E-40"),
}


def test_an_absurd_stored_row_exports_in_every_format(
    client: TestClient, session: Session, controlled: Controlled, tmp_path: Path
) -> None:
    """Issue 13 item 2: 10^18 / 400 digits broke quotes.parquet (InvalidOperation) and
    quotes.xlsx (NAN/INF) for everyone. Now every format is written and readable."""
    absurd = _raw_quote(session, controlled.quotes["wise"], "absurd", **ABSURD)
    by_format: dict[str, bytes] = {}
    for fmt in ("csv", "json", "xlsx", "parquet"):
        r = client.get(f"/api/v1/exports/quotes.{fmt}", params=FEB_ONLY)
        assert r.status_code == 200, (fmt, r.text[:300])
        by_format[fmt] = r.content

    frame = pd.read_csv(io.BytesIO(by_format["csv"]), dtype=str, keep_default_na=False)
    (row,) = frame[frame["quote_id"] == str(absurd.id)].to_dict("records")
    assert row["send_amount"] == "1000000000000000000.00"
    assert row["fee"] == "9" * 400 + ".00"
    assert row["total_cost_pct"] == "1" + "0" * 399 + ".1235"
    assert row["rate"] == format(Decimal("1E-40"), "f")

    body = json.loads(by_format["json"])
    (jrow,) = [r for r in body["rows"] if r["quote_id"] == absurd.id]
    assert jrow["fee"] == "9" * 400 and Decimal(jrow["total_cost_pct"]) == ABSURD["total_cost_pct"]

    table = pq.read_table(io.BytesIO(by_format["parquet"]))
    prow = next(r for r in table.to_pylist() if r["quote_id"] == absurd.id)
    assert prow["send_amount"] == Decimal(10) ** 18  # fits decimal128(38, 18)
    assert prow["fee"] is None and prow["total_cost_pct"] is None  # cannot: null, counted
    meta = pq.read_metadata(io.BytesIO(by_format["parquet"])).metadata
    assert meta[b"unrepresentable_decimals"] == b"3"
    assert b"fee=1" in meta[b"unrepresentable_columns"]

    wb = openpyxl.load_workbook(io.BytesIO(by_format["xlsx"]), read_only=True)
    rows = list(wb["quotes"].iter_rows(values_only=True))
    wb.close()
    header = list(rows[0])
    xrow = next(r for r in rows[1:] if r[0] == absurd.id)
    assert xrow[header.index("send_amount")] == 1e18
    assert xrow[header.index("fee")] == "9" * 400 + ".00"  # no double holds it: exact text
    assert xrow[header.index("received_amount")] == pytest.approx(-7.777777777777778e29)
    xframe = pd.read_excel(io.BytesIO(by_format["xlsx"]), sheet_name="quotes")
    assert len(xframe) == 9


def test_xlsx_has_widths_filter_formats_and_about(
    client: TestClient, controlled: Controlled
) -> None:
    content = client.get("/api/v1/exports/quotes.xlsx", params=FEB_ONLY).content
    wb = openpyxl.load_workbook(io.BytesIO(content))
    ws = wb["quotes"]
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}9"
    assert ws.freeze_panes == "A2"
    header = [c.value for c in ws[1]]

    def width(name: str) -> float:
        at = header.index(name) + 1
        (dim,) = [d for d in ws.column_dimensions.values() if d.min <= at <= d.max]
        return float(dim.width)

    assert width("firm") >= 15 and width("collected_at") >= 19
    second = {name: ws.cell(2, j + 1) for j, name in enumerate(header)}
    assert second["total_cost_pct"].number_format == "#,##0.0000"
    assert second["fee"].number_format == "#,##0.00"
    assert second["fee"].value == pytest.approx(0.6)
    about = {r[0].value: r[1].value for r in wb["about"].iter_rows(min_row=2)}
    assert about["query"] == "quotes corridor=GB-PK from_date=2025-02-01 to_date=2025-02-28"
    assert datetime.fromisoformat(about["generated_at"]).tzinfo is not None
    assert "CC BY 4.0" in about["licences"]
    assert about["attribution"] == "The World Bank: Remittance Prices Worldwide"
    assert "JSON and Parquet keep every stored digit" in about["precision"]


def test_csv_sidecar_and_pandas(client: TestClient, controlled: Controlled) -> None:
    r = client.get("/api/v1/exports/quotes.about.csv", params=FEB_ONLY)
    assert r.status_code == 200
    assert r.headers["content-disposition"].endswith(
        'filename="quotes-GB-PK-from-2025-02-01-to-2025-02-28.about.csv"'
    )
    about = dict(read_csv(r.content)[1:])
    assert about["attribution"] == "The World Bank: Remittance Prices Worldwide"
    assert about["query"].startswith("quotes corridor=GB-PK")
    r = client.get("/api/v1/exports/trends.about.csv", params={"corridor": "GB-PK"})
    assert r.status_code == 200 and "CC BY 4.0" in r.content.decode("utf-8-sig")
    assert (
        client.get("/api/v1/exports/quotes.about.csv", params={"corridor": "ZZ-YY"}).status_code
        == 404
    )
    content = client.get("/api/v1/exports/trends.csv", params={"corridor": "GB-PK"}).content
    frame = pd.read_csv(io.BytesIO(content))  # plain read_csv: the BOM is not in a column name
    assert frame.columns[0] == "series"
    ours = frame[(frame["series"] == "silkroutes") & (frame["period"] == "2025Q1")]
    assert set(ours["average_pct"].astype(str)) <= {"2.9", "2.9000", "0.5", "0.5000"}
    assert_no_formula(read_csv(content))


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values=st.lists(TEXT, min_size=1, max_size=3))
def test_fuzzed_text_in_every_free_text_quote_column_through_the_database(
    session: Session, controlled: Controlled, values: list[str]
) -> None:
    """The database path neutralises and quotes every text column the same way (no column
    is assumed safe from its vocabulary): hostile text in the quote's own text columns
    gives the Python writer's bytes and reads back as written."""
    values = [v[:10] for v in values]  # pickup method is VARCHAR(10)
    if session.connection().dialect.name == "postgresql":  # PostgreSQL text cannot hold NUL
        values = [v.replace("\x00", "") for v in values]
    columns = ("payout_method", "speed", "mid_rate_type", "mid_rate_source", "payload_hash")
    like = controlled.quotes["wise"]
    savepoint = session.begin_nested()
    try:
        ids = {
            str(_raw_quote(session, like, f"fuzz-col-{i}", **dict.fromkeys(columns, v)).id): v
            for i, v in enumerate(values)
        }
        db = b"".join(csv_chunks(quotes_export(session, "GB-PK", typed=False)))
        assert db == _typed_csv(session, corridor="GB-PK")
        rows = read_csv(db)
        assert_no_formula(rows)
        header = rows[0]
        got = {r[0]: r for r in rows[1:] if r[0] in ids}
        assert got.keys() == ids.keys()
        names = ("pickup method", "speed actual", "mid_rate_type", "mid_rate_source")
        for qid, value in ids.items():
            for name in (*names, "payload_hash"):
                assert got[qid][header.index(name)] == _written(value), (name, value)
    finally:
        savepoint.rollback()
