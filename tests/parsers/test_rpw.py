"""RPW workbook reader: a small workbook built here with the published column names."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from api.ingestion.formats.rpw import (
    REQUIRED_COLUMNS,
    RPW_SHEET,
    RpwRejected,
    RpwRow,
    iter_rpw_rows,
    normalise_period,
    rpw_row_key,
    rpw_total_rows,
)
from scrapers.parsers import ParseError

# The published column names, in the published order (reference/README.md).
PUBLISHED = [
    "id", "period", "source_code", "source_name", "source_region", "source_income",
    "source_lending", "source_G8G20", "destination_code", "destination_name",
    "destination_region", "destination_income", "destination_lending", "destination_G8G20",
    "firm", "firm_type", "payment instrument", "access point", "speed actual",
    "cc1 lcu amount", "cc1 denomination amount", "cc1 lcu code", "cc1 lcu fee",
    "cc1 lcu fx rate", "cc1 fx margin", "cc1 total cost %", "cc2 lcu amount",
    "cc2 denomination amount", "cc2 lcu code", "cc2 lcu fee", "cc2 lcu fx rate",
    "cc2 fx margin", "cc2 total cost %", "inter lcu bank fx", "transparent",
    "Standard Note", "note2", "receiving network coverage", "pickup location",
    "pickup method", "date", "corridor",
]  # fmt: skip


def base_row(**overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": 101,
        "period": "2016_2Q",
        "source_code": "GBR",
        "source_name": "United Kingdom",
        "source_region": "High income",
        "destination_code": "PAK",
        "destination_name": "Pakistan",
        "firm": "Acme Remit",
        "firm_type": "Money Transfer Operator",
        "payment instrument": "Cash",
        "access point": "Agent",
        "speed actual": "Less than one hour",
        "cc1 lcu amount": 120,
        "cc1 denomination amount": 200,
        "cc1 lcu code": "GBP",
        "cc1 lcu fee": 4.99,
        "cc1 lcu fx rate": 150.25,
        "cc1 fx margin": 1.5,
        "cc1 total cost %": 5.6583,
        "cc2 lcu amount": 300,
        "cc2 denomination amount": 500,
        "cc2 lcu code": "GBP",
        "cc2 lcu fee": 4.99,
        "cc2 lcu fx rate": 150.25,
        "cc2 fx margin": 1.5,
        "cc2 total cost %": 3.1633,
        "inter lcu bank fx": 152.54,
        "transparent": "yes",
        "date": datetime(2016, 5, 20),
        "corridor": "GBRPAK",
    }
    row.update(overrides)
    return row


def write_workbook(
    path: Path,
    rows: Sequence[dict[str, Any] | None],
    *,
    columns: Sequence[str] = PUBLISHED,
    sheet: str = RPW_SHEET,
    preamble: list[list[Any]] | None = None,
) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Notes"
    ws.append(["World Bank Remittance Prices Worldwide"])
    data = wb.create_sheet(sheet)
    for line in preamble or []:
        data.append(line)
    data.append(columns)
    for row in rows:
        data.append([None] * len(columns) if row is None else [row.get(c) for c in columns])
    wb.save(path)
    return path


def read(path: Path) -> list[RpwRow]:
    return list(iter_rpw_rows(path))


# -- happy path and traps --------------------------------------------------------------


def test_numeric_row_with_real_datetime(tmp_path: Path) -> None:
    (row,) = read(write_workbook(tmp_path / "rpw.xlsx", [base_row()]))
    assert row.period == "2016Q2"
    assert (row.source_code, row.destination_code, row.corridor) == ("GBR", "PAK", "GBRPAK")
    assert row.source_name == "United Kingdom" and row.destination_name == "Pakistan"
    assert row.firm == "Acme Remit" and row.firm_type == "Money Transfer Operator"
    assert row.payment_instrument == "Cash" and row.access_point == "Agent"
    assert row.speed_actual == "Less than one hour"
    assert row.cc1.amount == Decimal("120") and row.cc1.denomination_amount == Decimal("200")
    assert row.cc1.lcu_code == "GBP"
    assert str(row.cc1.fee) == "4.99"  # float cell -> its shortest text, no binary noise
    assert str(row.cc1.total_cost_pct) == "5.6583"
    assert str(row.cc2.fx_rate) == "150.25"
    assert str(row.inter_lcu_bank_fx) == "152.54"
    assert row.transparent is True
    assert row.date == date(2016, 5, 20)
    assert row.promotional_negative is False
    assert row.rpw_id == "101"
    assert row.sheet_row == 2


def test_numbers_stored_as_text_with_spaces_and_commas(tmp_path: Path) -> None:
    row = base_row(
        period="2025_3Q",
        **{
            "cc1 lcu amount": " 120 ",
            "cc1 lcu fee": "4.99",
            "cc1 lcu fx rate": "1,234.5678",
            "cc1 fx margin": " 2.10 ",
            "cc1 total cost %": "6.25 %",
            "cc2 lcu amount": "1\u00a0300",
            "inter lcu bank fx": "\u22120.5",
        },
    )
    (got,) = read(write_workbook(tmp_path / "rpw.xlsx", [row]))
    assert got.period == "2025Q3"
    assert got.cc1.amount == Decimal("120")
    assert got.cc1.fx_rate == Decimal("1234.5678")
    assert str(got.cc1.fx_margin) == "2.10"
    assert got.cc1.total_cost_pct == Decimal("6.25")
    assert got.cc2.amount == Decimal("1300")
    assert got.inter_lcu_bank_fx == Decimal("-0.5")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (45853, date(2025, 7, 15)),  # Excel serial as int
        (45853.0, date(2025, 7, 15)),  # ... as float
        ("45853", date(2025, 7, 15)),  # ... as text
        (datetime(2025, 7, 15, 0, 0), date(2025, 7, 15)),  # a real datetime cell
        ("2025-07-15", date(2025, 7, 15)),
        ("2025-07-15 00:00:00", date(2025, 7, 15)),
        ("15/07/2025", date(2025, 7, 15)),  # day first (15 cannot be a month)
        ("07/15/2025", date(2025, 7, 15)),  # month first (15 cannot be a month)
        ("03/08/2025", date(2025, 8, 3)),  # both readable: the one in 2025Q3 wins
        ("08/03/2025", date(2025, 8, 3)),
        ("15-Jul-2025", date(2025, 7, 15)),
        ("Jul 15, 2025", date(2025, 7, 15)),
    ],
)
def test_dates_in_every_form(tmp_path: Path, cell: object, expected: date) -> None:
    row = base_row(period="2025_3Q", date=cell)
    (got,) = read(write_workbook(tmp_path / "rpw.xlsx", [row]))
    assert got.date == expected


def test_negative_total_is_kept_and_flagged(tmp_path: Path) -> None:
    row = base_row(**{"cc1 total cost %": "-1.25", "cc1 fx margin": -3.0})
    (got,) = read(write_workbook(tmp_path / "rpw.xlsx", [row]))
    assert got.cc1.total_cost_pct == Decimal("-1.25")
    assert got.cc1.fx_margin == Decimal("-3.0")
    assert got.promotional_negative is True


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("no", False), ("No", False), ("yes", True), ("YES ", True), (None, False)],
)
def test_transparent_flag(tmp_path: Path, cell: object, expected: bool) -> None:
    (got,) = read(write_workbook(tmp_path / "rpw.xlsx", [base_row(transparent=cell)]))
    assert got.transparent is expected


def test_empty_cells_and_placeholders_are_none(tmp_path: Path) -> None:
    row = base_row(
        **{
            "cc2 lcu amount": None,
            "cc2 denomination amount": None,
            "cc2 lcu code": "",
            "cc2 lcu fee": "-",
            "cc2 lcu fx rate": "n/a",
            "cc2 fx margin": " ",
            "cc2 total cost %": None,
            "inter lcu bank fx": "..",
            "speed actual": None,
            "date": None,
            "id": None,
        }
    )
    (got,) = read(write_workbook(tmp_path / "rpw.xlsx", [row]))
    assert got.cc2.is_empty
    assert got.cc2.amount is None and got.cc2.lcu_code is None and got.cc2.fee is None
    assert got.inter_lcu_bank_fx is None
    assert got.speed_actual is None and got.date is None and got.rpw_id is None
    assert not got.cc1.is_empty


def test_blank_rows_skipped_and_sheet_rows_tracked(tmp_path: Path) -> None:
    rows = [base_row(), None, base_row(firm="Other")]
    got = read(write_workbook(tmp_path / "rpw.xlsx", rows))
    assert [r.firm for r in got] == ["Acme Remit", "Other"]
    assert [r.sheet_row for r in got] == [2, 4]


def test_columns_matched_by_name_not_position(tmp_path: Path) -> None:
    shuffled = list(reversed(PUBLISHED))
    renamed = [c.upper().replace(" ", "_") if c == "payment instrument" else c for c in shuffled]
    path = write_workbook(
        tmp_path / "rpw.xlsx",
        [base_row(**{"PAYMENT_INSTRUMENT": "Bank account"})],
        columns=renamed,
        preamble=[["Remittance Prices Worldwide, dataset"], []],
    )
    (got,) = read(path)
    assert got.payment_instrument == "Bank account"
    assert got.cc1.total_cost_pct == Decimal("5.6583")
    assert got.sheet_row == 4


def test_corridor_derived_when_column_absent(tmp_path: Path) -> None:
    columns = [c for c in PUBLISHED if c != "corridor"]
    (got,) = read(write_workbook(tmp_path / "rpw.xlsx", [base_row()], columns=columns))
    assert got.corridor == "GBRPAK"


def test_file_object_and_progress(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "rpw.xlsx", [base_row(id=i) for i in range(2500)])
    seen: list[int] = []
    got = list(iter_rpw_rows(io.BytesIO(path.read_bytes()), progress=seen.append))
    assert len(got) == 2500
    assert seen == [1000, 2000, 2500]
    assert rpw_total_rows(path) == 2501


# -- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize("missing", ["cc1 lcu fee", "transparent", "period", "date"])
def test_missing_required_column_is_named(tmp_path: Path, missing: str) -> None:
    assert missing in REQUIRED_COLUMNS
    columns = [c for c in PUBLISHED if c != missing]
    path = write_workbook(tmp_path / "rpw.xlsx", [base_row()], columns=columns)
    with pytest.raises(ParseError, match=f"missing required column.*'{missing}'"):
        read(path)


def test_missing_sheet_is_named(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "rpw.xlsx", [base_row()], sheet="Dataset 2011")
    with pytest.raises(ParseError, match=r"Dataset \(from Q2 2016\)"):
        read(path)


def test_no_header_row(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "rpw.xlsx", [base_row()], columns=["a", "b", "c"])
    with pytest.raises(ParseError, match="no header row"):
        read(path)


def test_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "rpw.xlsx"
    path.write_bytes(b"<html>not found</html>")
    with pytest.raises(ParseError, match="not a readable xlsx"):
        read(path)


@pytest.mark.parametrize(
    ("overrides", "column"),
    [
        ({"cc1 lcu fee": "about 5"}, "cc1 lcu fee"),
        ({"period": "2025 third quarter"}, "period"),
        ({"transparent": "maybe"}, "transparent"),
        ({"date": "someday"}, "date"),
        ({"date": 12}, "date"),  # serial 12 = 1900-01-12: not a survey date
        ({"cc1 lcu code": "POUND"}, "cc1 lcu code"),
        ({"firm": None}, "firm"),
    ],
)
def test_bad_cell_names_row_and_column(
    tmp_path: Path, overrides: dict[str, Any], column: str
) -> None:
    path = write_workbook(tmp_path / "rpw.xlsx", [base_row(), base_row(**overrides)])
    with pytest.raises(ParseError, match=f"row 3, column '{column}'"):
        read(path)


def test_on_reject_skips_bad_rows(tmp_path: Path) -> None:
    rows = [base_row(), base_row(**{"cc1 total cost %": "x"}), base_row(firm="Last")]
    rejected: list[RpwRejected] = []
    got = list(iter_rpw_rows(write_workbook(tmp_path / "r.xlsx", rows), on_reject=rejected.append))
    assert [r.firm for r in got] == ["Acme Remit", "Last"]
    assert rejected == [RpwRejected(3, "cc1 total cost %", "not a number: 'x'")]


# -- period and key ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2025_3Q", "2025Q3"), ("2016_2Q", "2016Q2"), ("2025Q3", "2025Q3"), ("Q1 2024", "2024Q1")],
)
def test_normalise_period(text: str, expected: str) -> None:
    assert normalise_period(text) == expected


@pytest.mark.parametrize("text", ["2025_5Q", "25_3Q", "2025", ""])
def test_normalise_period_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="period"):
        normalise_period(text)


def test_row_key_is_stable_across_storage_forms(tmp_path: Path) -> None:
    as_numbers = base_row(**{"cc1 lcu fee": 4.9, "date": datetime(2016, 5, 20)})
    as_text = base_row(**{"cc1 lcu fee": "4.90", "date": "2016-05-20", "id": 999})
    a = read(write_workbook(tmp_path / "a.xlsx", [as_numbers]))[0]
    b = read(write_workbook(tmp_path / "b.xlsx", [None, as_text]))[0]
    assert a.sheet_row != b.sheet_row
    assert rpw_row_key(a) == rpw_row_key(b)
    assert len(rpw_row_key(a)) == 64
    c = read(write_workbook(tmp_path / "c.xlsx", [base_row(**{"cc1 lcu fee": 5})]))[0]
    assert rpw_row_key(c) != rpw_row_key(a)


def test_reimport_gives_identical_rows(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "rpw.xlsx", [base_row(), base_row(firm="B")])
    first, second = read(path), read(path)
    assert first == second
    assert [rpw_row_key(r) for r in first] == [rpw_row_key(r) for r in second]
