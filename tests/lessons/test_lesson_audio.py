"""Lessons you can listen to: `remit lessons audio` (espeak-ng + opusenc), the player on the
page, and the check that fails audio older than its text."""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.services.lesson_audio import BITRATE_KBPS
from api.services.lesson_check import check_lessons
from api.services.lessons import IssueKind, LessonStore
from remit.cli.main import app

TODAY = date(2026, 1, 15)
L17 = "17-money-with-a-disability.md"


def _tools() -> None:
    for tool in ("espeak-ng", "opusenc"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is needed (Debian packages espeak-ng, opus-tools; see .ci/run)")


def _small_tree(lessons_copy: Path, root: Path) -> Path:
    """Only lesson 17, in English and Urdu, with the words it uses."""
    for sub in ("local", "glossary"):
        shutil.copytree(lessons_copy / sub, root / sub)
    for lang in ("en", "ur"):
        (root / lang).mkdir(parents=True)
        shutil.copy(lessons_copy / lang / L17, root / lang / L17)
    return root


def test_audio_command_writes_small_opus_files(lessons_copy: Path, tmp_path: Path) -> None:
    _tools()
    root = _small_tree(lessons_copy, tmp_path / "small")
    result = CliRunner().invoke(app, ["lessons", "audio", "--dir", str(root), "--lang", "ur"])
    assert result.exit_code == 0, result.output
    made = root / "audio" / "ur" / "17-money-with-a-disability.opus"
    data = made.read_bytes()
    assert data[:4] == b"OggS" and b"OpusHead" in data[:200]
    assert "KB per minute of speech" in result.output
    per_minute = int(result.output.rsplit(" KB per minute", 1)[0].rsplit(" ", 1)[-1])
    # 12 kbit/s is 90 KB a minute; the container adds a little.
    assert per_minute <= BITRATE_KBPS * 60 / 8 * 1.15
    fresh = check_lessons(root, TODAY).errors
    assert not [i for i in fresh if i.kind is IssueKind.AUDIO]


def test_pashto_has_no_voice_and_the_command_says_so(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["lessons", "audio", "--dir", str(tmp_path), "--lang", "ps"])
    assert result.exit_code == 2
    assert "no computer voice for ps" in result.output


def test_audio_older_than_its_text_fails_the_check(lessons_copy: Path) -> None:
    audio = lessons_copy / "audio" / "ur" / "17-money-with-a-disability.opus"
    audio.parent.mkdir(parents=True, exist_ok=True)
    audio.write_bytes(b"OggS stand-in")
    text = lessons_copy / "ur" / L17
    old = text.stat().st_mtime - 3600
    os.utime(audio, (old, old))
    found = [i for i in check_lessons(lessons_copy, TODAY).errors if i.kind is IssueKind.AUDIO]
    assert [(i.file, i.field) for i in found] == [("ur/" + L17, "audio")]
    assert "older than its text" in found[0].message
    os.utime(audio, (old + 7200, old + 7200))
    assert not [i for i in check_lessons(lessons_copy, TODAY).errors if i.kind is IssueKind.AUDIO]


def test_the_page_plays_the_audio_labelled_computer_voice_and_says_when_there_is_none(
    client: TestClient, lessons_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    audio = lessons_copy / "audio" / "ur" / "17-money-with-a-disability.opus"
    audio.parent.mkdir(parents=True, exist_ok=True)
    audio.write_bytes(b"OggS stand-in")
    store = LessonStore(lessons_copy)
    monkeypatch.setattr("web.routes_lessons.get_store", lambda: store)
    html = client.get("/learn/money-with-a-disability", params={"lang": "ur"}).text
    src = "/learn/audio/audio/ur/17-money-with-a-disability.opus"
    assert f'<audio controls preload="none" src="{src}"' in html
    assert "(کمپیوٹر کی آواز)" in html  # "computer voice"
    assert client.get(src).content == b"OggS stand-in"
    ps = client.get("/learn/money-with-a-disability", params={"lang": "ps"}).text
    assert "<audio" not in ps
    assert "د کمپیوټر غږ نشته" in ps  # no computer voice for Pashto
