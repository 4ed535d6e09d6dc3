"""Lesson test helpers: a private copy of the real lessons/ tree that a test may break."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from api.settings import LESSONS_DIR

Edit = Callable[[str, str, str], Path]


@pytest.fixture()
def lessons_copy(tmp_path: Path) -> Path:
    root = tmp_path / "lessons"
    shutil.copytree(LESSONS_DIR, root)
    return root


@pytest.fixture()
def edit(lessons_copy: Path) -> Edit:
    """edit(relative path, regex, replacement): change one lesson file (exactly one match)."""

    def _edit(rel: str, pattern: str, replacement: str) -> Path:
        path = lessons_copy / rel
        text = path.read_text(encoding="utf-8")
        new, n = re.subn(pattern, replacement, text, count=1, flags=re.M | re.S)
        assert n == 1, f"{pattern!r} not found in {rel}"
        path.write_text(new, encoding="utf-8")
        return path

    return _edit
