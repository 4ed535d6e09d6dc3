"""`remit export quotes|trends` writes the same exports as the API, with clear errors."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from remit.cli import export as cli_export
from remit.cli.main import app
from tests.trends.conftest import Controlled
from tests.trends.test_exports import expected_csv

runner = CliRunner()


@pytest.fixture()
def cli_session(session: Session, monkeypatch: pytest.MonkeyPatch) -> Session:
    """Point the CLI at the test transaction instead of the configured database."""

    @contextmanager
    def scope(_engine: Any = None) -> Iterator[Session]:
        yield session

    monkeypatch.setattr(cli_export, "session_scope", scope)
    monkeypatch.setattr(cli_export, "get_engine", lambda: None)
    return session


def test_export_quotes_csv_matches_the_api(
    cli_session: Session, controlled: Controlled, tmp_path: Path
) -> None:
    out = tmp_path / "q.csv"
    args = ["export", "quotes", "--format", "csv", "--out", str(out), "--corridor", "gb-pk"]
    args += ["--from-date", "2025-02-01", "--to-date", "2025-02-28"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "wrote 8 quotes rows" in result.output
    assert out.read_bytes().decode() == expected_csv(controlled)
    assert not list(tmp_path.glob(".*.partial"))
    # the CSV's about sidecar: query, sources, licences (the XLSX "about" sheet's rows)
    about = dict(csv.reader(io.StringIO((tmp_path / "q.about.csv").read_text("utf-8-sig"))))
    assert about["query"] == "quotes corridor=GB-PK from_date=2025-02-01 to_date=2025-02-28"
    assert about["attribution"] == "The World Bank: Remittance Prices Worldwide"
    assert "q.about.csv" in " ".join(result.output.split())


def test_export_format_from_extension_and_sample_note(cli_session: Session, tmp_path: Path) -> None:
    out = tmp_path / "quotes.parquet"
    # TR-IQ holds only sample quotes (the World Bank surveys no route into Iraq; SA-PK now
    # also holds its real 2025 Q1 survey prices).
    result = runner.invoke(app, ["export", "quotes", "-o", str(out), "-c", "TR-IQ"])
    assert result.exit_code == 0, result.output
    assert "sample data — not live prices" in result.output
    table = pq.read_table(out)
    assert table.num_rows > 0 and all(table.column("sample").to_pylist())


def test_export_trends_json_and_month(
    cli_session: Session, controlled: Controlled, tmp_path: Path
) -> None:
    out = tmp_path / "t.json"
    result = runner.invoke(
        app,
        ["export", "trends", "--format", "json", "--out", str(out), "-c", "GB-PK", "-p", "month"],
    )
    assert result.exit_code == 0, result.output
    body = json.loads(out.read_text())
    assert body["meta"]["period"] == "month"
    feb = [
        r
        for r in body["rows"]
        if r["series"] == "silkroutes" and r["period"] == "2025-02" and r["basket_usd"] == 200
    ]
    assert [r["average_pct"] for r in feb] == ["2.900"]


def test_export_trends_xlsx(cli_session: Session, tmp_path: Path) -> None:
    out = tmp_path / "t.xlsx"
    result = runner.invoke(app, ["export", "trends", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["quotes", "-o", "{tmp}/q.csv", "-c", "ZZ-YY"], "--corridor: unknown corridor ZZ-YY"),
        (["quotes", "-o", "{tmp}/q.txt"], "--format not given"),
        (["quotes", "-o", "{tmp}/missing/q.csv"], "does not exist"),
        (["quotes", "-o", "{tmp}/q.csv", "--from-date", "2025-02-30"], "--from-date"),
        (
            ["quotes", "-o", "{tmp}/q.csv", "--from-date", "2025-03-01", "--to-date", "2025-02-01"],
            "--from-date: from_date 2025-03-01 is after to_date 2025-02-01",
        ),
        (["trends", "-o", "{tmp}/t.csv", "-c", "QQ-PK"], "unknown corridor QQ-PK"),
        (["trends", "-o", "{tmp}/t.csv", "--format", "pdf"], "pdf"),
    ],
)
def test_export_errors_are_clear(
    cli_session: Session, tmp_path: Path, args: list[str], message: str
) -> None:
    argv = ["export", *(a.replace("{tmp}", str(tmp_path)) for a in args)]
    result = runner.invoke(app, argv)
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
    assert not [p for p in tmp_path.iterdir() if p.is_file()]


def test_csv_written_by_cli_parses(cli_session: Session, tmp_path: Path) -> None:
    out = tmp_path / "all.csv"
    assert runner.invoke(app, ["export", "quotes", "-o", str(out)]).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8-sig"))))
    assert rows and {"source", "collected_at", "sample", "payload_hash"} <= set(rows[0])
