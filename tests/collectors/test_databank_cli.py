"""`remit import-databank`: the World Bank DataBank corridor history (ATCR.CORR) stored as
published figures: idempotent, `..` = no observation, values exactly as published, and a
malformed file is one clear line and stores nothing. `remit demo --if-empty` loads it."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select
from typer.testing import CliRunner

from api.ingestion.formats.databank import looks_like_databank, parse
from api.services.databank import DEFAULT_DATABANK, databank_points
from api.storage.db import make_engine
from api.storage.models import PublishedSeriesPoint
from remit.cli.main import app
from scrapers.parsers import ParseError

runner = CliRunner()
REAL = DEFAULT_DATABANK
HEADER = REAL.read_text(encoding="utf-8").splitlines()[0]


@pytest.fixture
def scratch(scratch_env: str) -> Iterator[Engine]:
    engine = make_engine(scratch_env)
    yield engine
    engine.dispose()


def invoke(*args: str) -> Any:
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def count(engine: Engine) -> int:
    with Session(engine) as s:
        return int(s.exec(select(func.count()).select_from(PublishedSeriesPoint)).one())


def test_parse_the_real_file() -> None:
    content = REAL.read_bytes()
    assert looks_like_databank(content)
    points = parse(content)
    assert len({(p.sending_iso3, p.receiving_iso3) for p in points}) == 31
    assert all(p.series_code == "ATCR.CORR" for p in points)
    gb_pk = {
        p.period: p.value for p in points if (p.sending_iso3, p.receiving_iso3) == ("GBR", "PAK")
    }
    assert gb_pk["2011Q1"] == Decimal("4.37384605407715")  # the text as published, exact
    bh_bd = [p for p in points if (p.sending_iso3, p.receiving_iso3) == ("BHR", "BGD")]
    assert min(p.period for p in bh_bd) == "2019Q1"  # the '..' quarters before are absent
    codes = {p.corridor_code for p in databank_points(content)}
    assert {"GB-PK", "SA-PK", "US-AF", "AU-PK"} <= codes


def test_import_databank_is_idempotent(scratch: Engine) -> None:
    result = invoke("import-databank", str(REAL))
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "on 31 corridors" in text and "CC BY 4.0" in text
    stored = count(scratch)
    assert stored == len(parse(REAL.read_bytes()))
    again = invoke("import-databank", str(REAL))
    assert again.exit_code == 0
    assert "0 stored, 0 revised" in " ".join(again.output.split())
    assert count(scratch) == stored
    with Session(scratch) as s:
        row = s.exec(
            select(PublishedSeriesPoint).where(
                PublishedSeriesPoint.corridor_code == "GB-PK",
                PublishedSeriesPoint.period == "2020Q3",
            )
        ).one()
        assert row.file_sha256 and row.source_file == REAL.name


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("a,b,c\n1,2,3\n", "line 1: not a DataBank corridors export"),
        (HEADER + "\n" + "United Kingdom,GBR,Average,ATCR.CORR,Pakistan,PAK,4.1\n", "columns"),
        (
            "Sending Countries Name,Sending Countries Code,Series Name,Series Code,"
            "Receiving Countries  Name,Receiving Countries  Code,2011Q1 [YR2011Q1]\n"
            "United Kingdom,GBR,Average,ATCR.CORR,Pakistan,PAK,abc\n",
            "line 2, column 2011Q1: 'abc' is neither a number nor '..'",
        ),
        (
            "Sending Countries Name,Sending Countries Code,Series Name,Series Code,"
            "Receiving Countries  Name,Receiving Countries  Code,2011 first\n",
            "is not a quarter",
        ),
        (
            "Sending Countries Name,Sending Countries Code,Series Name,Series Code,"
            "Receiving Countries  Name,Receiving Countries  Code,2011Q1 [YR2011Q1]\n"
            "United Kingdom,GB,Average,ATCR.CORR,Pakistan,PAK,4\n",
            "'GB' is not an ISO 3166 alpha-3 code",
        ),
    ],
)
def test_malformed_file_is_one_line_and_stores_nothing(
    scratch: Engine, tmp_path: Path, content: str, message: str
) -> None:
    # A good file's rows first, then the bad row: nothing of it may be stored either.
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    before = count(scratch)
    result = invoke("import-databank", str(path))
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert message in text and text.startswith("error:")
    assert count(scratch) == before


def test_a_bad_row_after_good_rows_stores_nothing(scratch: Engine, tmp_path: Path) -> None:
    lines = REAL.read_text(encoding="utf-8").splitlines()
    bad = lines[-1].rsplit(",", 1)[0] + ",oops"
    path = tmp_path / "late.csv"
    path.write_text("\n".join([*lines[:-1], bad]) + "\n", encoding="utf-8")
    result = invoke("import-databank", str(path))
    assert result.exit_code == 2 and "'oops'" in result.output
    assert count(scratch) == 0


def test_footer_lines_are_not_data() -> None:
    content = (
        REAL.read_text(encoding="utf-8") + "\n\nData from database: Remittance Prices Worldwide\n"
        "Last Updated: 12/07/2020\n"
    ).encode()
    assert len(parse(content)) == len(parse(REAL.read_bytes()))
    with pytest.raises(ParseError, match="data after the end of the table"):
        parse(REAL.read_bytes() + b"\n\nUnited Kingdom,GBR,x,ATCR.CORR,Pakistan,PAK\n")


@pytest.mark.slow  # among the longest tests: handed out first (tests/conftest.py)
def test_demo_if_empty_loads_the_history(scratch: Engine) -> None:
    assert count(scratch) == 0
    result = invoke("demo", "--if-empty")
    assert result.exit_code == 0, result.output
    assert "World Bank DataBank corridor history" in " ".join(result.output.split())
    stored = count(scratch)
    assert stored == len(parse(REAL.read_bytes()))
    again = invoke("demo", "--if-empty")
    assert again.exit_code == 0 and count(scratch) == stored
    with Session(scratch) as s:
        periods = s.exec(
            select(PublishedSeriesPoint.period).where(
                col(PublishedSeriesPoint.corridor_code) == "GB-PK"
            )
        ).all()
    assert min(periods) == "2011Q1" and max(periods) == "2020Q3"
