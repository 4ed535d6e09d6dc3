"""`remit collect`, `import-feed`, `import-rpw` and `admin create-key` through the real CLI
(typer's CliRunner) against a scratch database and the replay server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from api.settings import get_settings
from api.storage.apikeys import hash_key
from api.storage.db import make_engine
from api.storage.models import (
    ApiKey,
    CollectorRun,
    Quote,
    ReferenceRate,
    RpwObservation,
    Service,
)
from api.storage.types import utcnow
from remit.cli.main import app
from scrapers.runner import run_sources
from tests.collectors.conftest import NOW, point_settings_at, recorded
from tests.collectors.test_faults import DAB_PATH, dab_page
from tests.parsers.test_rpw import PUBLISHED
from tests.replay import ReplayServer

runner = CliRunner()


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


def test_collect_dab_stores_the_recorded_rates(scratch: Engine, replay: ReplayServer) -> None:
    replay.add(DAB_PATH, dab_page("2026-05-19"))

    result = invoke("collect", "--source", "dab")

    assert result.exit_code == 0, result.output
    assert re.search(r"dab\s*│\s*ok\s*│\s*20\s*│\s*0\s*│\s*0", result.output), result.output
    with Session(scratch) as session:
        rows = session.exec(
            select(ReferenceRate).where(
                ReferenceRate.source == "dab", ReferenceRate.as_of == date(2026, 5, 19)
            )
        ).all()
        assert len(rows) == 20
        run = session.exec(select(CollectorRun).where(CollectorRun.source == "dab")).one()
        assert (run.status, run.rows_stored) == ("ok", 20)

    again = invoke("collect", "--source", "dab")
    assert again.exit_code == 0
    assert re.search(r"dab\s*│\s*ok\s*│\s*0\s*│\s*20\s*│\s*0", again.output), again.output


def test_collect_exit_code_when_a_source_fails(scratch: Engine, replay: ReplayServer) -> None:
    replay.add(DAB_PATH, b"", status=404)
    result = invoke("collect", "-s", "dab", "-s", "cbr")
    assert result.exit_code == 1
    text = " ".join(result.output.split())
    assert re.search(r"dab\s*│\s*failed", result.output), result.output
    assert "dab (failed): fetching http://127.0.0.1" in text and "HTTP 404" in text
    assert re.search(r"cbr\s*│\s*ok", result.output)


def test_collect_all_skips_unconfigured_sources(
    scratch: Engine, replay: ReplayServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REMIT_TCMB_API_KEY")
    get_settings.cache_clear()
    replay.add("/v4/comparisons", b"{}", status=503)  # keep the sweep short: wise fails fast

    result = invoke("collect")

    text = " ".join(result.output.split())
    assert "skipped tcmb: TCMB EVDS needs an API key: set REMIT_TCMB_API_KEY" in text
    assert not re.search(r"tcmb\s*│", result.output)
    for name in ("sbp", "dab", "cbi", "ecb", "imf", "cbr"):
        assert re.search(rf"{name}\s*│\s*(ok|partial)", result.output), result.output
    assert result.exit_code == 1 and re.search(r"wise\s*│\s*failed", result.output)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("collect", "--source", "nope"), "unknown source 'nope'; known sources: wise, sbp"),
        (("collect", "--corridor", "XX-YY"), "unknown corridor(s) XX-YY"),
        (("import-feed", "no-such-file.csv"), "no-such-file.csv: no such file"),
        (("import-rpw", "no-such-file.xlsx"), "no-such-file.xlsx: no such file"),
    ],
)
def test_clear_cli_errors(
    scratch: Engine, replay: ReplayServer, args: tuple[str, ...], message: str
) -> None:
    result = invoke(*args)
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())


# -- import-feed ------------------------------------------------------------------------------

HEADER = (
    "provider,from,to,send_currency,receive_currency,send_amount,fee,rate,receive_fee,"
    "payout_method,payin_method,speed,promotional,captured_at"
)


# A feed row must be a recent price (issue 23): captured three days before the machine's clock.
WHEN = (utcnow() - timedelta(days=3)).strftime("%Y-%m-%dT10:00:00+00:00")


def test_import_feed_stores_good_rows_and_reports_bad_ones(scratch: Engine, tmp_path: Path) -> None:
    feed = tmp_path / "acme.csv"
    feed.write_text(
        "\n".join(
            [
                HEADER,
                f"western-union,GB,PK,GBP,PKR,120,2.99,372.10,0,cash,card,minutes,false,{WHEN}",
                f"western-union,GB,PK,GBP,PKR,300,2.99,3721.0,0,cash,card,minutes,false,{WHEN}",
                f"western-union,GB,XX,GBP,PKR,300,2.99,372.10,0,cash,card,minutes,false,{WHEN}",
                f"western-union,GB,PK,GBP,PKR,-5,2.99,372.10,0,cash,card,soon,false,{WHEN}",
            ]
        )
        + "\n"
    )

    result = invoke("import-feed", str(feed))

    assert result.exit_code == 1  # some rows rejected
    text = " ".join(result.output.split())
    assert "acme.csv (csv): 4 rows, 1 stored, 0 already stored, 3 rejected" in text
    assert re.search(r"3\s+│ rate\s+│ 3721.0 is implausible", result.output), result.output
    assert re.search(r"4\s+│ to\s+│ unknown corridor 'GB-XX'", result.output), result.output
    assert re.search(r"5\s+│ send_amount │ must be positive", result.output), result.output
    assert re.search(r"5\s+│ speed\s+│ unknown speed 'soon'", result.output), result.output
    with Session(scratch) as session:
        [quote] = session.exec(select(Quote).where(Quote.source == "feed")).all()
        assert (quote.send_amount, quote.fee, quote.rate) == (
            120,
            Decimal("2.99"),
            Decimal("372.10"),
        )
        service = session.get(Service, quote.service_id)
        assert service is not None
        assert (service.payin_method, quote.payout_method, quote.speed) == (
            "card",
            "cash",
            "minutes",
        )
        assert quote.source_captured_at == datetime.fromisoformat(WHEN)

    again = invoke("import-feed", str(feed))
    assert "1 already stored" in " ".join(again.output.split())


def test_import_feed_unreadable_file(scratch: Engine, tmp_path: Path) -> None:
    feed = tmp_path / "broken.csv"
    feed.write_bytes(b"\xff\xfe\x00garbage")
    result = invoke("import-feed", str(feed))
    assert result.exit_code == 2
    assert "broken.csv: feed is not UTF-8 text" in " ".join(result.output.split())


# -- import-rpw ---------------------------------------------------------------------------------


def rpw_row(**changes: Any) -> list[Any]:
    row: dict[str, Any] = {
        "id": 1,
        "period": "2025_3Q",
        "source_code": "GBR",
        "source_name": "United Kingdom",
        "destination_code": "PAK",
        "destination_name": "Pakistan",
        "firm": "Acme Remit",
        "firm_type": "Money Transfer Operator",
        "payment instrument": "Cash",
        "access point": "Agent",
        "speed actual": "Less than one hour",
        "cc1 lcu amount": "120",  # numbers stored as text, as in the real file since 2024
        "cc1 denomination amount": 200,
        "cc1 lcu code": "GBP",
        "cc1 lcu fee": "4.99",
        "cc1 lcu fx rate": "372.5",
        "cc1 fx margin": "1.5",
        "cc1 total cost %": "5.6583",
        "cc2 lcu amount": 300,
        "cc2 denomination amount": 500,
        "cc2 lcu code": "GBP",
        "cc2 lcu fee": 4.99,
        "cc2 lcu fx rate": 372.5,
        "cc2 fx margin": 1.5,
        "cc2 total cost %": 3.1633,
        "inter lcu bank fx": 378.2,
        "transparent": "yes",
        "date": 45870,  # an Excel serial date (2025-08-01)
        "corridor": "GBRPAK",
    }
    row.update(changes)
    return [row.get(name) for name in PUBLISHED]


def write_rpw(path: Path, rows: list[list[Any]], sheet: str = "Dataset (from Q2 2016)") -> Path:
    workbook = openpyxl.Workbook()
    ws = workbook.active
    assert ws is not None
    ws.title = sheet
    ws.append(PUBLISHED)
    for row in rows:
        ws.append(row)
    workbook.save(path)
    return path


def test_import_rpw_with_the_published_columns(scratch: Engine, tmp_path: Path) -> None:
    path = write_rpw(
        tmp_path / "rpw.xlsx",
        [
            rpw_row(),
            rpw_row(id=2, firm="Promo Bank", **{"cc1 total cost %": "-1.2"}),
            rpw_row(id=3, transparent="no", **{"cc1 fx margin": 0}),
            rpw_row(
                id=4,
                firm="Far Away Ltd",
                source_code="USA",
                destination_code="IND",
                destination_name="India",
                corridor="USAIND",
            ),
        ],
    )

    result = invoke("import-rpw", str(path))

    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "4 rows read: 4 stored (3 on our corridors), 0 already imported, 0 rejected" in text
    with Session(scratch) as session:
        rows = {
            r.firm + ("" if r.transparent else " (opaque)"): r
            for r in session.exec(select(RpwObservation).order_by(col(RpwObservation.id)))
        }
    acme = rows["Acme Remit"]
    assert (acme.corridor_code, acme.rpw_corridor, acme.period, acme.source) == (
        "GB-PK",
        "GBRPAK",
        "2025Q3",
        "rpw",
    )
    assert (str(acme.cc1_amount), str(acme.cc1_fee), str(acme.cc1_total_cost_pct)) == (
        "120",
        "4.99",
        "5.6583",
    )
    assert acme.surveyed_on == date(2025, 8, 1)
    assert str(rows["Promo Bank"].cc1_total_cost_pct) == "-1.2"
    assert "Acme Remit (opaque)" in rows
    assert rows["Acme Remit (opaque)"].transparent is False
    assert (rows["Far Away Ltd"].rpw_corridor, rows["Far Away Ltd"].corridor_code) == (
        "USAIND",
        None,
    )

    again = invoke("import-rpw", str(path))
    assert "4 rows read: 0 stored (0 on our corridors), 4 already imported" in " ".join(
        again.output.split()
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("wrong sheet", "Dataset (from Q2 2016)"),
        ("not a workbook", "not"),
    ],
)
def test_import_rpw_bad_files(scratch: Engine, tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.xlsx"
    if content == "wrong sheet":
        write_rpw(path, [rpw_row()], sheet="Sheet1")
    else:
        path.write_bytes(b"PK\x03\x04 this is not really a zip")
    result = invoke("import-rpw", str(path))
    assert result.exit_code == 2
    assert "error:" in result.output and message in result.output


# -- admin -----------------------------------------------------------------------------------


def test_create_key_prints_it_once_and_stores_only_its_hash(scratch: Engine) -> None:
    result = invoke("admin", "create-key", "acme-feed")
    assert result.exit_code == 0
    key = result.output.strip().splitlines()[-1]
    assert key.startswith("remit_") and len(key) > 30
    with Session(scratch) as session:
        [row] = session.exec(select(ApiKey)).all()
    assert (row.name, row.key_hash) == ("acme-feed", hash_key(key, get_settings().secret_key))
    assert key not in row.model_dump_json()
    assert (row.scopes, row.expires_at) == ("read", None)


def test_create_key_with_scopes_and_expiry(scratch: Engine) -> None:
    result = invoke(
        "admin", "create-key", "acme", "--scope", "ingest,read", "--expires", "2999-06-30"
    )
    assert result.exit_code == 0, result.output
    assert "scopes ingest read" in result.output
    with Session(scratch) as session:
        [row] = session.exec(select(ApiKey)).all()
    assert row.scopes == "ingest read"
    assert row.expires_at == datetime(2999, 6, 30, 23, 59, 59, tzinfo=UTC)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scope", "root"], "unknown scope 'root'"),
        (["--expires", "soon"], "--expires: 'soon' is not a date"),
        (["--expires", "2020-01-01"], "the expiry must be in the future"),
        (["--expires", "2999-01-01T10:00"], "needs a timezone"),
    ],
)
def test_create_key_refuses_bad_scope_or_expiry(
    scratch: Engine, args: list[str], message: str
) -> None:
    result = invoke("admin", "create-key", "acme", *args)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_concurrent_sources_with_latency_do_not_lock_each_other(
    scratch: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several sources storing at once into one SQLite file (the scheduler's case): each
    run commits its rows and its run record without 'database is locked'."""
    names = ["sbp", "dab", "cbi", "ecb", "imf", "cbr"]
    with ReplayServer() as server:
        for name in names:
            for r in recorded(NOW)[name]:
                server.add(r.path, r.content, delay_s=0.2)
        point_settings_at(monkeypatch, server.url)
        runs = run_sources(scratch, names, now=NOW)
    assert [r.status for r in runs] == ["ok"] * len(names), [r.error for r in runs]
    assert all(r.rows_stored > 0 or r.rows_duplicate > 0 for r in runs)


