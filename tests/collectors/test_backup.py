"""`remit db backup FILE` / `remit db restore FILE`: a round trip on SQLite (online backup
API) and PostgreSQL (pg_dump / pg_restore) brings back exactly what was backed up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, text
from sqlmodel import Session, select
from typer.testing import CliRunner

from api.storage.db import make_engine
from api.storage.models import Corridor, ReferenceRate
from remit.cli.main import app


def invoke(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def _counts(engine: Engine) -> tuple[int, int]:
    with Session(engine) as s:
        return (
            s.exec(select(func.count()).select_from(Corridor)).one(),
            s.exec(select(func.count()).select_from(ReferenceRate)).one(),
        )


def test_backup_and_restore_round_trip(scratch_env: str, tmp_path: Path) -> None:
    engine = make_engine(scratch_env)
    before = _counts(engine)
    assert before[0] > 0 and before[1] > 0
    file = tmp_path / "backup.dump"

    result = invoke("db", "backup", str(file))
    assert result.exit_code == 0, result.output
    assert "backed up" in result.output and file.stat().st_size > 0

    with engine.begin() as conn:  # lose data after the backup
        conn.execute(text("DELETE FROM referencerate"))
    assert _counts(engine)[1] == 0
    engine.dispose()

    result = invoke("db", "restore", str(file), "--yes")
    assert result.exit_code == 0, result.output
    assert _counts(engine) == before
    engine.dispose()


def test_restore_refuses_what_is_not_a_backup(scratch_env: str, tmp_path: Path) -> None:
    bogus = tmp_path / "notes.txt"
    bogus.write_text("not a backup")
    result = invoke("db", "restore", str(bogus), "--yes")
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "restore failed:" in text and "not a" in text
    assert "Traceback" not in result.output
    missing = invoke("db", "restore", str(tmp_path / "absent.dump"), "--yes")
    assert missing.exit_code == 2 and "no such file" in " ".join(missing.output.split())
