"""The XLSX writer: XlsxWriter in constant_memory mode, an "about" sheet, formulas neutralised."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import xlsxwriter

from api.domain.csvtext import (
    is_plain_number,
    neutralise,
)
from api.services.export_table import (
    PRODUCER,
    ExportTable,
    Progress,
    about_rows,
    counted,
    display_decimal,
    iso_utc,
    places_of,
)

XLSX_MAX_ROWS = 1_048_576

_WIDTH = {"int": 10, "decimal": 14, "bool": 10, "datetime": 20}
_FLOAT_MAX = 1e300  # beyond this (or not finite) a number is written as its exact text


def _xlsx_number(text: str) -> float | None:
    """A display decimal as a spreadsheet number, or None when no double holds it."""
    if not is_plain_number(text):
        return None
    number = float(text)
    return number if math.isfinite(number) and abs(number) < _FLOAT_MAX else None


def write_xlsx(table: ExportTable, path: Path, progress: Progress | None = None) -> None:
    """XLSX in constant_memory mode (each row flushed once written): column widths, an
    autofilter, number formats by display precision, frozen header, an "about" sheet.
    Values no spreadsheet number can hold (400 digits, NaN) are written as their text."""
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "default_date_format": "yyyy-mm-dd hh:mm:ss",
        },
    )
    meta = table.metadata()
    workbook.set_properties(
        {
            "title": f"{PRODUCER} {table.name} export",
            "author": PRODUCER,
            "comments": table.notice or meta.get("source", ""),
        }
    )
    bold = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    when = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    formats: dict[int, Any] = {}

    def places_format(places: int) -> Any:
        if places not in formats:
            pattern = "0" if places == 0 else "0." + "0" * places
            formats[places] = workbook.add_format({"num_format": f"#,##{pattern}"})
        return formats[places]

    cols = table.columns
    shown = [display_decimal(table, c) if c.kind == "decimal" else None for c in cols]
    places = [places_of(table, c) for c in cols]
    ncols = len(cols)

    def new_sheet(index: int) -> Any:
        sheet = workbook.add_worksheet(table.name if index == 1 else f"{table.name}_{index}")
        for j, c in enumerate(cols):
            width = _WIDTH.get(c.kind, 16)
            sheet.set_column(j, j, max(width, min(len(c.name) + 2, 40)))
            sheet.write_string(0, j, c.name, bold)
        sheet.freeze_panes(1, 0)
        return sheet

    def close_sheet(sheet: Any, rows: int) -> None:
        sheet.autofilter(0, 0, max(rows - 1, 0), ncols - 1)

    sheets = 1
    sheet = new_sheet(sheets)
    r = 1
    for batch in counted(table, progress):
        for row in batch:
            if r == XLSX_MAX_ROWS:
                close_sheet(sheet, r)
                sheets += 1
                sheet, r = new_sheet(sheets), 1
            for j, value in enumerate(row):
                if value is None:
                    continue
                kind = cols[j].kind
                if kind == "str":
                    sheet.write_string(r, j, neutralise(value))
                elif kind == "decimal":
                    text = shown[j](value, row)  # type: ignore[misc]
                    number = _xlsx_number(text) if text is not None else None
                    if number is None:
                        sheet.write_string(r, j, neutralise(str(text)))
                    else:
                        at = places[j]
                        fmt = places_format(at(row)) if at is not None else None
                        sheet.write_number(r, j, number, fmt)
                elif kind == "int":
                    if abs(int(value)) < 2**53:
                        sheet.write_number(r, j, int(value))
                    else:
                        sheet.write_string(r, j, str(value))
                elif kind == "bool":
                    sheet.write_boolean(r, j, value in (True, 1, "true"))
                elif isinstance(value, datetime) and value.year >= 1900:
                    sheet.write_datetime(r, j, value.astimezone(UTC).replace(tzinfo=None), when)
                else:
                    sheet.write_string(r, j, iso_utc(value))
            r += 1
    close_sheet(sheet, r)
    about = workbook.add_worksheet("about")
    about.set_column(0, 0, 18)
    about.set_column(1, 1, 110)
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    about.write_string(0, 0, "field", bold)
    about.write_string(0, 1, "value", bold)
    for i, (key, value) in enumerate(about_rows(table), start=1):
        about.write_string(i, 0, key)
        about.write_string(i, 1, neutralise(value), wrap)
    if table.sample:
        about.activate()
    workbook.close()
