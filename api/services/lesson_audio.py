"""Lessons you can listen to: speech made with espeak-ng at build time, kept small as Opus.

`remit lessons audio` reads every lesson in each language that has a voice on these
machines (Debian's espeak-ng: en, ur, bn, fa for fa-AF and fa-IR, ar; none for Pashto) and
writes `lessons/audio/<lang>/<NN-slug>.opus` (12 kbit/s speech, about 90 KB a minute).
The files are generated, not committed (`make audio`, run by `make run`). A lesson page
plays its file with a plain `<audio controls preload="none">` labelled "computer voice";
`remit lessons check` fails a lesson whose audio is older than its text.

The spoken text is the lesson as a reader of the language's default country reads it:
title, summary, rule of thumb and body, without Markdown.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import TYPE_CHECKING

from api.services.lesson_local import choose_country, localize

if TYPE_CHECKING:
    from api.services.lessons import Lesson

AUDIO_DIR = "audio"  # under the lessons directory
# Language -> espeak-ng voice. Pashto has none in Debian's espeak-ng today.
VOICES: dict[str, str] = {
    "en": "en",
    "ur": "ur",
    "bn": "bn",
    "fa-AF": "fa",
    "fa-IR": "fa",
    "ar": "ar",
}
BITRATE_KBPS = 12
WORDS_PER_MINUTE = 140


class AudioToolMissing(RuntimeError):
    pass


def audio_rel(lesson: Lesson) -> str:
    """The audio file of a lesson, relative to the lessons directory."""
    return f"{AUDIO_DIR}/{lesson.lang}/{lesson.path.stem}.opus"


def spoken_text(lesson: Lesson, root: Path) -> str:
    """What the computer voice reads: the lesson for the language's default country."""
    local = localize(lesson, choose_country(root, lesson.lang, None), root)
    h = local.header
    html = "\n".join(local.html_parts)
    body = unescape(re.sub(r"<[^>]+>", " ", html))
    parts = [h.title, h.summary, h.rule_of_thumb, body]
    return re.sub(r"[ \t]+", " ", "\n".join(parts)).strip()


@dataclass(frozen=True)
class Made:
    rel: str
    seconds: float
    size: int


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise AudioToolMissing(f"{name} is not installed (Debian: apt-get install {name})")
    return found


def make_audio(lesson: Lesson, root: Path) -> Made:
    """Speak one lesson into its Opus file (replacing an older one)."""
    voice = VOICES[lesson.lang]
    espeak, opusenc = _tool("espeak-ng"), _tool("opusenc")
    target = root / audio_rel(lesson)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        wav, text = Path(tmp) / "speech.wav", Path(tmp) / "speech.txt"
        text.write_text(spoken_text(lesson, root), encoding="utf-8")
        # The programs are found on PATH and given file names we made, no shell.
        subprocess.run(  # noqa: S603
            [espeak, "-v", voice, "-s", str(WORDS_PER_MINUTE), "-f", str(text), "-w", str(wav)],
            check=True,
            capture_output=True,
        )
        frames = wav.stat().st_size - 44  # 16-bit mono PCM after a 44-byte header
        partial = Path(tmp) / "speech.opus"
        subprocess.run(  # noqa: S603
            [opusenc, "--quiet", "--bitrate", str(BITRATE_KBPS), str(wav), str(partial)],
            check=True,
            capture_output=True,
        )
        # Whole or not at all: a page served while this runs links only a finished file.
        shutil.move(partial, target)
    rate = 22050  # espeak-ng's sample rate
    return Made(audio_rel(lesson), frames / 2 / rate, target.stat().st_size)


def audio_is_fresh(lesson: Lesson, root: Path) -> bool:
    """True when the lesson's audio exists and is not older than its text."""
    audio = root / audio_rel(lesson)
    return audio.is_file() and audio.stat().st_mtime >= lesson.path.stat().st_mtime


def audio_problems(lesson: Lesson, root: Path) -> list[str]:
    """'older than its text' when the lesson's audio file predates the lesson file."""
    if lesson.lang not in VOICES:
        return []
    audio = root / audio_rel(lesson)
    if audio.is_file() and audio.stat().st_mtime < lesson.path.stat().st_mtime:
        return [f"{audio_rel(lesson)} is older than its text: run `remit lessons audio`"]
    return []
