"""Quiz checking for a lesson, shared by the page and the JSON API."""

from __future__ import annotations

from dataclasses import dataclass

from api.services.lessons import (
    Choice,
    Lesson,
    Question,
)


@dataclass(frozen=True)
class AnswerResult:
    question: Question
    answer: Choice | None  # None: not answered
    correct: bool

    @property
    def feedback(self) -> str | None:
        return self.answer.feedback if self.answer is not None else None


@dataclass(frozen=True)
class QuizResult:
    results: list[AnswerResult]

    @property
    def score(self) -> int:
        return sum(1 for r in self.results if r.correct)

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def answered(self) -> int:
        return sum(1 for r in self.results if r.answer is not None)

    @property
    def complete(self) -> bool:
        return all(r.answer is not None for r in self.results)

    @property
    def empty(self) -> bool:
        """Nothing answered: ask for answers instead of scoring 0 of N."""
        return self.answered == 0


class QuizAnswerError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def check_quiz(lesson: Lesson, answers: dict[str, str]) -> QuizResult:
    """Check answers ({question id: choice id}); unanswered questions count as wrong.

    Raises QuizAnswerError naming the field for an unknown question or choice id.
    """
    for qid, cid in answers.items():
        question = lesson.header.question(qid)
        if question is None:
            raise QuizAnswerError(qid, f"unknown question {qid!r}")
        if question.choice(cid) is None:
            raise QuizAnswerError(qid, f"unknown choice {cid!r} for question {qid!r}")
    results = []
    for question in lesson.header.quiz:
        answer = answers.get(question.id)
        choice = question.choice(answer) if answer is not None else None
        results.append(AnswerResult(question, choice, bool(choice and choice.correct)))
    return QuizResult(results)
