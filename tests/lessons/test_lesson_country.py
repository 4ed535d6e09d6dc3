"""Lessons written for the reader's country: the destination they compared decides the
examples, helplines, ID documents, wallets and currency; the language decides the words."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient

from api.services.lesson_check import check_lessons
from api.services.lessons import IssueKind
from tests.lessons.conftest import Edit
from tests.lessons.test_lesson_pages import text_of

L16 = "/learn/getting-cash-in-a-village"
TODAY = date(2026, 1, 15)


def test_pashto_reader_who_compared_pk_to_af_sees_afghani_and_m_paisa(
    client: TestClient,
) -> None:
    r = client.get(L16, params={"lang": "ps", "from": "PK", "to": "AF"})
    assert r.status_code == 200
    text = text_of(r.text)
    assert "M-Paisa" in text and "HesabPay" in text
    assert "افغانۍ" in text  # afghani, in the practice question
    assert "ټاکا" not in text and "bKash" not in text  # no taka, no bKash
    assert "021-111" not in text and "۰۲۱-۱۱۱" not in text  # no Pakistani helpline
    assert "sarabangla.net" not in r.text  # the bKash fact is for Bangladesh only
    # The page says which country it is written for, and offers the others.
    assert "افغانستان" in text
    assert f'href="{L16}?from=PK&amp;to=BD&amp;lang=ps"' in r.text


def test_the_language_decides_the_default_country_and_the_route_overrides_it(
    client: TestClient,
) -> None:
    bn = text_of(client.get(L16, params={"lang": "bn"}).text)
    assert "বিকাশ" in bn and "১৬২৩৬" in bn  # bKash and Bangladesh Bank's hotline
    assert "০২১-১১১-৭২৭-২৭৩" not in bn and "CNIC" not in bn
    ur = text_of(client.get(L16, params={"lang": "ur"}).text)
    assert "JazzCash" in ur and "021-111-727-273" in ur
    # An Urdu reader whose family is in Bangladesh gets Bangladesh, in Urdu.
    ur_bd = text_of(client.get(L16, params={"lang": "ur", "to": "BD"}).text)
    assert "bKash" in ur_bd and "16236" in ur_bd and "021-111-727-273" not in ur_bd
    # A destination we do not write for falls back to the language's default.
    assert "JazzCash" in text_of(client.get(L16, params={"lang": "ur", "to": "GB"}).text)


def test_bengali_lesson_15_gives_the_nid_not_the_cnic(client: TestClient) -> None:
    text = text_of(client.get("/learn/money-in-your-own-name", params={"lang": "bn"}).text)
    assert "জাতীয় পরিচয়পত্র (NID)" in text
    assert "CNIC" not in text and "স্টেট ব্যাংক অব পাকিস্তান" not in text


def test_the_quiz_answer_keeps_the_country(client: TestClient) -> None:
    r = client.post(
        f"{L16}/quiz",
        params={"lang": "ps", "from": "PK", "to": "AF"},
        data={"q2": "a"},
    )
    assert r.status_code == 200
    text = text_of(r.text)
    assert "۱۸۵ افغانۍ" in text
    assert "ټاکا" not in text


def test_comparison_links_to_lessons_carry_the_route(client: TestClient) -> None:
    r = client.get("/compare", params={"from": "GB", "to": "PK", "amount": "120"})
    assert r.status_code == 200
    assert 'href="/learn/fee-and-margin?from=GB&amp;to=PK"' in r.text


def _country_errors(root: Path) -> list[str]:
    report = check_lessons(root, TODAY)
    errors = [i for i in report.errors if i.kind is IssueKind.COUNTRY]
    return [f"{i.file} {i.field}: {i.message}" for i in errors]


def test_the_check_holds_translations_to_englishs_country_rules(
    lessons_copy: Path, edit: Edit
) -> None:
    assert _country_errors(lessons_copy) == []
    # A Pashto lesson 16 that shows the Bangladesh fee example to every reader.
    edit("ps/16-getting-cash-in-a-village.md", r"^::: only BD\n\*\*", "::: only PK BD AF\n**")
    edit("ps/16-getting-cash-in-a-village.md", r"    countries: \[BD\]\n", "")
    found = _country_errors(lessons_copy)
    assert any("ps/16-getting-cash-in-a-village.md body: country blocks" in f for f in found)
    assert any("facts[0].countries: countries [] differ from English ['BD']" in f for f in found)


def test_the_check_rejects_unknown_words_and_broken_blocks(lessons_copy: Path, edit: Edit) -> None:
    edit("bn/16-getting-cash-in-a-village.md", r"\{\{ local\.wallets \}\}", "{{ local.walets }}")
    edit("ar/16-getting-cash-in-a-village.md", r"^::: only IR\n", "::: only IR XX\n")
    edit("ur/16-getting-cash-in-a-village.md", r"^:::\n\n## ", "\n## ")
    report = check_lessons(lessons_copy, TODAY)
    found = [f"{i.file} {i.field}: {i.message}" for i in report.errors]
    undefined = "{{ local.walets }} is not defined in local/bn.yaml"
    assert f"bn/16-getting-cash-in-a-village.md body: {undefined}" in found
    ar = [f for f in found if f.startswith("ar/16-getting-cash-in-a-village.md body: line")]
    assert ar and "XX not one of" in ar[0]
    assert any(f.startswith("ur/16-getting-cash-in-a-village.md body: line") for f in found)
