"""Lessons as JSON for partners' apps: `/api/v1/lessons…`.

The lesson JSON never says which choice is right (and carries no feedback, which would
give it away): answers are checked by `POST /api/v1/lessons/{slug}/quiz`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from api.services.compare import BadRequest
from api.services.lesson_local import choose_country, localize
from api.services.lesson_markup import COUNTRIES
from api.services.lesson_quiz import QuizAnswerError, check_quiz
from api.services.lessons import (
    AUDIENCE_FILTERS,
    LESSON_LANGS,
    SOURCE_LANG,
    LessonEntry,
    get_store,
    normalize_lang,
)

lessons_router = APIRouter(prefix="/api/v1/lessons", tags=["lessons"])

LangQuery = Annotated[
    str,
    Query(
        max_length=10,
        description=f"Language: one of {', '.join(LESSON_LANGS)}. Lessons not translated "
        "into it are returned in English with `translated: false`.",
    ),
]
SlugPath = Annotated[str, Path(max_length=64, description="Lesson slug, e.g. fee-and-margin")]


class LessonSummary(BaseModel):
    slug: str
    number: int
    title: str
    summary: str
    minutes: int
    audience: Literal["sender", "receiver", "both"] = Field(
        description="Who the lesson is for: sender, receiver or both."
    )
    audiences: list[Literal["sender", "receiver", "women", "rural", "business", "disability"]] = (
        Field(
            description="Every audience filter the lesson matches (both = sender and receiver), "
            'e.g. ["sender", "receiver", "women"]; /learn?audience=… filters by these.'
        )
    )
    corridors: list[str]
    lang: str = Field(description="Language of the content returned.")
    translated: bool = Field(
        description="True when the lesson exists in the requested language; "
        "false when this is the English fallback."
    )
    needs_review: bool = Field(description="Translation not yet reviewed by a native speaker.")
    live_example: bool


class LessonList(BaseModel):
    lang: str
    lessons: list[LessonSummary]


class FactPublic(BaseModel):
    id: str
    text: str
    source: str
    url: str
    as_of: date
    review_by: date
    countries: list[str] = Field(
        default_factory=list,
        description="Shown only to readers receiving in these countries (empty: everyone).",
    )


class ChoicePublic(BaseModel):
    id: str
    text: str


class QuestionPublic(BaseModel):
    id: str
    question: str
    choices: list[ChoicePublic]


class LessonDetail(LessonSummary):
    rule_of_thumb: str
    review_note: str
    facts: list[FactPublic]
    quiz: list[QuestionPublic]
    audio: str | None = Field(description="Audio file path under /learn/audio/, if any.")
    body_markdown: str = Field(description="Markdown; may contain the {{ live_example }} marker.")
    body_html: str = Field(
        description="Safe HTML; the live example is an empty "
        '<div class="live-example" data-live-example=""> placeholder.'
    )


class QuizAnswers(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answers: dict[Annotated[str, Field(max_length=64)], Annotated[str, Field(max_length=64)]] = (
        Field(description='Question id -> choice id, e.g. {"q1": "b"}', max_length=20)
    )


class AnswerPublic(BaseModel):
    question_id: str
    answer: str | None
    answered: bool
    correct: bool
    correct_choice: str
    feedback: str | None = Field(description="Feedback on the chosen answer.")
    correct_feedback: str = Field(description="Feedback on the correct answer.")


class QuizResultPublic(BaseModel):
    slug: str
    lang: str
    score: int
    total: int
    answered: int = Field(description="How many questions were answered.")
    complete: bool = Field(description="True when every question was answered.")
    results: list[AnswerPublic]


def _lang(value: str) -> str:
    lang = normalize_lang(value)
    if lang is None:
        raise BadRequest(
            "lang", f"unknown language {value!r}: use one of {', '.join(LESSON_LANGS)}"
        )
    return lang


ToQuery = Annotated[
    str | None,
    Query(
        max_length=2,
        description="The country the money goes to; it decides the lesson's examples, "
        f"helplines and ID documents: one of {', '.join(COUNTRIES)}. Default: the "
        "language's usual one.",
    ),
]


def _entry(slug: str, lang: str, to: str | None = None) -> LessonEntry:
    store = get_store()
    entry = store.get(slug, lang)
    if entry is None:
        raise HTTPException(
            status_code=404,
            detail=[
                {"loc": ["path", "slug"], "msg": f"unknown lesson {slug!r}", "type": "not_found"}
            ],
        )
    if to is not None and to.upper() not in COUNTRIES:
        raise BadRequest("to", f"unknown destination {to!r}: use one of {', '.join(COUNTRIES)}")
    country = choose_country(store.root, lang, to)
    return LessonEntry(localize(entry.lesson, country, store.root), entry.requested_lang)


def _summary(e: LessonEntry) -> dict[str, object]:
    h = e.lesson.header
    return {
        "slug": h.slug,
        "number": e.lesson.number,
        "title": h.title,
        "summary": h.summary,
        "minutes": h.minutes,
        "audience": h.role,
        "audiences": list(h.audiences),
        "corridors": list(h.corridors),
        "lang": h.lang,
        "translated": e.translated,
        "needs_review": e.lesson.needs_review,
        "live_example": h.live_example,
    }


AudienceQuery = Annotated[
    str | None,
    Query(
        max_length=20,
        description=f"Only lessons for this audience: one of {', '.join(AUDIENCE_FILTERS)}.",
    ),
]


@lessons_router.get("", response_model=LessonList)
def list_lessons(lang: LangQuery = SOURCE_LANG, audience: AudienceQuery = None) -> LessonList:
    """Every lesson in the requested language, English where not translated."""
    wanted = _lang(lang)
    if audience is not None and audience not in AUDIENCE_FILTERS:
        raise BadRequest(
            "audience",
            f"unknown audience {audience!r}: use one of {', '.join(AUDIENCE_FILTERS)}",
        )
    entries = get_store().list(wanted, audience)
    return LessonList(
        lang=wanted,
        lessons=[LessonSummary.model_validate(_summary(e)) for e in entries],
    )


@lessons_router.get("/{slug}", response_model=LessonDetail)
def get_lesson(slug: SlugPath, lang: LangQuery = SOURCE_LANG, to: ToQuery = None) -> LessonDetail:
    """One lesson: header, facts with sources, quiz questions (without the answers), body,
    written for the reader's destination country (`to`)."""
    e = _entry(slug, _lang(lang), to)
    h = e.lesson.header
    return LessonDetail.model_validate(
        {
            **_summary(e),
            "rule_of_thumb": h.rule_of_thumb,
            "review_note": h.review_note,
            "facts": [f.model_dump() for f in h.facts],
            "quiz": [
                {
                    "id": q.id,
                    "question": q.question,
                    "choices": [{"id": c.id, "text": c.text} for c in q.choices],
                }
                for q in h.quiz
            ],
            "audio": h.audio,
            "body_markdown": e.lesson.body,
            "body_html": e.lesson.body_html,
        }
    )


