"""One glossary and one digit system per language, enforced by `remit lessons check`."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from api.domain.numerals import latin_digit_runs, prose_to_native, to_latin, to_native
from api.services.lesson_check import check_lessons
from api.services.lessons import IssueKind
from api.settings import TRANSLATIONS_DIR
from remit.cli.main import app
from tests.lessons.conftest import Edit

TODAY = date(2026, 1, 15)


def _words(root: Path, catalogs: Path | None = None) -> list[str]:
    report = check_lessons(root, TODAY, catalogs)
    return [f"{i.file} {i.field}: {i.message}" for i in report.errors if i.kind is IssueKind.WORDS]


def test_real_lessons_and_catalogs_keep_their_glossaries_and_digits() -> None:
    from api.settings import LESSONS_DIR

    assert _words(LESSONS_DIR, TRANSLATIONS_DIR) == []


def test_an_avoided_word_in_a_lesson_is_an_error_naming_the_glossary_word(
    lessons_copy: Path, edit: Edit
) -> None:
    # The review's error: Dari wrote taka as تکه ("piece").
    edit("fa-AF/16-getting-cash-in-a-village.md", r"تاکا", "تکه")
    found = _words(lessons_copy)
    assert len(found) == 1, found
    assert found[0].startswith("fa-AF/16-getting-cash-in-a-village.md ")
    assert "'تکه'" in found[0] and "'تاکا'" in found[0]
    result = CliRunner().invoke(
        app, ["lessons", "check", "--ci", "--dir", str(lessons_copy), "--today", "2026-01-15"]
    )
    assert result.exit_code == 1
    assert "glossary word" in result.output


def test_the_same_word_in_another_language_is_not_an_error(lessons_copy: Path, edit: Edit) -> None:
    # سود پنهان is avoided in Dari, but nothing stops a Pashto text from quoting it.
    edit("ps/01-fee-and-margin.md", r"^## ", "سود پنهان\n\n## ")
    assert _words(lessons_copy) == []


def test_pashto_letters_in_dari_are_an_error(lessons_copy: Path, edit: Edit) -> None:
    edit("fa-AF/01-fee-and-margin.md", r"^## ", "سروې\n\n## ")
    found = _words(lessons_copy)
    assert any("'سروې'" in f for f in found), found
    assert any("letter 'ې'" in f for f in found), found


def test_an_avoided_word_in_a_catalog_is_an_error(tmp_path: Path, lessons_copy: Path) -> None:
    catalogs = tmp_path / "translations"
    shutil.copytree(TRANSLATIONS_DIR, catalogs)
    assert _words(lessons_copy, catalogs) == []
    po = catalogs / "fa-AF" / "LC_MESSAGES" / "messages.po"
    text = po.read_text(encoding="utf-8")
    assert text.count('msgstr "سروی بانک جهانی، %(period)s"') == 1
    old, new = 'msgstr "سروی بانک جهانی، %(period)s"', 'msgstr "نظرسنجی بانک جهانی، %(period)s"'
    po.write_text(text.replace(old, new), encoding="utf-8")
    found = _words(lessons_copy, catalogs)
    assert len(found) == 1, found
    assert found[0].startswith("catalog fa-AF/LC_MESSAGES/messages.po msgid ")
    assert "'نظرسنجی'" in found[0] and "'سروی'" in found[0]


def test_latin_digits_in_pashto_text_are_an_error_but_not_in_urdu(
    lessons_copy: Path, edit: Edit
) -> None:
    edit("ur/01-fee-and-margin.md", r"^## ", "2025\n\n## ")
    assert _words(lessons_copy) == []
    edit("ps/01-fee-and-margin.md", r"^## ", "په 2025 کې\n\n## ")
    found = _words(lessons_copy)
    assert len(found) == 1 and "Latin digits (2025)" in found[0], found


def test_a_missing_or_broken_glossary_is_an_error(lessons_copy: Path) -> None:
    (lessons_copy / "glossary" / "bn.yaml").unlink()
    (lessons_copy / "glossary" / "ar.yaml").write_text(
        "lang: ar\nterms:\n  - term: x\n", encoding="utf-8"
    )
    found = _words(lessons_copy)
    assert "glossary/bn.yaml file: missing: every language has a glossary" in found
    assert "glossary/ar.yaml file: terms[0] needs 'term' and 'use'" in found


def test_digits_follow_cldr_and_leave_codes_addresses_and_list_numbers_alone() -> None:
    assert to_native("12.5", "ps") == "۱۲.۵"
    assert to_native("12.5", "ur") == "12.5"
    assert to_native("2,61,000", "bn") == "২,৬১,০০০"
    text = "1. On 10,000 taka pay 18.50 (SDG 10.c, https://a.org/x1, CC BY 4.0, `*247#`)"
    assert prose_to_native(text, "fa-AF") == (
        "1. On ۱۰٬۰۰۰ taka pay ۱۸٫۵۰ (SDG 10.c, https://a.org/x1, CC BY 4.0, `*247#`)"
    )
    assert latin_digit_runs(text, "fa-AF") == ["10,000", "18.50"]
    assert latin_digit_runs(text, "ar") == []
    assert to_latin("۲۰۲۶-۰۵-۳۱") == "2026-05-31"
    assert to_latin("২০০") == "200"


# Issue 21, item 7: one-time codes and USSD explained where a reader first meets them, in
# plain words (20 words or fewer a sentence). Each language's word for a one-time code, as
# its lessons write it; the explanation names "OTP" and says it comes by SMS.
ONE_TIME_CODE = {
    "en": "one-time code",
    "ur": "ایک بار والا کوڈ",
    "ps": "یو ځلی کوډ",
    "fa-AF": "کود یک‌باره",
    "bn": "ওটিপি",
    "ar": "رمز التحقق",
}
SENTENCE_END = r"[.۔।؛;]\s"


def _sentences(text: str) -> list[str]:
    import re

    return [s for s in re.split(SENTENCE_END, text.replace("*", " ") + " ") if s.strip()]


def test_one_time_codes_and_ussd_are_explained_where_first_used() -> None:
    from api.services.lessons import get_store

    for lang, word in ONE_TIME_CODE.items():
        lessons = [e.lesson for e in get_store().list(lang) if e.translated]
        first = next(x for x in lessons if word in x.header.rule_of_thumb + x.body)
        assert first.number == 5, (lang, first.rel)  # scams and fraud
        # the first paragraph under the rule of thumb says what the code is
        opening = first.body.strip().split("\n\n", 1)[0]
        assert word in opening.replace("**", "") and "OTP" in opening and "SMS" in opening
        assert all(len(s.split()) <= 20 for s in _sentences(opening)), opening
        # a lesson a reader may open first (from a comparison) explains it where it names it
        for lesson in lessons:
            if lesson.number in (14, 15):
                line = next(x for x in lesson.body.splitlines() if word in x)
                assert "SMS" in line, lesson.rel
            if lesson.number in (15, 16):
                fact = next(
                    f.text for f in lesson.header.facts if "OTP" in f.text or word in f.text
                )
                assert "SMS" in fact, lesson.rel
        ussd = [x for x in lessons if "USSD" in x.body]
        assert [x.number for x in ussd] == [16], lang
        line = next(x for x in ussd[0].body.splitlines() if "USSD" in x)
        assert "*" in line and "#" in line, ussd[0].rel  # what you dial: starts * ends #
