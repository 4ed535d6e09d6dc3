"""`remit db backup` / `remit db restore`: SQLite through its online backup API (a
consistent copy while the service runs), PostgreSQL through pg_dump / pg_restore (custom
format). The password travels in PGPASSWORD, never on a command line."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import URL, make_url

# The schema (api/migrations) defines no trigger: any trigger in a restored database was
# added behind its back (one gave every new key all scopes) and is dropped.
SCHEMA_TRIGGERS: frozenset[str] = frozenset()
PG_MAGIC = b"PGDMP"
SQLITE_MAGIC = b"SQLite format 3\x00"


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message says why, in one line."""


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def _pg(url: URL) -> tuple[list[str], dict[str, str]]:
    """libpq connection options and environment for pg_dump / pg_restore."""
    args = ["--host", url.host or "127.0.0.1", "--port", str(url.port or 5432)]
    if url.username:
        args += ["--username", url.username]
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} not found: install the PostgreSQL client tools")
    return path


def _run(cmd: list[str], env: dict[str, str]) -> None:
    # A fixed tool (found on PATH) with arguments from the settings; no shell.
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        raise BackupError(f"{Path(cmd[0]).name} failed: {lines[-1] if lines else done.returncode}")


def backup(database_url: str, target: Path) -> None:
    """Write a consistent copy of the database to ``target`` (replaced if present)."""
    url = make_url(database_url)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if url.get_backend_name() == "sqlite":
            source = _sqlite_path(url)
            if not source.is_file():
                raise BackupError(f"{source}: no such database file")
            if target.resolve() == source.resolve():
                raise BackupError(f"{target} is the live database: back it up to another file")
            with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(partial)) as dst:
                src.backup(dst)
        else:
            args, env = _pg(url)
            _run(
                [
                    _tool("pg_dump"),
                    *args,
                    "--format=custom",
                    "--no-owner",
                    "--file",
                    str(partial),
                    url.database or "postgres",
                ],
                env,
            )
        partial.replace(target)  # a backup file is complete or absent
    finally:
        partial.unlink(missing_ok=True)


def restore(database_url: str, source: Path) -> None:
    """Replace the database's contents with the backup in ``source``."""
    if not source.is_file():
        raise BackupError(f"{source}: no such file")
    with source.open("rb") as fh:
        head = fh.read(16)
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if head != SQLITE_MAGIC:
            raise BackupError(f"{source}: not a SQLite backup (made from another database?)")
        _check_revision(source, _sqlite_revision(source))  # before anything is replaced
        target = _sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
            src.backup(dst)  # page by page into the live file, under SQLite's own locks
            _drop_sqlite_triggers(dst)
        return
    if not head.startswith(PG_MAGIC):
        raise BackupError(f"{source}: not a pg_dump custom-format backup")
    args, env = _pg(url)
    _check_revision(source, _pg_revision(source, env))
    _run(
        [
            _tool("pg_restore"),
            *args,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            url.database or "postgres",
            str(source),
        ],
        env,
    )
    _drop_pg_triggers(database_url)


# -- what a backup holds ---------------------------------------------------------------------


def _check_revision(source: Path, revision: str | None) -> None:
    """Refuse a backup whose schema revision this version does not know (it would leave a
    database `remit serve` cannot start on) before the database is touched."""
    from alembic.script import ScriptDirectory

    from api.storage.migrate import alembic_config

    known = {r.revision for r in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if revision is None:
        raise BackupError(f"{source}: holds no schema revision (not a remit database backup)")
    if revision not in known:
        raise BackupError(
            f"{source}: schema revision {revision[:64]!r} is unknown to this version "
            "(a backup from a newer version?); nothing was restored"
        )


def _sqlite_revision(source: Path) -> str | None:
    try:
        with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as conn:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:
        return None
    return str(row[0]) if row else None


def _pg_revision(source: Path, env: dict[str, str]) -> str | None:
    cmd = [_tool("pg_restore"), "--data-only", "--table=alembic_version", "--file=-", str(source)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"pg_restore cannot read {source}: {done.stderr.strip()[-200:]}")
    lines = done.stdout.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("COPY ") and "alembic_version" in line and i + 1 < len(lines):
            value = lines[i + 1].strip()
            return None if value == "\\." else value
    return None


def _drop_sqlite_triggers(conn: sqlite3.Connection) -> None:
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")]
    for name in names:
        if name not in SCHEMA_TRIGGERS:
            conn.execute(f'DROP TRIGGER IF EXISTS "{name.replace(chr(34), chr(34) * 2)}"')
    conn.commit()


def _drop_pg_triggers(database_url: str) -> None:
    from sqlalchemy import text

    from api.storage.db import make_engine

    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            rows = conn.execute(
                text(
                    "SELECT t.tgname, c.relname FROM pg_trigger t "
                    "JOIN pg_class c ON c.oid = t.tgrelid "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE NOT t.tgisinternal AND n.nspname = current_schema()"
                )
            ).all()
            for name, table in rows:
                if name not in SCHEMA_TRIGGERS:
                    quoted = '"' + name.replace('"', '""') + '"'
                    relation = '"' + table.replace('"', '""') + '"'
                    conn.execute(text(f"DROP TRIGGER IF EXISTS {quoted} ON {relation}"))
    finally:
        engine.dispose()
