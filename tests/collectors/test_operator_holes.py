"""The smaller holes an operator falls into (issue 23, item 8): far-future expiry, revoking a
leaked key, backups onto the live file, restores of unknown schema revisions or with foreign
triggers, runs of a killed scheduler, --workers with SQLite in production, organisation
names with NUL and 10 KB origins. On SQLite and PostgreSQL where a database is involved."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, text
from sqlmodel import Session, select
from typer.testing import CliRunner

from api.settings import get_settings
from api.storage import orgs
from api.storage.apikeys import create_key
from api.storage.db import make_engine
from api.storage.models import ApiKey, CollectorRun, Organisation, ReferenceRate
from api.storage.types import utcnow
from remit.cli.main import app
from scrapers.runner import abandon_dead_runs
from web.i18n import LANGUAGES


def invoke(*args: str) -> Any:
    result = CliRunner().invoke(app, list(args))
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def flat(result: Any) -> str:
    return " ".join(result.output.split())


@pytest.fixture
def scratch(scratch_env: str) -> Any:
    engine = make_engine(scratch_env)
    yield engine
    engine.dispose()


def test_create_key_with_an_expiry_beyond_utc_is_a_clear_error(scratch: Engine) -> None:
    result = invoke("admin", "create-key", "far", "--expires", "9999-12-31T23:00:00-05:00")
    assert result.exit_code == 2
    assert "--expires" in flat(result) and "outside the range" in flat(result)


def test_revoke_key_by_the_key_itself_or_by_name(scratch: Engine) -> None:
    secret = get_settings().secret_key
    with Session(scratch) as session:
        _, leaked = create_key(session, "acme-feed", utcnow(), secret=secret)
        create_key(session, "prometheus", utcnow(), secret=secret)
        create_key(session, "prometheus", utcnow(), secret=secret)
        session.commit()
    assert invoke("admin", "revoke-key", leaked).exit_code == 0
    by_name = invoke("admin", "revoke-key", "prometheus")
    assert by_name.exit_code == 0 and "revoked 2 key(s): prometheus" in flat(by_name)
    with Session(scratch) as session:
        assert all(k.revoked for k in session.exec(select(ApiKey)))
    again = invoke("admin", "revoke-key", leaked)
    assert again.exit_code == 2 and "no unrevoked key matches" in flat(again)


def test_backup_onto_the_live_database_file_is_refused(scratch_env: str) -> None:
    if not scratch_env.startswith("sqlite"):
        pytest.skip("a file only on SQLite")
    live = Path(scratch_env.removeprefix("sqlite:///"))
    before = live.read_bytes()
    result = invoke("db", "backup", str(live))
    assert result.exit_code == 2 and "is the live database" in flat(result)
    assert live.read_bytes() == before


def _revision(engine: Engine) -> str:
    with engine.connect() as conn:
        return str(conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one())


def _rates(engine: Engine) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(ReferenceRate)).one()


def test_restore_checks_the_revision_before_replacing_anything(
    scratch: Engine, tmp_path: Path
) -> None:
    head = _revision(scratch)
    with scratch.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    file = tmp_path / "future.dump"
    assert invoke("db", "backup", str(file)).exit_code == 0
    with scratch.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
        conn.execute(text("DELETE FROM referencerate"))
    scratch.dispose()
    result = invoke("db", "restore", str(file), "--yes")
    assert result.exit_code == 2
    assert "9999_from_the_future" in flat(result) and "nothing was restored" in flat(result)
    assert _revision(scratch) == head and _rates(scratch) == 0  # untouched


def test_restore_drops_triggers_the_schema_does_not_define(scratch: Engine, tmp_path: Path) -> None:
    with scratch.begin() as conn:
        if scratch.dialect.name == "sqlite":
            conn.execute(
                text(
                    "CREATE TRIGGER all_scopes AFTER INSERT ON apikey BEGIN "
                    "UPDATE apikey SET scopes = 'ingest orgs read' WHERE id = NEW.id; END"
                )
            )
        else:
            conn.execute(
                text(
                    "CREATE FUNCTION all_scopes() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN NEW.scopes := 'ingest orgs read'; RETURN NEW; END $$"
                )
            )
            conn.execute(
                text(
                    "CREATE TRIGGER all_scopes BEFORE INSERT ON apikey "
                    "FOR EACH ROW EXECUTE FUNCTION all_scopes()"
                )
            )
    file = tmp_path / "with-trigger.dump"
    assert invoke("db", "backup", str(file)).exit_code == 0
    scratch.dispose()
    assert invoke("db", "restore", str(file), "--yes").exit_code == 0
    with Session(scratch) as session:
        row, _ = create_key(session, "reader", utcnow(), secret=get_settings().secret_key)
        session.commit()
        session.refresh(row)
        assert row.scopes == "read"


def test_runs_of_a_killed_scheduler_are_failed_when_a_scheduler_takes_over(
    scratch: Engine,
) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    now = utcnow()
    with Session(scratch) as session:
        for source in ("sbp", "ecb"):
            worker = f"{socket.gethostname()}:{dead.pid}"
            session.add(
                CollectorRun(source=source, started_at=now, status="running", worker=worker)
            )
        session.commit()
    assert abandon_dead_runs(scratch, now) == 2
    with Session(scratch) as session:
        runs = session.exec(select(CollectorRun).where(CollectorRun.started_at == now)).all()
        assert {r.status for r in runs} == {"failed"}
        assert all("abandoned" in (r.error or "") for r in runs)


def test_production_refuses_sqlite_with_serve_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REMIT_ENV", "production")
    monkeypatch.setenv("REMIT_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("REMIT_DATABASE_URL", f"sqlite:///{tmp_path / 'p.sqlite3'}")
    get_settings.cache_clear()
    try:
        result = invoke("serve", "--workers", "2", "--no-scheduler")
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert "--workers 2" in flat(result) and "PostgreSQL" in flat(result)
    assert not (tmp_path / "p.sqlite3").exists()  # refused before anything was created


@pytest.mark.parametrize(
    ("field", "kw"),
    [
        ("name", {"name": "Bradford\x00 Association"}),
        ("name", {"name": "Line\nbreak"}),
        ("origin", {"origins": ["https://" + "a" * 60 + "." + "b" * 60 + ".org" * 2_500]}),
    ],
)
def test_organisation_fields_that_postgres_or_a_header_cannot_hold_are_named(
    scratch: Engine, field: str, kw: dict[str, Any]
) -> None:
    data = orgs.OrgInput(
        slug="ok",
        name=kw.get("name", "Ok"),
        origins=kw.get("origins", ["https://ok.example.org"]),
    )
    with Session(scratch) as session:
        with pytest.raises(orgs.OrgError) as err:
            orgs.check_org(session, data, LANGUAGES)
        assert err.value.field == field
        assert session.exec(select(Organisation)).all() == []
