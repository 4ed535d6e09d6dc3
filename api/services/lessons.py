"""Financial-literacy lessons: load, validate and look up the files in `lessons/<lang>/`.

One file per lesson and language, `NN-slug.md`: a YAML front-matter header between two
`---` lines, then a Markdown body. English (`en`) is the source; every other language
folder holds translations that must keep the same slugs, numbers, quiz structure (question
ids, choice ids, the correct choice) and fact ids as English.

Loading is validation: a file that breaks the schema is never served. `check_lessons`
(`api.services.lesson_check`) walks the whole tree and reports errors (schema, consistency
across languages) and warnings (facts past their review-by date, translations marked for
review). Parsed lessons are cached per file and reloaded when the file's mtime or size changes.

Pure file work: no database, no HTTP. The web pages and the JSON API both read lessons
through `LessonStore`, the live worked example lives in `api.services.live_example`, quiz
checking in `api.services.lesson_quiz`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from pathlib import Path, PurePosixPath
from typing import Annotated, Literal, get_args
from urllib.parse import urlsplit

import yaml
from markdown_it import MarkdownIt
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from api.services.lesson_markup import COUNTRIES, TOKEN_RE, block_problems
from api.settings import LESSONS_DIR
from api.storage.yamlload import safe_load

# The web pages' language codes; English is the source every translation is checked against.
LESSON_LANGS: tuple[str, ...] = ("en", "ur", "fa-AF", "fa-IR", "ps", "bn", "ar")
# Languages that hold only some lessons: Persian of Iran (fa-IR) the lessons that concern
# Iran and the one every reader needs; the others are shown in English there, marked.
PARTIAL_LANGS: dict[str, frozenset[str]] = {
    "fa-IR": frozenset({"formal-vs-informal", "payout-options", "money-with-a-disability"}),
}
SOURCE_LANG = "en"
LIVE_MARKER = "{{ live_example }}"
AUDIO_SUFFIXES = frozenset({".mp3", ".ogg", ".oga", ".opus", ".m4a", ".webm"})
# A quote with no fee but at least this exchange-rate margin (in %) gets the lesson link.
HIGH_MARGIN_PCT = Decimal(2)

FILENAME_RE = re.compile(r"^(?P<number>\d{2})-(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)\.md$")
FRONT_MATTER_RE = re.compile(
    r"\A---[ \t]*\r?\n(?P<header>.*?)\r?\n---[ \t]*(?:\r?\n|\Z)(?P<body>.*)\Z", re.S
)
MARKER_RE = re.compile(r"\{\{.*?\}\}")

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


# ---------------------------------------------------------------------------------------
# Header schema


Line120 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Line200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Line250 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=250)]
Line300 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Line400 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=400)]
Line600 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=600)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=64)]
Ident = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$", max_length=64)]
HttpUrlText = Annotated[
    str, StringConstraints(pattern=r"^https?://[^\s/?#]+\.[^\s]*$", max_length=500)
]
CorridorCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}-[A-Z]{2}$")]
# A destination the lessons are written for (see api.services.lesson_local).
Destination = Literal["PK", "BD", "AF", "IQ", "IR"]
assert get_args(Destination) == COUNTRIES
# Who a lesson is for: its role (sender, receiver or both) and the groups it speaks to.
Audience = Literal["sender", "receiver", "both", "women", "rural", "business", "disability"]
ROLES: tuple[str, ...] = ("sender", "receiver", "both")
# The values /learn filters by ("both" counts as sender and receiver).
AUDIENCE_FILTERS: tuple[str, ...] = (
    "sender",
    "receiver",
    "women",
    "rural",
    "business",
    "disability",
)


class _Header(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


HOST_LABEL_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def url_problem(url: str) -> str | None:
    """Why `url` is not a well-formed absolute http(s) address, or None when it is."""
    if url != url.strip() or any(ch.isspace() for ch in url):
        return "must not contain spaces"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return f"does not parse as a URL ({exc})"
    if parts.scheme not in {"http", "https"}:
        return "must start with http:// or https://"
    if parts.username is not None or parts.password is not None:
        return "must not contain a user name or password"
    host = (parts.hostname or "").rstrip(".")
    labels = host.split(".")
    if len(labels) < 2 or not all(HOST_LABEL_RE.match(label) for label in labels):
        return f"host {parts.hostname or '(none)'!r} is not a domain name such as example.org"
    if labels[-1].isdigit():
        return f"host {host!r} must be a domain name, not an IP address"
    if port is not None and not 0 < port < 65536:
        return f"port {port} is out of range"
    return None


class Fact(_Header):
    id: Ident
    text: Line600
    source: Line300
    url: HttpUrlText
    as_of: date
    review_by: date
    # Shown only to readers receiving in these countries (none: to every reader).
    countries: list[Destination] = Field(default_factory=list)

    @field_validator("url")
    @classmethod
    def _well_formed_url(cls, value: str) -> str:
        problem = url_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _dates_in_order(self) -> Fact:
        if self.review_by < self.as_of:
            raise ValueError(f"review_by {self.review_by} is before as_of {self.as_of}")
        return self


class Choice(_Header):
    id: Ident
    text: Line200
    correct: StrictBool
    feedback: Line400


class Question(_Header):
    id: Ident
    question: Line300
    choices: list[Choice] = Field(min_length=2, max_length=6)

    @model_validator(mode="after")
    def _one_correct_unique_ids(self) -> Question:
        ids = [c.id for c in self.choices]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"choice ids must be unique, repeated: {', '.join(dupes)}")
        correct = [c.id for c in self.choices if c.correct]
        if len(correct) != 1:
            found = ", ".join(correct) if correct else "none"
            raise ValueError(f"exactly one choice must be correct, found {len(correct)} ({found})")
        return self

    @property
    def correct_choice(self) -> Choice:
        return next(c for c in self.choices if c.correct)

    def choice(self, choice_id: str) -> Choice | None:
        return next((c for c in self.choices if c.id == choice_id), None)


class LessonHeader(_Header):
    slug: Slug
    lang: str
    title: Line120
    summary: Line300
    minutes: Annotated[int, Field(strict=True, ge=2, le=5)]
    # One value or a list: `sender`, `receiver` or `both` (at most one of them; none means
    # both) and any of `women`, `rural`, `business`, e.g. `[both, women]`.
    audience: tuple[Audience, ...]
    corridors: list[CorridorCode] = Field(default_factory=list)
    rule_of_thumb: Line250
    live_example: StrictBool = False
    review_note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] = ""
    facts: list[Fact] = Field(min_length=1, max_length=10)
    quiz: list[Question] = Field(min_length=1, max_length=6)
    audio: str | None = None

    @field_validator("audience", mode="before")
    @classmethod
    def _audience_list(cls, value: object) -> object:
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list | tuple) or not values:
            raise ValueError("must be one value or a non-empty list of values")
        if len(set(values)) != len(values):
            raise ValueError("values must not repeat")
        if sum(1 for v in values if v in ROLES) > 1:
            raise ValueError("at most one of sender, receiver, both")
        return tuple(values)

    @property
    def role(self) -> Literal["sender", "receiver", "both"]:
        """sender, receiver or both (the default when only groups are named)."""
        for value in self.audience:
            if value == "sender" or value == "receiver":
                return value
        return "both"

    @property
    def groups(self) -> tuple[str, ...]:
        """The groups named besides the role, e.g. ("women",)."""
        return tuple(v for v in self.audience if v not in ROLES)

    @property
    def audiences(self) -> tuple[str, ...]:
        """Every /learn filter value this lesson matches, in AUDIENCE_FILTERS order."""
        role = self.role
        wanted = {"sender", "receiver"} if role == "both" else {role}
        wanted |= set(self.groups)
        return tuple(a for a in AUDIENCE_FILTERS if a in wanted)

    @field_validator("audio")
    @classmethod
    def _audio_path(cls, value: str | None) -> str | None:
        if value is None or value.strip() == "":
            return None
        path = PurePosixPath(value.strip())
        if path.is_absolute() or ".." in path.parts or "\\" in value:
            raise ValueError("must be a relative path inside lessons/ without '..'")
        if path.suffix.lower() not in AUDIO_SUFFIXES:
            raise ValueError(f"must end in one of {', '.join(sorted(AUDIO_SUFFIXES))}")
        return path.as_posix()

    @model_validator(mode="after")
    def _unique_ids(self) -> LessonHeader:
        for what, ids in (
            ("fact", [f.id for f in self.facts]),
            ("question", [q.id for q in self.quiz]),
        ):
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            if dupes:
                raise ValueError(f"{what} ids must be unique, repeated: {', '.join(dupes)}")
        return self

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.quiz if q.id == question_id), None)


# ---------------------------------------------------------------------------------------
# Loaded lessons and problems


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class IssueKind(StrEnum):
    SCHEMA = "schema"  # the file itself is wrong
    CONSISTENCY = "consistency"  # a translation does not match English
    REVIEW_BY = "review_by"  # a fact is past its review-by date
    TRANSLATION_REVIEW = "translation_review"  # a translation is marked for review
    FACT_DRIFT = "fact_drift"  # a translated fact's source/dates differ from English
    MISSING = "missing"  # an English lesson has no translation in a language
    SOURCE_URL = "source_url"  # a fact's address is not unique to it
    WORDS = "words"  # a word the glossary avoids, or another language's digits
    COUNTRY = "country"  # a lesson's words for the reader's country (lessons/local)
    AUDIO = "audio"  # a lesson's computer-voice audio is older than its text


@dataclass(frozen=True)
class Issue:
    severity: Severity
    kind: IssueKind
    file: str
    field: str
    message: str


def _error(file: str, field: str, message: str, kind: IssueKind = IssueKind.SCHEMA) -> Issue:
    return Issue(Severity.ERROR, kind, file, field, message)


def _warning(file: str, field: str, message: str, kind: IssueKind) -> Issue:
    return Issue(Severity.WARNING, kind, file, field, message)


@dataclass(frozen=True)
class Lesson:
    header: LessonHeader
    number: int
    path: Path
    rel: str  # path relative to the lessons directory, e.g. "ur/01-fee-and-margin.md"
    body: str  # Markdown source
    # HTML of the body; with a live example the marker splits it into [before, after].
    html_parts: tuple[str, ...]

    @property
    def slug(self) -> str:
        return self.header.slug

    @property
    def lang(self) -> str:
        return self.header.lang

    @property
    def is_translation(self) -> bool:
        return self.lang != SOURCE_LANG

    @property
    def needs_review(self) -> bool:
        return bool(self.header.review_note)

    @property
    def body_html(self) -> str:
        """The whole body as HTML, the live-example marker as an empty placeholder element."""
        return '<div class="live-example" data-live-example=""></div>\n'.join(self.html_parts)


class LessonFileError(ValueError):
    def __init__(self, issues: list[Issue]) -> None:
        super().__init__("; ".join(f"{i.file}: {i.field}: {i.message}" for i in issues))
        self.issues = issues


def render_markdown(source: str) -> str:
    """Markdown to HTML. Raw HTML in the source is escaped, unsafe link schemes are dropped."""
    html: str = _md.render(source)
    return html


def _loc(loc: Iterable[int | str]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "header"


def _pydantic_issues(rel: str, exc: ValidationError) -> list[Issue]:
    issues = []
    for err in exc.errors(include_url=False):
        msg = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] in {"missing", "extra_forbidden"}:
            msg = "required field is missing" if err["type"] == "missing" else "unknown field"
        elif "input" in err and err["type"] not in {"value_error"}:
            shown = repr(err["input"])
            msg = f"{msg} (got {shown[:60]})"
        issues.append(_error(rel, _loc(err["loc"]), msg))
    return issues


def parse_lesson(path: Path, root: Path) -> Lesson:
    """Read and validate one lesson file; raise LessonFileError with every problem found."""
    rel = path.relative_to(root).as_posix()
    folder = path.parent.name
    issues: list[Issue] = []
    m = FILENAME_RE.match(path.name)
    if m is None:
        raise LessonFileError(
            [_error(rel, "file", "file name must be NN-slug.md, e.g. 01-fee-and-margin.md")]
        )
    try:
        text = path.read_text(encoding="utf-8").removeprefix("\ufeff")
    except (OSError, UnicodeDecodeError) as exc:
        raise LessonFileError([_error(rel, "file", f"cannot read as UTF-8: {exc}")]) from None
    fm = FRONT_MATTER_RE.match(text)
    if fm is None:
        raise LessonFileError(
            [
                _error(
                    rel, "header", "must start with a '---' line and a YAML header closed by '---'"
                )
            ]
        )
    try:
        raw = safe_load(fm["header"])
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        raise LessonFileError(
            [_error(rel, "header", f"YAML does not parse{where}: {getattr(exc, 'problem', exc)}")]
        ) from None
    if not isinstance(raw, dict):
        raise LessonFileError([_error(rel, "header", "YAML header must be a mapping of fields")])
    try:
        header = LessonHeader.model_validate(raw)
    except ValidationError as exc:
        raise LessonFileError(_pydantic_issues(rel, exc)) from None

    if header.lang != folder:
        issues.append(
            _error(rel, "lang", f"is {header.lang!r} but the file is in folder {folder!r}")
        )
    if header.slug != m["slug"]:
        issues.append(
            _error(rel, "slug", f"is {header.slug!r} but the file name says {m['slug']!r}")
        )
    if header.audio is not None and not (root / header.audio).is_file():
        issues.append(_error(rel, "audio", f"file {header.audio} not found under lessons/"))
    body = fm["body"].strip("\n")
    if not body.strip():
        issues.append(_error(rel, "body", "is empty"))
    marker_lines = [ln for ln in body.splitlines() if ln.strip() == LIVE_MARKER]
    for other in MARKER_RE.findall(body):
        if other != LIVE_MARKER and not TOKEN_RE.fullmatch(other):
            msg = f"unknown marker {other}; only {LIVE_MARKER} and {{{{ local.<key> }}}} exist"
            issues.append(_error(rel, "body", msg))
    for problem in block_problems(body):
        issues.append(_error(rel, "body", problem))
    if body.count(LIVE_MARKER) != len(marker_lines):
        issues.append(_error(rel, "body", f"{LIVE_MARKER} must stand alone on its own line"))
    if header.live_example and len(marker_lines) != 1:
        issues.append(
            _error(
                rel,
                "live_example",
                f"is true: the body needs {LIVE_MARKER} once (found {len(marker_lines)})",
            )
        )
    if not header.live_example and marker_lines:
        issues.append(_error(rel, "live_example", f"is false but the body contains {LIVE_MARKER}"))
    if issues:
        raise LessonFileError(issues)
    return Lesson(header, int(m["number"]), path, rel, body, body_parts(body, header.live_example))


def body_parts(body: str, live_example: bool) -> tuple[str, ...]:
    """The body as HTML; with a live example the marker splits it into [before, after]."""
    if live_example:
        before, after = re.split(
            r"^[ \t]*" + re.escape(LIVE_MARKER) + r"[ \t]*$", body, maxsplit=1, flags=re.M
        )
        return (render_markdown(before), render_markdown(after))
    return (render_markdown(body),)


# ---------------------------------------------------------------------------------------
# The store: every lesson, cached per file


@dataclass
class Catalogue:
    """Everything under the lessons directory at one moment."""

    lessons: dict[str, dict[str, Lesson]] = field(default_factory=dict)  # lang -> slug -> lesson
    file_issues: list[Issue] = field(default_factory=list)
    files: dict[str, list[str]] = field(default_factory=dict)  # lang -> relative paths

    def get(self, lang: str, slug: str) -> Lesson | None:
        return self.lessons.get(lang, {}).get(slug)

    def source(self) -> list[Lesson]:
        """English lessons in lesson order."""
        return sorted(self.lessons.get(SOURCE_LANG, {}).values(), key=lambda x: (x.number, x.slug))


@dataclass(frozen=True)
class LessonEntry:
    """One row of a lesson list in a language: the lesson itself or its English fallback."""

    lesson: Lesson
    requested_lang: str

    @property
    def translated(self) -> bool:
        """True when the lesson is available in the requested language."""
        return self.lesson.lang == self.requested_lang


class LessonStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()
        self._cache: dict[Path, tuple[tuple[int, int], Lesson | LessonFileError]] = {}

    def _load(self, path: Path) -> Lesson | LessonFileError:
        st = path.stat()
        key = (st.st_mtime_ns, st.st_size)
        with self._lock:
            hit = self._cache.get(path)
        if hit is not None and hit[0] == key:
            return hit[1]
        result: Lesson | LessonFileError
        try:
            result = parse_lesson(path, self.root)
        except LessonFileError as exc:
            result = exc
        with self._lock:
            self._cache[path] = (key, result)
        return result

    def _lesson_files(self) -> Iterator[tuple[str, Path]]:
        if not self.root.is_dir():
            return
        for folder in sorted(p for p in self.root.iterdir() if p.is_dir()):
            if folder.name.startswith((".", "_")):
                continue
            for path in sorted(folder.glob("*.md")):
                yield folder.name, path

    def catalogue(self) -> Catalogue:
        cat = Catalogue()
        for folder, path in self._lesson_files():
            rel = path.relative_to(self.root).as_posix()
            cat.files.setdefault(folder, []).append(rel)
            if folder not in LESSON_LANGS:
                cat.file_issues.append(
                    _error(
                        rel,
                        "lang",
                        f"folder {folder!r} is not a known language ({', '.join(LESSON_LANGS)})",
                    )
                )
                continue
            loaded = self._load(path)
            if isinstance(loaded, LessonFileError):
                cat.file_issues.extend(loaded.issues)
                continue
            by_slug = cat.lessons.setdefault(folder, {})
            if loaded.slug in by_slug:
                cat.file_issues.append(
                    _error(
                        rel, "slug", f"{loaded.slug!r} is used by {by_slug[loaded.slug].rel} too"
                    )
                )
                continue
            by_slug[loaded.slug] = loaded
        return cat

    def list(self, lang: str, audience: str | None = None) -> list[LessonEntry]:
        """Lessons in `lang`, English where not translated, in lesson order.

        `audience` (one of AUDIENCE_FILTERS) keeps only the lessons for that audience.
        A translation is served only when its English source exists and it passes the
        cross-language check (see `translation_problems`), so a half-done translation
        cannot show a quiz that differs from English.
        """
        cat = self.catalogue()
        out: list[LessonEntry] = []
        for en in cat.source():
            if audience is not None and audience not in en.header.audiences:
                continue
            out.append(LessonEntry(self._pick(cat, en, lang), lang))
        return out

    def get(self, slug: str, lang: str) -> LessonEntry | None:
        cat = self.catalogue()
        en = cat.get(SOURCE_LANG, slug)
        if en is None:
            return None
        return LessonEntry(self._pick(cat, en, lang), lang)

    @staticmethod
    def _pick(cat: Catalogue, en: Lesson, lang: str) -> Lesson:
        tr = cat.get(lang, en.slug)
        if tr is None or translation_problems(en, tr):
            return en
        return tr


_stores: dict[Path, LessonStore] = {}
_stores_lock = threading.Lock()


def get_store(root: Path | None = None) -> LessonStore:
    """The shared store for a lessons directory (default: the repository's `lessons/`)."""
    key = (root or LESSONS_DIR).resolve()
    with _stores_lock:
        store = _stores.get(key)
        if store is None:
            store = _stores[key] = LessonStore(key)
        return store


def normalize_lang(value: str) -> str | None:
    """Map a language code to one of LESSON_LANGS, case-insensitively (`fa-af` -> `fa-AF`)."""
    wanted = value.strip().replace("_", "-").lower()
    return next((lang for lang in LESSON_LANGS if lang.lower() == wanted), None)


# ---------------------------------------------------------------------------------------
# The comparison page hook


@dataclass(frozen=True)
class LessonLink:
    slug: str
    reason: str  # why it is offered: "zero_fee_high_margin"


MARGIN_LESSON = "fee-and-margin"


def zero_fee_high_margin(fee: Decimal, fx_margin_pct: Decimal) -> bool:
    """True for a quote that advertises no fee but hides a high margin in the rate."""
    return fee == 0 and fx_margin_pct >= HIGH_MARGIN_PCT


def lesson_for_quote(fee: Decimal, fx_margin_pct: Decimal) -> LessonLink | None:
    """The lesson to offer next to one quote at the point of decision, if any."""
    if zero_fee_high_margin(fee, fx_margin_pct):
        return LessonLink(MARGIN_LESSON, "zero_fee_high_margin")
    return None


# ---------------------------------------------------------------------------------------
# How a translation differs from English (the store serves English instead)


def translation_problems(en: Lesson, tr: Lesson) -> list[Issue]:
    """How a translation differs from English in structure (errors)."""
    rel, out = tr.rel, []
    if tr.number != en.number:
        out.append(
            _error(
                rel,
                "file",
                f"number {tr.number:02d} differs from English {en.rel}",
                IssueKind.CONSISTENCY,
            )
        )
    if tr.header.live_example != en.header.live_example:
        out.append(
            _error(
                rel,
                "live_example",
                f"is {tr.header.live_example} but English says {en.header.live_example}",
                IssueKind.CONSISTENCY,
            )
        )
    if tr.header.audience != en.header.audience:
        out.append(
            _error(
                rel,
                "audience",
                f"is {list(tr.header.audience)} but English says {list(en.header.audience)}",
                IssueKind.CONSISTENCY,
            )
        )
    en_facts = [f.id for f in en.header.facts]
    tr_facts = [f.id for f in tr.header.facts]
    if tr_facts != en_facts:
        out.append(
            _error(
                rel,
                "facts",
                f"fact ids {tr_facts} differ from English {en_facts}",
                IssueKind.CONSISTENCY,
            )
        )
    en_q = [q.id for q in en.header.quiz]
    tr_q = [q.id for q in tr.header.quiz]
    if tr_q != en_q:
        out.append(
            _error(
                rel,
                "quiz",
                f"question ids {tr_q} differ from English {en_q}",
                IssueKind.CONSISTENCY,
            )
        )
        return out
    for i, (eq, tq) in enumerate(zip(en.header.quiz, tr.header.quiz, strict=True)):
        e_ids, t_ids = [c.id for c in eq.choices], [c.id for c in tq.choices]
        if t_ids != e_ids:
            out.append(
                _error(
                    rel,
                    f"quiz[{i}].choices",
                    f"choice ids {t_ids} differ from English {e_ids}",
                    IssueKind.CONSISTENCY,
                )
            )
        elif tq.correct_choice.id != eq.correct_choice.id:
            out.append(
                _error(
                    rel,
                    f"quiz[{i}].choices",
                    f"correct choice is {tq.correct_choice.id!r}, English {eq.correct_choice.id!r}",
                    IssueKind.CONSISTENCY,
                )
            )
    return out
