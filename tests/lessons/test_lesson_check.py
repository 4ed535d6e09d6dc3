"""`check_lessons` and `remit lessons check` on the real files and on broken copies."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from api.services.lesson_check import CheckReport, check_lessons
from api.services.lessons import (
    LESSON_LANGS,
    PARTIAL_LANGS,
    SOURCE_LANG,
    Issue,
    IssueKind,
    LessonStore,
    Severity,
    parse_lesson,
    url_problem,
)
from api.settings import LESSONS_DIR
from remit.cli.main import app
from tests.lessons.conftest import Edit

# A day on which no real fact is in the future or past its review-by date
# (the latest as_of is 2026-11-30, the earliest review_by 2026-12-31).
QUIET_DAY = date(2026, 12, 1)
LATE_DAY = date(2027, 1, 15)
N_LESSONS = 17


def find(report: CheckReport, file: str, field: str, kind: IssueKind | None = None) -> list[Issue]:
    return [
        i
        for i in report.issues
        if i.file == file and i.field == field and (kind is None or i.kind is kind)
    ]


def real_translations() -> dict[str, set[str]]:
    """lang -> file names that exist in the real lessons/ tree."""
    return {lang: {p.name for p in (LESSONS_DIR / lang).glob("*.md")} for lang in LESSON_LANGS}


def optional(lang: str, name: str) -> bool:
    """A lesson that a partial language (fa-IR: the lessons about Iran) need not hold."""
    slug = name.split("-", 1)[1].removesuffix(".md")
    return lang in PARTIAL_LANGS and slug not in PARTIAL_LANGS[lang]


# -- the real content -------------------------------------------------------------------
# The real tree may still lack translations (each one is an error, by design); everything
# else in it must be valid. The complete-tree tests below check the rest of the command.


def test_real_lessons_have_no_errors_except_missing_translations() -> None:
    report = check_lessons(LESSONS_DIR, QUIET_DAY)
    other = [i for i in report.errors if i.kind is not IssueKind.MISSING]
    assert other == [], "\n".join(f"{i.file} {i.field}: {i.message}" for i in other)
    have = real_translations()
    expected = {
        f"{lang}/{name}"
        for lang in LESSON_LANGS[1:]
        for name in have[SOURCE_LANG] - have[lang]
        if not optional(lang, name)
    }
    assert {i.file for i in report.errors} == expected
    assert report.failed(ci=True) is bool(expected)


def test_real_lessons_are_seventeen_in_english_and_the_matrix_shows_each_translation() -> None:
    report = check_lessons(LESSONS_DIR, QUIET_DAY)
    assert [n for n, _ in report.rows] == list(range(1, N_LESSONS + 1))
    have = real_translations()
    assert len(have[SOURCE_LANG]) == N_LESSONS
    for number, slug in report.rows:
        name = f"{number:02d}-{slug}.md"
        for lang in LESSON_LANGS[1:]:
            if optional(lang, name) and name not in have[lang]:
                assert report.cells[(slug, lang)] == "optional"
                continue
            assert (report.cells[(slug, lang)] == "missing") is (name not in have[lang])
    # English is valid; lesson 06 cites the FATF Recommendations for two facts (a warning).
    english = {slug: report.cells[(slug, SOURCE_LANG)] for _, slug in report.rows}
    assert english.pop("id-and-kyc") == "warning"
    assert set(english.values()) == {"ok"}


def test_every_real_translation_is_marked_for_review_and_that_is_a_warning_only() -> None:
    report = check_lessons(LESSONS_DIR, QUIET_DAY)
    marked = {i.file for i in report.issues if i.kind is IssueKind.TRANSLATION_REVIEW}
    have = real_translations()
    assert marked == {f"{lang}/{name}" for lang in LESSON_LANGS[1:] for name in have[lang]}
    assert all(
        i.severity is Severity.WARNING for i in report.issues if i.kind is not IssueKind.MISSING
    )


def test_real_facts_past_review_by_are_warnings_that_fail_only_outside_ci(
    lessons_copy: Path,
) -> None:
    report = check_lessons(lessons_copy, LATE_DAY)
    late = find(report, "en/08-national-incentives.md", "facts[1].review_by", IssueKind.REVIEW_BY)
    assert late and "pk-tt-scheme" in late[0].message
    assert report.errors == []
    assert report.failed(ci=False) and not report.failed(ci=True)
    assert not check_lessons(lessons_copy, QUIET_DAY).failed(ci=False)


def test_real_fact_urls_are_well_formed_and_one_per_fact_id() -> None:
    report = check_lessons(LESSONS_DIR, QUIET_DAY)
    assert [i for i in report.errors if i.kind is IssueKind.SOURCE_URL] == []
    by_id: dict[str, set[str]] = {}
    for lesson in LessonStore(LESSONS_DIR).catalogue().source():
        for fact in lesson.header.facts:
            by_id.setdefault(fact.id, set()).add(fact.url)
            assert url_problem(fact.url) is None, (lesson.rel, fact.url)
    assert all(len(urls) == 1 for urls in by_id.values()), by_id


def test_markdown_body_is_rendered_and_live_marker_splits_it() -> None:
    lesson = parse_lesson(LESSONS_DIR / "en" / "01-fee-and-margin.md", LESSONS_DIR)
    assert len(lesson.html_parts) == 2
    assert "<h2>Two prices, not one</h2>" in lesson.html_parts[0]
    assert "{{" not in "".join(lesson.html_parts)
    assert "<h2>What is a good price?</h2>" in lesson.html_parts[1]
    plain = parse_lesson(LESSONS_DIR / "en" / "04-formal-vs-informal.md", LESSONS_DIR)
    assert len(plain.html_parts) == 1


def test_the_complete_copy_passes(lessons_copy: Path) -> None:
    report = check_lessons(lessons_copy, QUIET_DAY)
    assert report.errors == [], [(i.file, i.field, i.message) for i in report.errors]
    # Every language holds every lesson, but fa-IR only those about Iran (issue 21).
    partial = sum(N_LESSONS - len(slugs) for slugs in PARTIAL_LANGS.values())
    assert report.files == N_LESSONS * len(LESSON_LANGS) - partial
    assert not report.failed(ci=True) and not report.failed(ci=False)


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
    orphan = lessons_copy / "ur" / "17-orphan.md"
    orphan.write_text(
        src.read_text(encoding="utf-8").replace("slug: fee-and-margin", "slug: orphan")
    )
    edit("fa-AF/04-formal-vs-informal.md", r"^lang: fa-AF$", "lang: fa")
    report = check_lessons(lessons_copy, QUIET_DAY)
    assert find(report, "ur/17-orphan.md", "slug", IssueKind.CONSISTENCY)
    lang = find(report, "fa-AF/04-formal-vs-informal.md", "lang")
    assert lang and "folder 'fa-AF'" in lang[0].message
    assert (17, "orphan") in report.rows


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
    assert find(report, "en/10-budgeting-two-households.md", "audience[0]")
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
    (lessons_copy / "en" / "17-no-header.md").write_text("# Just text\n", encoding="utf-8")
    (lessons_copy / "en" / "18-bad-yaml.md").write_text(
        "---\nslug: [\n---\nbody\n", encoding="utf-8"
    )
    (lessons_copy / "en" / "Notes.md").write_text("---\n---\n", encoding="utf-8")
    (lessons_copy / "de").mkdir()
    (lessons_copy / "de" / "01-fee-and-margin.md").write_text("x", encoding="utf-8")
    report = check_lessons(lessons_copy, QUIET_DAY)
    assert "must start with a '---' line" in find(report, "en/17-no-header.md", "header")[0].message
    assert "YAML does not parse" in find(report, "en/18-bad-yaml.md", "header")[0].message
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


def test_cli_check_ci_passes_on_a_complete_tree(lessons_copy: Path) -> None:
    result = CliRunner().invoke(app, ["lessons", "check", "--ci", "--dir", str(lessons_copy)])
    assert result.exit_code == 0, result.output
    assert "Lessons × languages" in result.output
    assert "passed (ci: only errors fail): 0 error(s)" in result.output


def test_cli_check_strict_fails_on_past_review_by_and_passes_before(lessons_copy: Path) -> None:
    where = ["--dir", str(lessons_copy)]
    late = CliRunner().invoke(app, ["lessons", "check", "--today", LATE_DAY.isoformat(), *where])
    assert late.exit_code == 1
    assert "fact past its review-by date" in late.output
    assert "en/08-national-incentives.md" in late.output and "facts[1].review_by" in late.output
    early = CliRunner().invoke(app, ["lessons", "check", "--today", QUIET_DAY.isoformat(), *where])
    assert early.exit_code == 0, early.output


def test_a_missing_translation_is_an_error_even_in_ci(lessons_copy: Path) -> None:
    (lessons_copy / "ur" / "06-id-and-kyc.md").unlink()
    (lessons_copy / "ps" / "16-getting-cash-in-a-village.md").unlink()
    report = check_lessons(lessons_copy, QUIET_DAY)
    missing = [i for i in report.errors if i.kind is IssueKind.MISSING]
    assert [(i.file, i.field) for i in missing] == [
        ("ps/16-getting-cash-in-a-village.md", "file"),
        ("ur/06-id-and-kyc.md", "file"),
    ]
    assert "not translated into ur" in missing[1].message
    assert report.cells[("id-and-kyc", "ur")] == "missing"
    assert report.failed(ci=True)
    result = CliRunner().invoke(app, ["lessons", "check", "--ci", "--dir", str(lessons_copy)])
    assert result.exit_code == 1
    assert "2 error(s): lesson not translated" in result.output
    assert "ur: 06" in result.output and "ps: 16" in result.output
    assert "FAILED (ci: only errors fail): 2 error(s)" in result.output


def test_cli_check_fails_on_schema_errors_even_in_ci(lessons_copy: Path, edit: Edit) -> None:
    edit("en/01-fee-and-margin.md", r"correct: false", "correct: true")
    result = CliRunner().invoke(app, ["lessons", "check", "--ci", "--dir", str(lessons_copy)])
    assert result.exit_code == 1
    assert "en/01-fee-and-margin.md" in result.output and "quiz[0]" in result.output
    assert "FAILED" in result.output


def test_malformed_source_urls_are_errors_naming_the_fact(lessons_copy: Path, edit: Edit) -> None:
    bad = {
        "01-fee-and-margin.md": "https://sdgs.un .org/goals",
        "02-reading-a-quote.md": "ftp://remittanceprices.worldbank.org/x",
        "05-scams-and-fraud.md": "https://1.2.3.4/register",
        "07-payout-options.md": "https://user:pw@www.sbp.org.pk/dfs/Raast.html",
        "09-fewer-larger-transfers.md": "https://-bad-.example.org/",
        "11-saving-with-a-goal.md": "https://www.sbp.org.pk:99999/RDA/",
    }
    for name, url in bad.items():
        edit(f"en/{name}", r'^    url: "[^"]*"$', f'    url: "{url}"')
    report = check_lessons(lessons_copy, QUIET_DAY)
    for name in bad:
        errors = find(report, f"en/{name}", "facts[0].url")
        assert errors and errors[0].severity is Severity.ERROR, name
    assert "host" in find(report, "en/05-scams-and-fraud.md", "facts[0].url")[0].message


def test_a_fact_has_one_source_address(lessons_copy: Path, edit: Edit) -> None:
    # the same fact id with another address in another English lesson
    edit(
        "en/09-fewer-larger-transfers.md",
        r'(- id: pk-tt-scheme\n(?:.*?\n)*?    url: )"[^"]*"',
        r'\1"https://www.sbp.org.pk/epd/2025/elsewhere.htm"',
    )
    # a translation citing another address than English
    edit(
        "bn/07-payout-options.md",
        r'url: "https://ofac.treasury.gov/faqs/164"',
        'url: "https://ofac.treasury.gov/"',
    )
    # two facts of one lesson citing the same address: a warning
    edit(
        "en/03-comparing-providers.md",
        r'url: "https://remittanceprices.worldbank.org"',
        'url: "https://datacatalog.worldbank.org/search/dataset/0037898/remittance-prices-worldwide"',
    )
    report = check_lessons(lessons_copy, QUIET_DAY)
    same_id = find(report, "en/09-fewer-larger-transfers.md", "facts[1].url", IssueKind.SOURCE_URL)
    assert same_id and same_id[0].severity is Severity.ERROR
    assert "en/08-national-incentives.md" in same_id[0].message
    tr = find(report, "bn/07-payout-options.md", "facts[1].url", IssueKind.SOURCE_URL)
    assert tr and tr[0].severity is Severity.ERROR and "differs from English" in tr[0].message
    shared = find(report, "en/03-comparing-providers.md", "facts[1].url", IssueKind.SOURCE_URL)
    assert shared and shared[0].severity is Severity.WARNING
    assert "rpw-uk-corridors and rpw-banks" in shared[0].message


def test_audience_lists_groups_and_translations_must_keep_it(
    lessons_copy: Path, edit: Edit
) -> None:
    lesson = parse_lesson(lessons_copy / "en" / "15-money-in-your-own-name.md", lessons_copy)
    assert lesson.header.role == "both" and lesson.header.groups == ("women",)
    assert lesson.header.audiences == ("sender", "receiver", "women")
    village = parse_lesson(lessons_copy / "en" / "16-getting-cash-in-a-village.md", lessons_copy)
    assert village.header.audiences == ("receiver", "rural")
    edit("en/01-fee-and-margin.md", r"^audience: sender$", "audience: [sender, both]")
    edit("en/02-reading-a-quote.md", r"^audience: sender$", "audience: [women, women]")
    edit("en/03-comparing-providers.md", r"^audience: sender$", "audience: []")
    edit("ur/04-formal-vs-informal.md", r"^audience: sender$", "audience: [sender, women]")
    report = check_lessons(lessons_copy, QUIET_DAY)
    assert "at most one of" in find(report, "en/01-fee-and-margin.md", "audience")[0].message
    assert "must not repeat" in find(report, "en/02-reading-a-quote.md", "audience")[0].message
    assert find(report, "en/03-comparing-providers.md", "audience")
    tr = find(report, "ur/04-formal-vs-informal.md", "audience", IssueKind.CONSISTENCY)
    assert tr and "English says ['sender']" in tr[0].message


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
