"""The whole-tree check behind `remit lessons check`: schema, consistency across languages,
review-by dates and missing translations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from api.services.lesson_audio import audio_problems
from api.services.lesson_local import LOCAL_DIR, local_problems, local_words
from api.services.lesson_words import catalog_problems, glossaries, lesson_texts, text_problems
from api.services.lessons import (
    FILENAME_RE,
    LESSON_LANGS,
    PARTIAL_LANGS,
    SOURCE_LANG,
    Catalogue,
    Issue,
    IssueKind,
    Lesson,
    LessonStore,
    Severity,
    _error,
    _warning,
    translation_problems,
)


def _fact_drift(en: Lesson, tr: Lesson) -> list[Issue]:
    en_facts = {f.id: f for f in en.header.facts}
    out = []
    for i, fact in enumerate(tr.header.facts):
        src = en_facts.get(fact.id)
        if src is None:
            continue
        if fact.url != src.url:
            out.append(
                _error(
                    tr.rel,
                    f"facts[{i}].url",
                    f"{fact.url} differs from English {src.url}: a fact has one source address",
                    IssueKind.SOURCE_URL,
                )
            )
        for name in ("as_of", "review_by"):
            if getattr(fact, name) != getattr(src, name):
                out.append(
                    _warning(
                        tr.rel,
                        f"facts[{i}].{name}",
                        f"{getattr(fact, name)} differs from English {getattr(src, name)}",
                        IssueKind.FACT_DRIFT,
                    )
                )
    return out


CellStatus = Literal["ok", "review", "warning", "error", "missing", "optional"]


@dataclass
class CheckReport:
    today: date
    languages: list[str]
    rows: list[tuple[int, str]]  # (number, slug): English lessons, then orphans
    cells: dict[tuple[str, str], CellStatus]  # (slug, lang) -> status
    issues: list[Issue]
    files: int

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity is Severity.WARNING]

    def failed(self, ci: bool) -> bool:
        """CI: only errors fail. Otherwise facts past their review-by date fail too."""
        if self.errors:
            return True
        return not ci and any(i.kind is IssueKind.REVIEW_BY for i in self.issues)


def _file_checks(lesson: Lesson, en: dict[str, Lesson], today: date) -> list[Issue]:
    rel, out = lesson.rel, []
    for i, fact in enumerate(lesson.header.facts):
        if fact.as_of > today:
            out.append(_error(rel, f"facts[{i}].as_of", f"{fact.as_of} is in the future"))
        if fact.review_by < today:
            msg = f"{fact.review_by} has passed: check fact {fact.id} ({fact.source}, {fact.url})"
            out.append(_warning(rel, f"facts[{i}].review_by", msg, IssueKind.REVIEW_BY))
    if lesson.lang == SOURCE_LANG:
        return out
    source = en.get(lesson.slug)
    if source is None:
        msg = f"{lesson.slug!r} has no English lesson in {SOURCE_LANG}/"
        return [*out, _error(rel, "slug", msg, IssueKind.CONSISTENCY)]
    out += translation_problems(source, lesson)
    out += _fact_drift(source, lesson)
    if lesson.needs_review:
        note = lesson.header.review_note
        out.append(_warning(rel, "review_note", note, IssueKind.TRANSLATION_REVIEW))
    return out


def _source_url_checks(en: dict[str, Lesson]) -> list[Issue]:
    """One address per fact: the same fact id cites the same URL in every English lesson,
    and two different facts of one lesson should not cite the same address (a warning:
    link each fact's own document, or merge the facts)."""
    out: list[Issue] = []
    first: dict[str, tuple[str, str]] = {}  # fact id -> (url, file)
    for lesson in sorted(en.values(), key=lambda x: (x.number, x.slug)):
        seen: dict[str, str] = {}  # url -> fact id, within this lesson
        for i, fact in enumerate(lesson.header.facts):
            known = first.setdefault(fact.id, (fact.url, lesson.rel))
            if known[0] != fact.url:
                msg = (
                    f"fact {fact.id} cites {fact.url} but {known[1]} cites {known[0]} "
                    "for the same fact id: a fact has one source address"
                )
                out.append(_error(lesson.rel, f"facts[{i}].url", msg, IssueKind.SOURCE_URL))
            other = seen.setdefault(fact.url, fact.id)
            if other != fact.id:
                msg = (
                    f"facts {other} and {fact.id} both cite {fact.url}: "
                    "link the specific document of each fact, or merge them"
                )
                out.append(_warning(lesson.rel, f"facts[{i}].url", msg, IssueKind.SOURCE_URL))
    return out


def _missing_translations(cat: Catalogue, en: dict[str, Lesson]) -> list[Issue]:
    """Every English lesson must exist in every language (a file, even a broken one)."""
    out: list[Issue] = []
    for lang in LESSON_LANGS:
        if lang == SOURCE_LANG:
            continue
        present = set()
        for rel in cat.files.get(lang, []):
            m = FILENAME_RE.match(rel.rsplit("/", 1)[-1])
            if m is not None:
                present.add(m["slug"])
        for lesson in sorted(en.values(), key=lambda x: (x.number, x.slug)):
            if lang in PARTIAL_LANGS and lesson.slug not in PARTIAL_LANGS[lang]:
                continue
            if lesson.slug not in present:
                rel = f"{lang}/{lesson.path.name}"
                msg = f"{lesson.slug!r} is not translated into {lang} (expected {rel})"
                out.append(_error(rel, "file", msg, IssueKind.MISSING))
    return out


def _cell(found: list[Issue]) -> CellStatus:
    if any(i.severity is Severity.ERROR for i in found):
        return "error"
    if any(i.kind is not IssueKind.TRANSLATION_REVIEW for i in found):
        return "warning"
    return "review" if found else "ok"


def _content_checks(root: Path, cat: Catalogue, catalogs: Path | None) -> list[Issue]:
    """Glossary words and digits in every lesson and (given `catalogs`) web page catalog;
    the country words every lesson uses, and translations keeping English's country rules."""
    en = cat.lessons.get(SOURCE_LANG, {})
    local = [
        _error(file, field, message, IssueKind.COUNTRY)
        for file, field, message in local_problems(root, cat.lessons, en)
    ]
    local += [
        _error(lesson.rel, "audio", message, IssueKind.AUDIO)
        for by_slug in cat.lessons.values()
        for lesson in by_slug.values()
        for message in audio_problems(lesson, root)
    ]
    found, problems = glossaries(root, LESSON_LANGS)
    for lang, by_slug in cat.lessons.items():
        for lesson in by_slug.values():
            texts = lesson_texts(lesson.header, lesson.body)
            problems += text_problems(found.get(lang), lang, texts, lesson.rel)
    for lang in LESSON_LANGS:
        words = local_words(root, lang)
        if words is not None:
            texts = (
                (f"countries.{c}.{k}", v) for c, d in words.countries.items() for k, v in d.items()
            )
            problems += text_problems(found.get(lang), lang, texts, f"{LOCAL_DIR}/{lang}.yaml")
    if catalogs is not None:
        problems += catalog_problems(catalogs, found, LESSON_LANGS)
    return local + [_error(p.file, p.field, p.message, IssueKind.WORDS) for p in problems]


def check_lessons(root: Path, today: date, catalogs: Path | None = None) -> CheckReport:
    """Validate every lesson file under `root` (a fresh read; nothing cached), and with
    `catalogs` (web/translations) the web pages' words against the same glossaries."""
    cat = LessonStore(root).catalogue()
    issues = list(cat.file_issues)
    if not root.is_dir():
        issues.append(_error(str(root), "lessons", "directory not found"))
    en = cat.lessons.get(SOURCE_LANG, {})
    if not en:
        issues.append(_error(f"{SOURCE_LANG}/", "lessons", "no valid English lessons"))
    for lang in LESSON_LANGS:
        numbers: dict[int, str] = {}
        for lesson in sorted(cat.lessons.get(lang, {}).values(), key=lambda x: x.rel):
            if lesson.number in numbers:
                msg = f"number {lesson.number:02d} is used by {numbers[lesson.number]} too"
                issues.append(_error(lesson.rel, "file", msg))
            numbers.setdefault(lesson.number, lesson.rel)
            issues += _file_checks(lesson, en, today)

    issues += _source_url_checks(en)
    issues += _missing_translations(cat, en)
    issues += _content_checks(root, cat, catalogs)

    # The lessons x languages matrix, one cell per file (broken files included).
    by_file: dict[str, list[Issue]] = {}
    for issue in issues:
        by_file.setdefault(issue.file, []).append(issue)
    rows: dict[str, int] = {lesson.slug: lesson.number for lesson in en.values()}
    cells: dict[tuple[str, str], CellStatus] = {}
    for folder, rels in cat.files.items():
        for rel in rels:
            m = FILENAME_RE.match(rel.rsplit("/", 1)[-1])
            slug, number = (m["slug"], int(m["number"])) if m else (rel, 99)
            rows.setdefault(slug, number)
            cells[(slug, folder)] = _cell(by_file.get(rel, []))
    languages = list(LESSON_LANGS) + sorted(set(cat.files) - set(LESSON_LANGS))
    for slug in rows:
        for lang in languages:
            optional = lang in PARTIAL_LANGS and slug not in PARTIAL_LANGS[lang]
            cells.setdefault((slug, lang), "optional" if optional else "missing")
    return CheckReport(
        today=today,
        languages=languages,
        rows=sorted(((n, s) for s, n in rows.items())),
        cells=cells,
        issues=sorted(issues, key=lambda i: (i.severity != Severity.ERROR, i.file, i.field)),
        files=sum(len(v) for v in cat.files.values()),
    )