def test_import_rpw_exits_non_zero_when_every_row_is_rejected(
    scratch: Engine, tmp_path: Path
) -> None:
    path = write_rpw(
        tmp_path / "rpw.xlsx",
        [rpw_row(id=n, period="someday", **{"cc1 lcu amount": "lots"}) for n in (1, 2)],
    )
    result = invoke("import-rpw", str(path))
    assert result.exit_code == 1, result.output
    text = " ".join(result.output.split())
    assert "2 rejected" in text and "every row was rejected; nothing imported" in text


def test_import_feed_nested_too_deeply_is_a_one_line_error(scratch: Engine, tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    result = invoke("import-feed", str(path))
    assert result.exit_code == 2, result.output
    assert "nested too deeply" in result.output and "Traceback" not in result.output


def test_import_rpw_rejects_absurd_numbers_with_the_bounds_of_every_quote(
    scratch: Engine, tmp_path: Path
) -> None:
    path = write_rpw(
        tmp_path / "rpw.xlsx",
        [rpw_row(), rpw_row(id=2, firm="Huge Ltd", **{"cc1 lcu fee": "9" * 400})],
    )
    result = invoke("import-rpw", str(path))
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "2 rows read: 1 stored" in text and "1 rejected" in text
    assert "cc1 lcu fee" in text and "digits before the point" in text
    with Session(scratch) as session:
        assert [r.firm for r in session.exec(select(RpwObservation))] == ["Acme Remit"]
