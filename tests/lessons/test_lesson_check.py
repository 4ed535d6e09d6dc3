"""`check_lessons` and `remit lessons check` on the real files and on broken copies."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from api.cli import app
from api.services.lessons import (
    LESSON_LANGS,
    SOURCE_LANG,
    CheckReport,
    Issue,
    IssueKind,
    LessonStore,
    Severity,
    check_lessons,
    parse_lesson,
)
from api.settings import LESSONS_DIR
from tests.lessons.conftest import Edit

# A day on which no real fact is past its review-by date (the earliest is 2026-06-30).
QUIET_DAY = date(2026, 3, 1)
TRANSLATED = [
    "fee-and-margin",
    "reading-a-quote",
    "comparing-providers",
    "formal-vs-informal",
    "scams-and-fraud",
    "payout-options",
]


def find(report: CheckReport, file: str, field: str, kind: IssueKind | None = None) -> list[Issue]:
    return [
        i
        for i in report.issues
        if i.file == file and i.field == field and (kind is None or i.kind is kind)
    ]


# -- the real content -------------------------------------------------------------------


def test_real_lessons_have_no_errors() -> None:
    report = check_lessons(LESSONS_DIR, date.today())
    assert report.errors == [], "\n".join(f"{i.file} {i.field}: {i.message}" for i in report.errors)
    assert report.files == 44
    assert not report.failed(ci=True)


def test_real_lessons_cover_fourteen_english_and_six_in_every_language() -> None:
    report = check_lessons(LESSONS_DIR, QUIET_DAY)
    assert [n for n, _ in report.rows] == list(range(1, 15))
    for lang in LESSON_LANGS[1:]:
        done = [slug for _, slug in report.rows if report.cells[(slug, lang)] != "missing"]
        assert done == TRANSLATED, lang
    assert all(report.cells[(slug, SOURCE_LANG)] == "ok" for _, slug in report.rows)


def test_every_translation_is_marked_for_review_and_that_is_a_warning_only() -> None:
    report = check_lessons(LESSONS_DIR, QUIET_DAY)
    marked = {i.file for i in report.issues if i.kind is IssueKind.TRANSLATION_REVIEW}
    assert len(marked) == 30
    assert all(i.severity is Severity.WARNING for i in report.issues)
    assert not report.failed(ci=False), "no fact is past review-by on QUIET_DAY"


def test_real_facts_past_review_by_are_warnings_that_fail_only_outside_ci() -> None:
    report = check_lessons(LESSONS_DIR, date(2026, 11, 27))
    late = find(report, "en/08-national-incentives.md", "facts[1].review_by", IssueKind.REVIEW_BY)
    assert late and "pk-tt-scheme" in late[0].message
    assert report.errors == []
    assert report.failed(ci=False) and not report.failed(ci=True)


def test_markdown_body_is_rendered_and_live_marker_splits_it() -> None:
    lesson = parse_lesson(LESSONS_DIR / "en" / "01-fee-and-margin.md", LESSONS_DIR)
    assert len(lesson.html_parts) == 2
    assert "<h2>Two prices, not one</h2>" in lesson.html_parts[0]
    assert "{{" not in "".join(lesson.html_parts)
    assert "<h2>What is a good price?</h2>" in lesson.html_parts[1]
    plain = parse_lesson(LESSONS_DIR / "en" / "04-formal-vs-informal.md", LESSONS_DIR)
    assert len(plain.html_parts) == 1


# -- broken copies --------------------------------------------------------------------------


def test_two_correct_answers_is_an_error(lessons_copy: Path, edit: Edit) -> None:
    edit("en/01-fee-and-margin.md", r"correct: false", "correct: true")  # q1 a and b
    report = check_lessons(lessons_copy, QUIET_DAY)
    errors = find(report, "en/01-fee-and-margin.md", "quiz[0]")
    assert errors and errors[0].severity is Severity.ERROR
    assert "exactly one choice must be correct, found 2 (a, b)" in errors[0].message
    assert report.cells[("fee-and-margin", "en")] == "error"
    assert report.failed(ci=True)


def test_no_correct_answer_is_an_error(lessons_copy: Path, edit: Edit) -> None:
    edit("en/06-id-and-kyc.md", r"correct: true", "correct: false")
    report = check_lessons(lessons_copy, QUIET_DAY)
    assert "found 0 (none)" in find(report, "en/06-id-and-kyc.md", "quiz[0]")[0].message


def test_missing_feedback_is_an_error(lessons_copy: Path, edit: Edit) -> None:
    edit("ur/02-reading-a-quote.md", r"^\s+feedback: .*?\n", "\n")
    report = check_lessons(lessons_copy, QUIET_DAY)
    errors = find(report, "ur/02-reading-a-quote.md", "quiz[0].choices[0].feedback")
    assert errors and errors[0].message == "required field is missing"
    assert report.cells[("reading-a-quote", "ur")] == "error"


def test_empty_feedback_is_an_error(lessons_copy: Path, edit: Edit) -> None:
    edit("en/13-your-rights.md", r'feedback: "[^"]*"', 'feedback: "  "')
    report = check_lessons(lessons_copy, QUIET_DAY)
    errors = find(report, "en/13-your-rights.md", "quiz[0].choices[0].feedback")
    assert errors and "at least 1 character" in errors[0].message


def test_translation_with_a_different_correct_answer_is_an_error(
    lessons_copy: Path, edit: Edit
) -> None:
    # ur lesson 3, q1: English says b; make the Urdu file say a.
    edit("ur/03-comparing-providers.md", r"correct: false", "correct: true")
    edit("ur/03-comparing-providers.md", r"(- id: b\n(?:.*?\n)*?\s+correct: )true", r"\1false")
    report = check_lessons(lessons_copy, QUIET_DAY)
    errors = find(report, "ur/03-comparing-providers.md", "quiz[0].choices", IssueKind.CONSISTENCY)
    assert errors and "correct choice is 'a', English 'b'" in errors[0].message
    assert report.failed(ci=True)


def test_translation_with_a_different_quiz_structure_is_an_error(
    lessons_copy: Path, edit: Edit
) -> None:
    edit("bn/05-scams-and-fraud.md", r"- id: q3\n", "- id: q9\n")
    edit("ar/07-payout-options.md", r"(- id: q2\n(?:.*?\n)*?\s+- id: )c\n", r"\1d\n")
    report = check_lessons(lessons_copy, QUIET_DAY)
    q = find(report, "bn/05-scams-and-fraud.md", "quiz", IssueKind.CONSISTENCY)
    assert q and "['q1', 'q2', 'q9']" in q[0].message
    c = find(report, "ar/07-payout-options.md", "quiz[1].choices", IssueKind.CONSISTENCY)
    assert c and "['a', 'b', 'd']" in c[0].message


def test_translation_with_different_fact_ids_is_an_error(lessons_copy: Path, edit: Edit) -> None:
    edit("ps/01-fee-and-margin.md", r"- id: sdg-10c\n", "- id: sdg-10\n")
    report = check_lessons(lessons_copy, QUIET_DAY)
    assert find(report, "ps/01-fee-and-margin.md", "facts", IssueKind.CONSISTENCY)


def test_translation_without_english_and_wrong_lang_are_errors(
    lessons_copy: Path, edit: Edit
) -> None:
    src = lessons_copy / "ur" / "01-fee-and-margin.md"
    orphan = lessons_copy / "ur" / "15-orphan.md"
    orphan.write_text(
        src.read_text(encoding="utf-8").replace("slug: fee-and-margin", "slug: orphan")
    )
    edit("fa-AF/04-formal-vs-informal.md", r"^lang: fa-AF$", "lang: fa")
    report = check_lessons(lessons_copy, QUIET_DAY)
    assert find(report, "ur/15-orphan.md", "slug", IssueKind.CONSISTENCY)
    lang = find(report, "fa-AF/04-formal-vs-informal.md", "lang")
    assert lang and "folder 'fa-AF'" in lang[0].message
    assert (15, "orphan") in report.rows


def test_schema_errors_name_the_field(lessons_copy: Path, edit: Edit) -> None:
    edit("en/09-fewer-larger-transfers.md", r"^minutes: 3$", "minutes: 7")
    edit("en/10-budgeting-two-households.md", r"^audience: both$", "audience: everyone")
    edit("en/11-saving-with-a-goal.md", r"^title: .*?$", "")
    edit(
        "en/12-microfinance-small-business.md", r"url: \"https://mra.gov.bd\"", 'url: "mra.gov.bd"'
    )
    edit("en/13-your-rights.md", r"^audio: null$", "audio: talks/13.mp3\ncolour: red")
    report = check_lessons(lessons_copy, QUIET_DAY)
    assert (
        "less than or equal to 5"
        in find(report, "en/09-fewer-larger-transfers.md", "minutes")[0].message
    )
    assert find(report, "en/10-budgeting-two-households.md", "audience")
    assert (
        find(report, "en/11-saving-with-a-goal.md", "title")[0].message
        == "required field is missing"
    )
    assert find(report, "en/12-microfinance-small-business.md", "facts[1].url")
    assert find(report, "en/13-your-rights.md", "colour")[0].message == "unknown field"
    assert all(i.severity is Severity.ERROR for i in report.errors)


def test_missing_audio_file_is_an_error_and_an_existing_one_is_fine(
    lessons_copy: Path, edit: Edit
) -> None:
    edit("en/14-teaching-the-family.md", r"^audio: null$", "audio: audio/en/14.mp3")
    report = check_lessons(lessons_copy, QUIET_DAY)
    assert "not found" in find(report, "en/14-teaching-the-family.md", "audio")[0].message
    (lessons_copy / "audio" / "en").mkdir(parents=True)
    (lessons_copy / "audio" / "en" / "14.mp3").write_bytes(b"ID3")
    report = check_lessons(lessons_copy, QUIET_DAY)
    assert report.errors == []


def test_live_example_flag_and_marker_must_agree(lessons_copy: Path, edit: Edit) -> None:
    edit("en/02-reading-a-quote.md", r"^\{\{ live_example \}\}$", "")
    edit("en/05-scams-and-fraud.md", r"^## Five habits", "{{ other }}\n\n## Five habits")
    report = check_lessons(lessons_copy, QUIET_DAY)
    assert (
        "needs {{ live_example }} once (found 0)"
        in find(report, "en/02-reading-a-quote.md", "live_example")[0].message
    )
    assert (
        "unknown marker {{ other }}" in find(report, "en/05-scams-and-fraud.md", "body")[0].message
    )


def test_broken_yaml_and_missing_front_matter(lessons_copy: Path) -> None:
    (lessons_copy / "en" / "15-no-header.md").write_text("# Just text\n", encoding="utf-8")
    (lessons_copy / "en" / "16-bad-yaml.md").write_text(
        "---\nslug: [\n---\nbody\n", encoding="utf-8"
    )
    (lessons_copy / "en" / "Notes.md").write_text("---\n---\n", encoding="utf-8")
    (lessons_copy / "de").mkdir()
    (lessons_copy / "de" / "01-fee-and-margin.md").write_text("x", encoding="utf-8")
    report = check_lessons(lessons_copy, QUIET_DAY)
    assert "must start with a '---' line" in find(report, "en/15-no-header.md", "header")[0].message
    assert "YAML does not parse" in find(report, "en/16-bad-yaml.md", "header")[0].message
    assert "NN-slug.md" in find(report, "en/Notes.md", "file")[0].message
    assert "not a known language" in find(report, "de/01-fee-and-margin.md", "lang")[0].message
    assert "de" in report.languages


def test_duplicate_number_is_an_error(lessons_copy: Path) -> None:
    src = lessons_copy / "en" / "06-id-and-kyc.md"
    (lessons_copy / "en" / "06-id-and-kyc-copy.md").write_text(
        src.read_text(encoding="utf-8").replace("slug: id-and-kyc", "slug: id-and-kyc-copy")
    )
    report = check_lessons(lessons_copy, QUIET_DAY)
    assert find(report, "en/06-id-and-kyc.md", "file") or find(
        report, "en/06-id-and-kyc-copy.md", "file"
    )


def test_past_review_by_is_a_warning_not_an_error(lessons_copy: Path, edit: Edit) -> None:
    edit("en/03-comparing-providers.md", r"review_by: 2026-12-31", "review_by: 2026-01-31")
    report = check_lessons(lessons_copy, QUIET_DAY)
    late = find(report, "en/03-comparing-providers.md", "facts[0].review_by")
    assert [i.kind for i in late] == [IssueKind.REVIEW_BY]
    assert late[0].severity is Severity.WARNING
    assert "2026-01-31 has passed: check fact rpw-uk-corridors" in late[0].message
    # the translations still say 2026-12-31: flagged as drift, also a warning
    drift = find(report, "ur/03-comparing-providers.md", "facts[0].review_by", IssueKind.FACT_DRIFT)
    assert drift and drift[0].severity is Severity.WARNING
    assert report.errors == []
    assert report.cells[("comparing-providers", "en")] == "warning"
    assert report.failed(ci=False) and not report.failed(ci=True)


def test_raw_html_in_a_body_is_escaped(lessons_copy: Path, edit: Edit) -> None:
    edit(
        "en/05-scams-and-fraud.md",
        r"^## Five habits",
        "<script>alert(1)</script> [x](javascript:alert(1))\n\n## Five habits",
    )
    lesson = parse_lesson(lessons_copy / "en" / "05-scams-and-fraud.md", lessons_copy)
    html = lesson.html_parts[0]
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript:' not in html


def test_store_reloads_a_file_when_it_changes(lessons_copy: Path, edit: Edit) -> None:
    store = LessonStore(lessons_copy)
    first = store.get("id-and-kyc", "en")
    assert first is not None and first.lesson.header.minutes == 3
    assert store.get("id-and-kyc", "en").lesson is first.lesson  # type: ignore[union-attr]
    path = edit("en/06-id-and-kyc.md", r"^minutes: 3$", "minutes: 4")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    again = store.get("id-and-kyc", "en")
    assert again is not None and again.lesson.header.minutes == 4


def test_store_serves_english_when_a_translation_is_broken(lessons_copy: Path, edit: Edit) -> None:
    edit("ur/01-fee-and-margin.md", r"^minutes: 3$", "minutes: 9")
    entry = LessonStore(lessons_copy).get("fee-and-margin", "ur")
    assert entry is not None and entry.lesson.lang == "en" and not entry.translated


# -- the command ------------------------------------------------------------------------------


def test_cli_check_ci_passes_on_the_real_files() -> None:
    result = CliRunner().invoke(app, ["lessons", "check", "--ci"])
    assert result.exit_code == 0, result.output
    assert "Lessons × languages" in result.output
    assert "passed (ci: only errors fail): 0 error(s)" in result.output


def test_cli_check_strict_fails_on_past_review_by_and_passes_before() -> None:
    late = CliRunner().invoke(app, ["lessons", "check", "--today", "2026-11-27"])
    assert late.exit_code == 1
    assert "fact past its review-by date" in late.output
    assert "en/08-national-incentives.md" in late.output and "facts[1].review_by" in late.output
    early = CliRunner().invoke(app, ["lessons", "check", "--today", QUIET_DAY.isoformat()])
    assert early.exit_code == 0, early.output


def test_cli_check_fails_on_schema_errors_even_in_ci(lessons_copy: Path, edit: Edit) -> None:
    edit("en/01-fee-and-margin.md", r"correct: false", "correct: true")
    result = CliRunner().invoke(app, ["lessons", "check", "--ci", "--dir", str(lessons_copy)])
    assert result.exit_code == 1
    assert "en/01-fee-and-margin.md" in result.output and "quiz[0]" in result.output
    assert "FAILED" in result.output


def test_cli_rejects_a_bad_date() -> None:
    result = CliRunner().invoke(app, ["lessons", "check", "--today", "soon"])
    assert result.exit_code == 2


def test_lesson_for_quote_flags_zero_fee_with_a_margin_of_two_percent_or_more() -> None:
    from decimal import Decimal

    from api.services.lessons import lesson_for_quote

    link = lesson_for_quote(Decimal("0.00"), Decimal("2.0000"))
    assert link is not None and link.slug == "fee-and-margin"
    assert lesson_for_quote(Decimal("0"), Decimal("1.9999")) is None
    assert lesson_for_quote(Decimal("0.01"), Decimal("4")) is None
