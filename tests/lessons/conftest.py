"""Lesson test helpers: private copies of the lessons/ tree that a test may break.

`lessons_copy` is a *complete* tree: the real English lessons and translations, plus, for
every lesson not yet translated into a language, a stand-in copy of the English file
(`lang` set, marked for review). So the checks are tested against a tree that passes, and
a test breaks exactly what it means to break, however far the real translations have got.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from api.services.lessons import FILENAME_RE, LESSON_LANGS, PARTIAL_LANGS, SOURCE_LANG
from api.settings import LESSONS_DIR

Edit = Callable[[str, str, str], Path]
STAND_IN_NOTE = "Stand-in copy of the English lesson for the tests; not a translation."


def complete_tree(root: Path) -> Path:
    """Copy lessons/ to `root` and fill every missing translation with a stand-in."""
    shutil.copytree(LESSONS_DIR, root)
    for src in sorted((root / SOURCE_LANG).glob("*.md")):
        for lang in LESSON_LANGS:
            target = root / lang / src.name
            if lang == SOURCE_LANG or target.exists():
                continue
            m = FILENAME_RE.match(src.name)
            if lang in PARTIAL_LANGS and m is not None and m["slug"] not in PARTIAL_LANGS[lang]:
                continue  # a lesson this language does not hold (shown in English there)
            text = src.read_text(encoding="utf-8")
            text = re.sub(r"^lang: en$", f"lang: {lang}", text, count=1, flags=re.M)
            text = re.sub(
                r'^review_note: ""$', f'review_note: "{STAND_IN_NOTE}"', text, count=1, flags=re.M
            )
            target.parent.mkdir(exist_ok=True)
            target.write_text(text, encoding="utf-8")
    return root


@pytest.fixture()
def lessons_copy(tmp_path: Path) -> Path:
    return complete_tree(tmp_path / "lessons")


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