@lessons_router.post("/{slug}/quiz", response_model=QuizResultPublic)
def check_answers(
    slug: SlugPath, body: QuizAnswers, lang: LangQuery = SOURCE_LANG, to: ToQuery = None
) -> QuizResultPublic:
    """Check quiz answers: per question, right or wrong, the right choice and the feedback."""
    e = _entry(slug, _lang(lang), to)
    if not body.answers:
        raise HTTPException(
            status_code=422,
            detail=[
                {
                    "loc": ["body", "answers"],
                    "msg": "answer at least one question",
                    "type": "value_error",
                }
            ],
        )
    try:
        result = check_quiz(e.lesson, body.answers)
    except QuizAnswerError as exc:
        raise HTTPException(
            status_code=422,
            detail=[
                {"loc": ["body", "answers", exc.field], "msg": exc.message, "type": "value_error"}
            ],
        ) from None
    return QuizResultPublic(
        slug=e.lesson.slug,
        lang=e.lesson.lang,
        score=result.score,
        total=result.total,
        answered=result.answered,
        complete=result.complete,
        results=[
            AnswerPublic(
                question_id=r.question.id,
                answer=r.answer.id if r.answer else None,
                answered=r.answer is not None,
                correct=r.correct,
                correct_choice=r.question.correct_choice.id,
                feedback=r.feedback,
                correct_feedback=r.question.correct_choice.feedback,
            )
            for r in result.results
        ],
    )
