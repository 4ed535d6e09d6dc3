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
        target = _sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
            src.backup(dst)  # page by page into the live file, under SQLite's own locks
        return
    if not head.startswith(PG_MAGIC):
        raise BackupError(f"{source}: not a pg_dump custom-format backup")
    args, env = _pg(url)
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
