"""The words of the lessons and the web pages: one glossary and one digit system per language.

`lessons/glossary/<lang>.yaml` fixes each key term once (`use`) and lists the other words
readers were given for it (`avoid`), plus letters of another language that must not appear
(`letters_avoid`, e.g. Pashto letters in Dari). `remit lessons check` reports every avoided
word and every Latin digit in the running text of a language that writes other digits
(`api.domain.numerals`), in the lessons and in the gettext catalogs of the web pages.

Pure file reading; called by `check_lessons`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from babel.messages.pofile import read_po

from api.domain.numerals import latin_digit_runs
from api.storage.yamlload import safe_load

if TYPE_CHECKING:
    from api.services.lessons import LessonHeader

GLOSSARY_DIR = "glossary"  # under the lessons directory


@dataclass(frozen=True)
class Term:
    term: str  # the English key term
    use: str  # the one word for it in this language
    avoid: tuple[str, ...]  # other words for it that the check rejects


@dataclass(frozen=True)
class Glossary:
    lang: str
    terms: tuple[Term, ...]
    letters_avoid: tuple[str, ...] = ()

    def problems(self, text: str) -> list[str]:
        """One message per avoided word or letter found in `text`."""
        out = []
        for term in self.terms:
            for word in term.avoid:
                # A word start: "تکه" also catches "تکهٔ" and "تکه‌ها", not "متکه".
                if re.search(r"(?<!\w)" + re.escape(word), text):
                    out.append(
                        f"uses {word!r} for {term.term!r}: the glossary word is {term.use!r}"
                    )
        for letter in self.letters_avoid:
            if letter in text:
                out.append(f"contains the letter {letter!r}, which {self.lang} does not write")
        return out


class GlossaryError(ValueError):
    pass


def _strings(value: object, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise GlossaryError(f"{where} must be a list of non-empty strings")
    return tuple(value)


def read_lang_yaml(
    path: Path, error: type[ValueError], needs: str, kind: type
) -> dict[str, object]:
    """A per-language YAML file under lessons/ (`<lang>.yaml` with `lang: <lang>`) whose
    `needs` field is a `kind`; `error` names what is wrong."""
    try:
        raw = safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise error(f"cannot read: {exc}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get(needs), kind):
        raise error(f"must be a mapping with 'lang' and '{needs}' ({kind.__name__})")
    if raw.get("lang") != path.stem:
        raise error(f"lang is {raw.get('lang')!r} but the file is {path.name}")
    return raw


def load_glossary(path: Path) -> Glossary:
    """Read one glossary file; GlossaryError names what is wrong."""
    raw = read_lang_yaml(path, GlossaryError, "terms", list)
    terms = []
    items = raw["terms"]
    assert isinstance(items, list)
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not all(
            isinstance(item.get(k), str) and item[k].strip() for k in ("term", "use")
        ):
            raise GlossaryError(f"terms[{i}] needs 'term' and 'use'")
        avoid = _strings(item.get("avoid"), f"terms[{i}].avoid")
        if item["use"] in avoid:
            raise GlossaryError(f"terms[{i}]: {item['use']!r} is both used and avoided")
        terms.append(Term(item["term"], item["use"], avoid))
    letters = _strings(raw.get("letters_avoid"), "letters_avoid")
    return Glossary(path.stem, tuple(terms), letters)


# ---------------------------------------------------------------------------------------
# What a reader reads


def lesson_texts(h: LessonHeader, body: str) -> Iterator[tuple[str, str]]:
    """(field, text) for every piece of running text of a lesson (not ids, dates, sources)."""
    yield "title", h.title
    yield "summary", h.summary
    yield "rule_of_thumb", h.rule_of_thumb
    for i, fact in enumerate(h.facts):
        yield f"facts[{i}].text", fact.text
    for i, q in enumerate(h.quiz):
        yield f"quiz[{i}].question", q.question
        for j, c in enumerate(q.choices):
            yield f"quiz[{i}].choices[{j}].text", c.text
            yield f"quiz[{i}].choices[{j}].feedback", c.feedback
    yield "body", body


def catalog_texts(path: Path) -> Iterator[tuple[str, str]]:
    """(msgid, translation) for every translated entry of a .po catalog."""
    with path.open("rb") as fh:
        catalog = read_po(fh)
    for message in catalog:
        if not message.id or not isinstance(message.id, str):
            continue
        if isinstance(message.string, str) and message.string:
            yield message.id, message.string


@dataclass(frozen=True)
class WordProblem:
    file: str  # relative to the lessons directory, or "catalog <lang>"
    field: str
    message: str


def text_problems(
    glossary: Glossary | None, lang: str, texts: Iterable[tuple[str, str]], file: str
) -> list[WordProblem]:
    out = []
    for where, text in texts:
        for message in glossary.problems(text) if glossary else []:
            out.append(WordProblem(file, where, message))
        runs = latin_digit_runs(text, lang)
        if runs:
            shown = ", ".join(dict.fromkeys(runs))
            out.append(
                WordProblem(
                    file,
                    where,
                    f"Latin digits ({shown}) in {lang} text, which writes its own digits",
                )
            )
    return out


def glossaries(root: Path, langs: Iterable[str]) -> tuple[dict[str, Glossary], list[WordProblem]]:
    """Every language's glossary; a language without one, or a broken file, is a problem."""
    found: dict[str, Glossary] = {}
    problems: list[WordProblem] = []
    for lang in langs:
        path = root / GLOSSARY_DIR / f"{lang}.yaml"
        rel = f"{GLOSSARY_DIR}/{lang}.yaml"
        if not path.is_file():
            problems.append(WordProblem(rel, "file", "missing: every language has a glossary"))
            continue
        try:
            found[lang] = load_glossary(path)
        except GlossaryError as exc:
            problems.append(WordProblem(rel, "file", str(exc)))
    return found, problems


def catalog_problems(
    catalogs_dir: Path, glossary: dict[str, Glossary], langs: Iterable[str]
) -> list[WordProblem]:
    """Glossary and digits in the web pages' catalogs (`<dir>/<lang>/LC_MESSAGES/*.po`)."""
    out: list[WordProblem] = []
    for lang in langs:
        path = catalogs_dir / lang / "LC_MESSAGES" / "messages.po"
        if not path.is_file():
            continue
        file = f"catalog {lang}/LC_MESSAGES/messages.po"
        texts = ((f"msgid {msgid[:50]!r}", text) for msgid, text in catalog_texts(path))
        out += text_problems(glossary.get(lang), lang, texts, file)
    return out
