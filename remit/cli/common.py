"""What every `remit` command shares: the consoles, the one-line error, reading an input
file, a progress bar, and the engine with the schema upgraded."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

console = Console(stderr=True)
out = Console(soft_wrap=True)  # results are not wrapped: paths and figures stay whole


def fail(message: str, code: int = 2) -> typer.Exit:
    console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def readable_file(path: Path) -> Path:
    if not path.exists():
        raise fail(f"{path}: no such file")
    if not path.is_file():
        raise fail(f"{path}: not a file")
    return path


def read_bytes(path: Path) -> bytes:
    """A file's content, or a one-line CLI error naming it."""
    try:
        return readable_file(path).read_bytes()
    except OSError as exc:
        raise fail(f"{path}: {exc.strerror or exc}") from None


@contextmanager
def counted(label: str, unit: str, total: int | None = None) -> Iterator[Callable[..., None]]:
    """A progress bar "label ━━━ n/total" on stderr; yields `update(done, total=None)`."""
    bar = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), console=console)
    with bar:
        task = bar.add_task(unit, total=total)

        def update(done: int, total: int | None = None) -> None:
            if total is None:
                bar.update(task, completed=done)
            else:
                bar.update(task, completed=done, total=total)

        yield update


def ready_engine() -> Engine:
    """The one engine, with the schema upgraded."""
    from api.storage.db import get_engine
    from api.storage.migrate import upgrade

    engine = get_engine()
    try:
        upgrade(engine)
    except OperationalError as exc:
        where = engine.url.render_as_string(hide_password=True)
        raise fail(f"cannot use the database {where}: {exc.orig}") from None
    return engine
