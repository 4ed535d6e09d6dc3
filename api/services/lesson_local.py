"""Lessons written for the reader's country: the language decides the words, the
destination decides the examples, helplines, ID documents, wallets and currency.

Two things in a lesson follow the destination country:

- `{{ local.<key> }}` tokens (in the title, summary, rule of thumb, fact texts, quiz and
  body) are replaced by the words of `lessons/local/<lang>.yaml` for that country, e.g.
  `{{ local.wallets }}` is "M-Paisa or HesabPay" for Afghanistan;
- blocks in the body between a line `::: only AF` (one or more country codes) and a line
  `:::` are shown only for those countries;
- a fact with `countries: [PK]` is shown only for those countries.

The destination is the `to` of the route the reader compared (lesson links carry
`?from=&to=`), else the default country of the page language in its local file.
Pure text work; the loader (`api.services.lessons`) validates, this module renders.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from api.services.lesson_markup import (
    COUNTRIES,
    block_countries,
    fill,
    select_blocks,
    tokens,
)
from api.services.lesson_words import read_lang_yaml
from api.services.lessons import Lesson, LessonHeader, body_parts

LOCAL_DIR = "local"  # under the lessons directory


class LocalError(ValueError):
    pass


@dataclass(frozen=True)
class LocalWords:
    """One language's words for each destination country."""

    lang: str
    default: str  # the country when the reader chose none
    countries: dict[str, dict[str, str]]  # country -> key -> words

    def keys(self) -> set[str]:
        return set().union(*(set(v) for v in self.countries.values())) if self.countries else set()


def load_local(path: Path) -> LocalWords:
    raw = read_lang_yaml(path, LocalError, "countries", dict)
    given = raw["countries"]
    assert isinstance(given, dict)
    countries: dict[str, dict[str, str]] = {}
    for code, words in given.items():
        if code not in COUNTRIES:
            raise LocalError(f"countries.{code}: not one of {', '.join(COUNTRIES)}")
        if not isinstance(words, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in words.items()
        ):
            raise LocalError(f"countries.{code}: must map keys to non-empty words")
        countries[code] = dict(words)
    missing = [c for c in COUNTRIES if c not in countries]
    if missing:
        raise LocalError(f"countries: {', '.join(missing)} missing")
    keys = set().union(*(set(v) for v in countries.values()))
    for code, words in countries.items():
        lacking = sorted(keys - set(words))
        if lacking:
            raise LocalError(f"countries.{code}: {', '.join(lacking)} missing")
    default = raw.get("default")
    if default not in countries:
        raise LocalError(f"default {default!r} is not one of the countries")
    return LocalWords(path.stem, default, countries)


@lru_cache(maxsize=32)
def _cached(path: Path, mtime_ns: int, size: int) -> LocalWords:
    return load_local(path)


def local_words(root: Path, lang: str) -> LocalWords | None:
    """The local words of `lang` (cached per file version), None when there are none."""
    path = root / LOCAL_DIR / f"{lang}.yaml"
    try:
        st = path.stat()
        return _cached(path, st.st_mtime_ns, st.st_size)
    except (OSError, LocalError):
        return None


def choose_country(root: Path, lang: str, to: str | None) -> str:
    """The destination a lesson is written for: `to` when we write for it, else the
    page language's default."""
    if to and to.upper() in COUNTRIES:
        return to.upper()
    words = local_words(root, lang)
    return words.default if words else COUNTRIES[0]


def _header_for(h: LessonHeader, country: str, words: dict[str, str]) -> LessonHeader:
    facts = [
        f.model_copy(update={"text": fill(f.text, words)})
        for f in h.facts
        if not f.countries or country in f.countries
    ]
    quiz = [
        q.model_copy(
            update={
                "question": fill(q.question, words),
                "choices": [
                    c.model_copy(
                        update={"text": fill(c.text, words), "feedback": fill(c.feedback, words)}
                    )
                    for c in q.choices
                ],
            }
        )
        for q in h.quiz
    ]
    return h.model_copy(
        update={
            "title": fill(h.title, words),
            "summary": fill(h.summary, words),
            "rule_of_thumb": fill(h.rule_of_thumb, words),
            "facts": facts,
            "quiz": quiz,
        }
    )


def localize(lesson: Lesson, country: str, root: Path) -> Lesson:
    """`lesson` as a reader receiving in `country` reads it."""
    if not uses_local(lesson):
        return lesson
    local = local_words(root, lesson.lang)
    words = local.countries.get(country, {}) if local else {}
    body = fill(select_blocks(lesson.body, country), words)
    parts = body_parts(body, lesson.header.live_example)
    header = _header_for(lesson.header, country, words)
    return dataclasses.replace(lesson, header=header, body=body, html_parts=parts)


def _texts(lesson: Lesson) -> list[str]:
    h = lesson.header
    out = [h.title, h.summary, h.rule_of_thumb, lesson.body, *(f.text for f in h.facts)]
    for q in h.quiz:
        out.append(q.question)
        out += [t for c in q.choices for t in (c.text, c.feedback)]
    return out


def uses_local(lesson: Lesson) -> bool:
    """True when the lesson has anything that depends on the reader's country."""
    return bool(
        tokens(_texts(lesson))
        or block_countries(lesson.body)
        or any(f.countries for f in lesson.header.facts)
    )


# ---------------------------------------------------------------------------------------
# The check


def local_problems(
    root: Path, lessons: dict[str, dict[str, Lesson]], en: dict[str, Lesson]
) -> list[tuple[str, str, str]]:
    """(file, field, message) for: a broken local file; a token a language's local file
    does not define; a translation whose country blocks or fact countries differ from
    English. A language whose lessons use tokens needs a local file."""
    out: list[tuple[str, str, str]] = []
    loaded: dict[str, LocalWords] = {}
    for lang in lessons:
        path = root / LOCAL_DIR / f"{lang}.yaml"
        if path.is_file():
            try:
                loaded[lang] = load_local(path)
            except LocalError as exc:
                out.append((f"{LOCAL_DIR}/{lang}.yaml", "file", str(exc)))
    for lang, by_slug in lessons.items():
        for lesson in sorted(by_slug.values(), key=lambda x: x.rel):
            used = tokens(_texts(lesson))
            local = loaded.get(lang)
            if used and local is None:
                msg = f"uses {{{{ local.* }}}} but {LOCAL_DIR}/{lang}.yaml is missing or broken"
                out.append((lesson.rel, "body", msg))
            elif local is not None:
                for key in sorted(used - local.keys()):
                    msg = f"{{{{ local.{key} }}}} is not defined in {LOCAL_DIR}/{lang}.yaml"
                    out.append((lesson.rel, "body", msg))
            source = en.get(lesson.slug)
            if source is None or source is lesson:
                continue
            if block_countries(lesson.body) != block_countries(source.body):
                msg = (
                    f"country blocks {block_countries(lesson.body)} differ from English "
                    f"{block_countries(source.body)}"
                )
                out.append((lesson.rel, "body", msg))
            en_countries = {f.id: f.countries for f in source.header.facts}
            for i, fact in enumerate(lesson.header.facts):
                if fact.id in en_countries and fact.countries != en_countries[fact.id]:
                    msg = f"countries {fact.countries} differ from English {en_countries[fact.id]}"
                    out.append((lesson.rel, f"facts[{i}].countries", msg))
    return out
