"""`/learn` pages on SQLite and PostgreSQL: lists, lesson pages, quiz, live example, hooks."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from html import unescape
from itertools import pairwise
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.http.deps import get_now
from api.http.present import quote_public
from api.services.compare import CompareRequest, RankedQuote, compare
from api.services.lessons import LESSON_LANGS, LessonStore, get_store
from api.storage.db import get_session, make_engine
from api.storage.types import utcnow
from remit.app import create_app
from tests.lessons.conftest import Edit
from web import i18n
from web.formatting import Formatter
from web.i18n import LANGUAGES
from web.static import STATIC_DIR, static_url

PAGE_BUDGET = 50 * 1024
ALL_RIGHT = {
    "fee-and-margin": {"q1": "b", "q2": "c", "q3": "b"},
    "formal-vs-informal": {"q1": "b", "q2": "a", "q3": "c"},
}


def text_of(html: str) -> str:
    """Visible-ish text: tags dropped, entities decoded, whitespace squeezed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def lesson_msgids() -> set[str]:
    from web.i18n_tool import extract

    return {
        str(m.id) for m in extract() if m.id and any("lessons" in loc for loc, _ in m.locations)
    }


# -- list ---------------------------------------------------------------------------------


def test_learn_lists_seventeen_lessons_in_english(client: TestClient) -> None:
    r = client.get("/learn")
    assert r.status_code == 200
    html = r.text
    assert html.count('class="lesson-item"') == 17
    assert 'lang="en" dir="ltr"' in html
    assert "not yet translated" not in html
    assert "17 of 17 lessons shown here are in English." in html
    for entry in get_store().list("en"):
        assert f'href="/learn/{entry.lesson.slug}"' in html


PARTLY_TRANSLATED = [
    "01-fee-and-margin.md",
    "04-formal-vs-informal.md",
    "15-money-in-your-own-name.md",
]


@pytest.fixture()
def partial_store(lessons_copy: Path, monkeypatch: pytest.MonkeyPatch) -> LessonStore:
    """Urdu holds only three lessons (whatever the real tree holds): the others fall back."""
    for path in (lessons_copy / "ur").glob("*.md"):
        if path.name not in PARTLY_TRANSLATED:
            path.unlink()
    store = LessonStore(lessons_copy)
    monkeypatch.setattr("web.routes_lessons.get_store", lambda: store)
    monkeypatch.setattr("api.http.lessons_routes.get_store", lambda: store)
    return store


def test_learn_in_urdu_shows_translations_and_marks_english_fallbacks(
    client: TestClient, partial_store: LessonStore
) -> None:
    html = client.get("/learn", params={"lang": "ur"}).text
    assert '<html lang="ur" dir="rtl">' in html
    items = html.split('class="lesson-item"')[1:]
    assert len(items) == 17
    fallback = [i for i in items if "انگریزی میں: ابھی ترجمہ نہیں ہوا" in i]
    assert len(fallback) == 14
    assert all('lang="en" dir="ltr"' in i for i in fallback)
    assert "فیس اور ایکسچینج ریٹ مارجن" in items[0] and 'lang="ur" dir="rtl"' in items[0]
    assert 'href="/learn/id-and-kyc?lang=ur"' in html
    # which lessons exist in the chosen language, said once at the top
    assert "یہاں دکھائے گئے 17 میں سے 3 اسباق اردو میں ہیں۔" in html
    assert "باقی اسباق ترجمہ ہونے تک انگریزی میں دکھائے جاتے ہیں۔" in html


@pytest.mark.parametrize(
    ("audience", "numbers"),
    [
        ("women", [15]),
        ("rural", [16]),
        ("business", [12]),
        ("disability", [17]),
        ("receiver", [5, 6, 7, 8, 10, 11, 12, 14, 15, 16, 17]),
        ("sender", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 17]),
    ],
)
def test_learn_filters_by_audience(client: TestClient, audience: str, numbers: list[int]) -> None:
    r = client.get("/learn", params={"audience": audience, "lang": "bn"})
    assert r.status_code == 200
    shown = [int(n) for n in re.findall(r'class="lesson-item" data-lesson="(\d+)"', r.text)]
    assert shown == numbers
    assert f'id="aud-{audience}" name="audience" value="{audience}" checked' in r.text
    assert '<input type="hidden" name="lang" value="bn">' in r.text
    api = client.get("/api/v1/lessons", params={"audience": audience}).json()["lessons"]
    assert [x["number"] for x in api] == numbers
    assert all(audience in x["audiences"] for x in api)


def test_learn_filter_is_a_plain_get_form_and_a_bad_audience_is_a_friendly_400(
    client: TestClient,
) -> None:
    html = client.get("/learn").text
    assert '<form class="audience-filter" method="get" action="/learn">' in html
    assert "<legend>Show lessons for</legend>" in html
    for value in ("", "sender", "receiver", "women", "rural", "business"):
        control = f'id="aud-{value or "all"}"'
        assert control in html and f'<label class="choice" for="aud-{value or "all"}">' in html
    r = client.get("/learn", params={"audience": "men", "lang": "ur"})
    assert r.status_code == 400 and "<h1>" in r.text
    bad = client.get("/api/v1/lessons", params={"audience": "men"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "audience"]


def test_learn_marks_lessons_done_from_the_url(client: TestClient) -> None:
    html = client.get("/learn", params={"done": "1.4.junk.99.400"}).text
    items = html.split('class="lesson-item"')[1:]
    done = [n for n, item in enumerate(items, start=1) if "✓ Done" in item]
    assert done == [1, 4]
    assert 'href="/learn/reading-a-quote?done=1.4.99"' in html


# -- one lesson -----------------------------------------------------------------------------


def test_lesson_page_shows_rule_body_and_every_fact_with_source_and_date(
    client: TestClient,
) -> None:
    r = client.get("/learn/your-rights")
    assert r.status_code == 200
    html = r.text
    lesson = get_store().get("your-rights", "en")
    assert lesson is not None
    h = lesson.lesson.header
    assert "Rule of thumb" in html and h.rule_of_thumb in unescape(html)
    assert "<h2>" in html and "{{" not in html
    fmt = Formatter(LANGUAGES["en"])
    for fact in h.facts:
        block = html.split(f'id="fact-{fact.id}"', 1)[1].split("</li>", 1)[0]
        assert f'href="{fact.url}" rel="noopener noreferrer">{fact.source}</a>' in unescape(block)
        assert f"as of <bdi>{fmt.day(fact.as_of)}</bdi>" in block
    assert '<form method="post" action="/learn/your-rights/quiz#quiz-result">' in html
    assert html.count('type="radio"') == sum(len(q.choices) for q in h.quiz)
    assert "<audio" not in html
    assert "translation has not yet been reviewed" not in html


def test_translated_lesson_shows_its_review_note(client: TestClient) -> None:
    html = client.get("/learn/scams-and-fraud", params={"lang": "ps"}).text
    assert '<html lang="ps" dir="rtl">' in html
    assert 'class="hint review-note"' in html
    # The note is in the lesson's own language (issue 21).
    assert "د ماشین په مرسته ژباړه؛ باید یو اصلي ویناوال یې وګوري." in html


def test_untranslated_lesson_is_shown_in_english_and_says_so(
    client: TestClient, lessons_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (lessons_copy / "ar" / "06-id-and-kyc.md").unlink()  # every lesson may be translated
    store = LessonStore(lessons_copy)
    monkeypatch.setattr("web.routes_lessons.get_store", lambda: store)
    html = client.get("/learn/id-and-kyc", params={"lang": "ar"}).text
    assert '<html lang="ar" dir="rtl">' in html
    assert "هذا الدرس غير متوفر بلغتك بعد، لذلك يُعرض بالإنجليزية." in html
    assert '<h1 lang="en" dir="ltr">ID and KYC' in html
    assert 'class="lesson-body" lang="en" dir="ltr"' in html


def test_unknown_lesson_is_a_404_page(client: TestClient) -> None:
    for r in (
        client.get("/learn/no-such-lesson", params={"lang": "bn"}),
        client.post("/learn/no-such-lesson/quiz", data={"q1": "a"}),
        client.get("/learn/" + "x" * 300),
    ):
        assert r.status_code == 404
        assert r.headers["content-type"].startswith("text/html")
        assert "<h1>" in r.text


@pytest.mark.parametrize("lang", LESSON_LANGS)
def test_every_lesson_page_is_within_budget_and_needs_no_javascript(
    client: TestClient, lang: str
) -> None:
    for entry in get_store().list(lang):
        r = client.get(f"/learn/{entry.lesson.slug}", params={"lang": lang})
        assert r.status_code == 200, entry.lesson.rel
        size = len(r.content)
        assert size <= PAGE_BUDGET, f"{entry.lesson.rel}: {size} bytes"
        html = r.text
        # Scripts are external, deferred enhancements; the quiz is a plain form POST.
        assert re.findall(r"<script(?![^>]*\bsrc=)", html) == []
        assert all("defer" in tag for tag in re.findall(r"<script[^>]*>", html))
        assert 'method="post"' in html and 'type="submit"' in html
    missing = {msgid for code, msgid in i18n.MISSING if code == lang} & lesson_msgids()
    assert missing == set(), f"{lang}: untranslated lesson UI strings {sorted(missing)}"


def test_lesson_javascript_stays_within_the_5_kb_budget_with_the_service_worker(
    client: TestClient,
) -> None:
    html = client.get("/learn/fee-and-margin").text
    scripts = re.findall(r'<script src="(/static/[^"]+)"', html)
    assert len(scripts) == 2  # app.js and lessons.js, both deferred
    js = sum(len(client.get(src).content) for src in scripts)
    sw = client.get("/sw.js")
    assert sw.status_code == 200
    assert sw.headers["content-type"].startswith("text/javascript")
    assert sw.headers["cache-control"] == "no-cache"
    assert js + len(sw.content) <= 5 * 1024, js + len(sw.content)
    css = re.search(r'"(/static/lessons.css\?v=\w+)"', html)
    assert css is not None
    sheet = client.get(css.group(1)).text
    assert len(sheet.encode()) <= 4096 and "@media print" in sheet
    for name in ("/static/lessons.js", "/sw.js"):
        assert "document.cookie" not in client.get(name).text


def test_every_page_carries_a_hidden_offline_note_for_the_service_worker(
    client: TestClient,
) -> None:
    for path in (
        "/learn",
        "/learn/getting-cash-in-a-village?lang=ps",
        "/compare?from=GB&to=PK&amount=200",
    ):
        html = client.get(path).text
        note = html.split('<p class="banner offline-note" hidden>', 1)
        assert len(note) == 2, path
        assert "<time data-saved></time>" in note[1].split("</p>", 1)[0]
    ps = client.get("/learn/getting-cash-in-a-village?lang=ps").text
    assert "آفلاین کاپي، په <time data-saved></time> خوندي شوې." in ps


def test_save_all_lists_every_lesson_the_offline_pages_and_the_assets(
    client: TestClient,
) -> None:
    html = client.get("/learn", params={"lang": "ps", "from": "PK", "to": "AF", "done": "3"}).text
    box = html.split('<div id="save-all"', 1)[1].split("</div>", 1)[0]
    assert box.startswith(' class="save-all" hidden ')  # lessons.js shows it; JS off: hidden
    assert "ټول درسونه د آفلاین لپاره خوندي کړئ" in box
    urls = unescape(re.search(r'data-urls="([^"]+)"', box).group(1)).split(" ")  # type: ignore[union-attr]
    assert len(urls) == len(set(urls))
    for entry in get_store().list("ps"):
        slug = entry.lesson.slug
        assert f"/learn/{slug}?lang=ps" in urls  # as the offline page links to it
        assert f"/learn/{slug}?from=PK&to=AF&lang=ps" in urls  # as the list links to it
    assert "/offline?lang=ps" in urls and "/learn?from=PK&to=AF&lang=ps" in urls
    assert not [u for u in urls if "done=" in u]  # progress marks are not part of the key
    for name in ("app.js", "lessons.js", "lessons.css"):
        assert static_url(name) in urls
    count = len(get_store().list("ps"))
    assert f"ټول {Formatter(LANGUAGES['ps']).number(count)} درسونه" in unescape(box)


@pytest.mark.parametrize("lang", LESSON_LANGS)
def test_the_offline_page_is_in_the_readers_language_with_its_lessons(
    client: TestClient, lang: str
) -> None:
    r = client.get("/offline", params={"lang": lang})
    assert r.status_code == 200
    html = r.text
    language = LANGUAGES[lang]
    assert f'<html lang="{language.code}" dir="{language.dir}">' in html
    h1 = re.search(r"<h1>([^<]+)</h1>", html).group(1)  # type: ignore[union-attr]
    assert (h1 == "You are offline") == (lang == "en"), h1
    assert "offline-note" not in html  # no saved date on a page that says nothing is saved
    links = re.findall(r'<li><a href="(/learn/[^"]+)"', html.split("data-saved-only", 1)[1])
    assert links == [f"/learn/{e.lesson.slug}?lang={lang}" for e in get_store().list(lang)]
    assert static_url("lessons.js") in html  # removes the lessons this device has not saved


def test_scripts_are_served_without_their_opening_comment_or_indentation(
    client: TestClient,
) -> None:
    for name in ("app.js", "lessons.js", "sw.js"):
        source = (STATIC_DIR / name).read_text(encoding="utf-8")
        served = client.get("/sw.js" if name == "sw.js" else static_url(name)).text
        assert source.startswith("/*") and not served.startswith("/*")
        assert all(line and line == line.strip() for line in served.splitlines())
        assert [x.strip() for x in source.split("*/", 1)[1].splitlines() if x.strip()] == (
            served.splitlines()
        )


def test_share_is_a_plain_whatsapp_link_and_a_copy_button_without_tracking(
    client: TestClient,
) -> None:
    html = client.get(
        "/learn/money-in-your-own-name", params={"lang": "bn", "done": "3", "from": "GB"}
    ).text
    share = html.split('class="share"', 1)[1].split("</section>", 1)[0]
    href = unescape(re.search(r'href="(https://wa\.me/[^"]+)"', share).group(1))  # type: ignore[union-attr]
    from urllib.parse import parse_qs, urlsplit

    parts = urlsplit(href)
    assert parts.netloc == "wa.me" and parts.path == "/"
    text = parse_qs(parts.query)["text"][0]
    lesson = get_store().get("money-in-your-own-name", "bn")
    assert lesson is not None
    url = "http://testserver/learn/money-in-your-own-name?lang=bn"
    assert text == f"{lesson.lesson.header.title}\n{url}"
    for tracking in ("utm_", "done=", "from=", "fbclid", "ref="):
        assert tracking not in href
    assert f'data-copy="{url}"' in unescape(share) and " hidden>" in share
    assert 'rel="noopener noreferrer"' in share
    assert f'<bdi dir="ltr">{url}</bdi>' in unescape(share)


HEADING = re.compile(r"<h([1-6])\b")
CONTENT_SPANS = re.compile(r'<(?:legend|label class="choice"[^>]*)>.*?<span([^>]*)>', re.S)


@pytest.mark.parametrize("lang", LESSON_LANGS)
def test_every_lesson_has_headings_in_order_and_lang_dir_on_every_block(
    client: TestClient, lang: str
) -> None:
    for entry in get_store().list(lang):
        lesson = entry.lesson
        html = client.get(f"/learn/{lesson.slug}", params={"lang": lang}).text
        main = html.split('<main id="main"', 1)[1].split("</main>", 1)[0]
        levels = [int(n) for n in HEADING.findall(main)]
        assert levels[0] == 1 and levels.count(1) == 1, lesson.rel
        for before, after in pairwise(levels):
            assert after <= before + 1, f"{lesson.rel}: h{before} then h{after}"
        attrs = f' lang="{LANGUAGES[lesson.lang].code}" dir="{LANGUAGES[lesson.lang].dir}"'
        assert f"<h1{attrs}>" in main
        assert main.count(f'class="lesson-body"{attrs}') == len(lesson.html_parts)
        spans = CONTENT_SPANS.findall(main)
        assert len(spans) == sum(1 + len(q.choices) for q in lesson.header.quiz)
        assert all(s == attrs for s in spans), lesson.rel
        # every radio button belongs to a fieldset with a legend, and has its own label
        assert main.count("<fieldset") == len(lesson.header.quiz) == main.count("<legend>")
        for q in lesson.header.quiz:
            for c in q.choices:
                cid = f"{q.id}-{c.id}"
                assert f'<label class="choice" for="{cid}"><input type="radio" id="{cid}"' in main
        assert 'role="status" aria-live="polite"' in main


def test_lesson_pages_set_no_cookies(client: TestClient) -> None:
    r = client.get("/learn/fee-and-margin")
    assert "set-cookie" not in r.headers
    r = client.post("/learn/fee-and-margin/quiz", data=ALL_RIGHT["fee-and-margin"])
    assert "set-cookie" not in r.headers


# -- quiz -----------------------------------------------------------------------------------


def test_quiz_post_all_right_in_english(client: TestClient) -> None:
    r = client.post("/learn/fee-and-margin/quiz", data=ALL_RIGHT["fee-and-margin"])
    assert r.status_code == 200
    assert r.headers["cache-control"] == "no-store"
    html = r.text
    assert "You got 3 of 3 right." in html
    assert html.count('<span class="verdict" aria-hidden="true">✓</span>') == 3 and "✗" not in html
    assert "Your answer is right" not in html  # the feedback itself says so, once
    lesson = get_store().get("fee-and-margin", "en")
    assert lesson is not None
    text = text_of(html)
    for q in lesson.lesson.header.quiz:
        feedback = q.correct_choice.feedback
        assert text.count(feedback) == 1
        assert feedback.split(".")[0] in {"Right", "Yes", "Correct", "Exactly", "Sadly, yes"}
        assert (
            f'id="{q.id}-{q.correct_choice.id}" name="{q.id}" value="{q.correct_choice.id}" checked'
            in html
        )
    # progress: this lesson is now done, and the links say so
    assert 'href="/learn?done=1"' in html
    assert 'href="/learn/reading-a-quote?done=1"' in html
    assert 'data-done="1"' in html


def test_correct_feedback_reads_naturally_in_english() -> None:
    """Correct answers are announced by their own feedback ("Right. …", "Yes. …"), so the
    page adds no second verdict; wrong ones are followed by "The right answer: …"."""
    for entry in get_store().list("en"):
        for q in entry.lesson.header.quiz:
            first = q.correct_choice.feedback.split(".")[0]
            assert first in {"Right", "Yes", "Correct", "Exactly", "Sadly, yes"}, entry.lesson.rel


def test_quiz_post_marks_wrong_and_unanswered_with_feedback_for_each(client: TestClient) -> None:
    r = client.post("/learn/fee-and-margin/quiz?done=4", data={"q1": "a", "q2": "c"})
    html = r.text
    assert (
        "You answered 2 of 3 questions and got 1 right. Answer the others to finish the lesson."
        in html
    )
    assert "You got" not in html
    lesson = get_store().get("fee-and-margin", "en")
    assert lesson is not None
    q1, q2, q3 = lesson.lesson.header.quiz
    blocks = {
        q.id: html.split(f'id="q-{q.id}"', 1)[1].split("</fieldset>", 1)[0] for q in (q1, q2, q3)
    }
    assert "is-wrong" in html.split('id="q-q1"')[0].rsplit("<fieldset", 1)[1]
    assert '<span class="verdict" aria-hidden="true">✗</span>' in blocks["q1"]
    assert q1.choices[0].feedback in unescape(blocks["q1"])  # feedback on the chosen answer
    assert "The right answer: <strong" in blocks["q1"] and q1.correct_choice.text in unescape(
        blocks["q1"]
    )
    assert '<span class="verdict" aria-hidden="true">✓</span>' in blocks["q2"]
    assert "You did not answer this question." in blocks["q3"]
    assert "is-right" not in blocks["q3"] and "is-wrong" not in blocks["q3"]
    assert 'href="/learn?done=4"' in html  # not complete: lesson 1 is not marked done


def test_quiz_post_in_urdu(client: TestClient) -> None:
    r = client.post(
        "/learn/formal-vs-informal/quiz?lang=ur", data={"q1": "b", "q2": "b", "q3": "c"}
    )
    assert r.status_code == 200
    html = r.text
    assert '<html lang="ur" dir="rtl">' in html
    assert "آپ کے 3 میں سے 2 جواب درست ہیں۔" in html
    assert html.count('<span class="verdict" aria-hidden="true">✓</span>') == 2
    assert html.count('<span class="verdict" aria-hidden="true">✗</span>') == 1
    lesson = get_store().get("formal-vs-informal", "ur")
    assert lesson is not None and lesson.lesson.lang == "ur"
    q2 = lesson.lesson.header.quiz[1]
    assert q2.choices[1].feedback in unescape(html) and q2.correct_choice.text in unescape(html)
    assert 'action="/learn/formal-vs-informal/quiz?done=4&amp;lang=ur#quiz-result"' in html


def test_quiz_post_with_a_made_up_choice_is_a_friendly_400(client: TestClient) -> None:
    r = client.post("/learn/fee-and-margin/quiz", data={"q1": "zzz"})
    assert r.status_code == 400
    assert "This is not one of the choices offered." in r.text


@pytest.mark.parametrize(
    ("lang", "ask"),
    [
        ("en", "Choose an answer for each question, then press “Check my answers”."),
        ("ar", "اختر جوابًا لكل سؤال، ثم اضغط «تحقّق من إجاباتي»."),
    ],
)
def test_an_unanswered_quiz_asks_for_answers_instead_of_scoring_zero(
    client: TestClient, lang: str, ask: str
) -> None:
    r = client.post(f"/learn/fee-and-margin/quiz?lang={lang}", data={"other": "1"})
    assert r.status_code == 200
    html = r.text
    assert ask in html
    assert "0 of 3" not in html and "You did not answer" not in html and "verdict" not in html
    result = html.split('id="quiz-result"', 1)[1].split("</div>", 1)[0]
    assert 'role="status" aria-live="polite"' in result and ask in result
    api = client.post("/api/v1/lessons/fee-and-margin/quiz", json={"answers": {}})
    assert api.status_code == 422 and api.json()["detail"][0]["loc"] == ["body", "answers"]


# -- live example ---------------------------------------------------------------------------


def best_and_worst(
    session: Session, src: str, dst: str, amount: str, now: datetime
) -> tuple[RankedQuote, RankedQuote, bool]:
    result = compare(session, CompareRequest(src, dst, Decimal(amount)), now)
    fresh = [q for q in result.quotes if not q.priced.stale] or result.quotes
    best = fresh[0]  # compare() ranks by what the family receives
    worst = min(fresh, key=lambda q: q.priced.cost.received_amount)
    return best, worst, result.sample


@pytest.mark.parametrize(
    ("lang", "src", "dst", "amount", "slug"),
    [
        ("en", "GB", "PK", "120", "fee-and-margin"),
        ("ur", "AE", "PK", "735", "reading-a-quote"),
        ("bn", "US", "BD", "200", "comparing-providers"),
    ],
)
def test_live_example_shows_the_compare_services_best_and_worst(
    client: TestClient,
    session: Session,
    demo_now: datetime,
    lang: str,
    src: str,
    dst: str,
    amount: str,
    slug: str,
) -> None:
    params = {"lang": lang, "from": src, "to": dst, "amount": amount}
    r = client.get(f"/learn/{slug}", params=params)
    assert r.status_code == 200
    html = r.text
    live = html.split('id="live"', 1)[1].split("</section>", 1)[0]
    best_q, worst_q, sample = best_and_worst(session, src, dst, amount, demo_now)
    best, worst = quote_public(best_q, demo_now), quote_public(worst_q, demo_now)
    assert best.received_amount > worst.received_amount
    fmt = Formatter(LANGUAGES[lang])
    sc, rc = best_q.quote.send_currency, best.receive_currency
    parts = live.split("</h3>")
    best_box, worst_box = parts[1], parts[2]
    assert best_q.provider.name in parts[0] and worst_q.provider.name in parts[1]
    for box, q in ((best_box, best), (worst_box, worst)):
        assert fmt.money_bdi(q.fee, sc) in box
        assert fmt.rate_bdi(sc, rc, q.rate) in box
        assert fmt.money_bdi(q.fx_margin_amount, sc) in box  # the margin in money
        assert fmt.money_bdi(q.total_cost, sc) in box
        assert fmt.money_bdi(q.received_amount, rc) in box  # what the family receives
    diff = best_q.priced.cost.received_amount - worst_q.priced.cost.received_amount
    from api.domain.money import quantize_display

    assert fmt.money_bdi(quantize_display(diff, rc), rc) in live
    assert fmt.money_bdi(quantize_display(diff * 12, rc), rc) in live
    cost_diff = worst_q.priced.cost.total_cost - best_q.priced.cost.total_cost
    assert fmt.money_bdi(quantize_display(cost_diff * 12, sc), sc) in live
    assert sample is True
    if lang == "en":
        assert "Sample data — not live prices." in live
    assert 'class="banner"' in live
    assert f'href="/compare?from={src}&amp;to={dst}&amp;amount={amount}&amp;lang={lang}"' in live


def test_live_example_defaults_to_gb_pk_at_the_usd_200_basket(
    client: TestClient, session: Session, demo_now: datetime
) -> None:
    html = client.get("/learn/fee-and-margin").text
    assert "Example: you send <bdi>£120.00</bdi> from United Kingdom to Pakistan." in html
    best_q, worst_q, _ = best_and_worst(session, "GB", "PK", "120", demo_now)
    assert f"Today&#39;s best offer: {best_q.provider.name}" in html
    assert f"Today&#39;s worst offer: {worst_q.provider.name}" in html
    assert "Sample data — not live prices." in html


def test_lessons_without_live_example_have_no_example_box(client: TestClient) -> None:
    html = client.get("/learn/scams-and-fraud", params={"from": "GB", "to": "PK"}).text
    assert 'id="live"' not in html


def test_live_example_bad_query_is_a_friendly_4xx_that_keeps_the_lesson(
    client: TestClient,
) -> None:
    r = client.get("/learn/fee-and-margin", params={"amount": "lots"})
    assert r.status_code == 400
    assert "Please enter an amount as a number, for example 200." in r.text
    assert "Two prices, not one" in r.text and 'method="post"' in r.text
    assert "you gave: <bdi>lots</bdi>" in r.text
    r = client.get("/learn/fee-and-margin", params={"from": "ZZ", "to": "PK"})
    assert r.status_code == 400 and "We do not cover this corridor yet" in r.text
    r = client.get("/learn/fee-and-margin", params={"from": "G1"})
    assert r.status_code == 400 and "This is not a country code we know." in r.text
    r = client.get("/learn/fee-and-margin", params={"amount": "<script>x</script>"})
    assert r.status_code == 400 and "<script>x" not in r.text


def test_live_example_for_a_corridor_without_providers(client: TestClient) -> None:
    r = client.get("/learn/fee-and-margin", params={"from": "GB", "to": "IR"})
    assert r.status_code == 200
    live = r.text.split('id="live"', 1)[1].split("</section>", 1)[0]
    assert "No regulated provider found" in live and "sanctions" in live


def test_live_example_outside_the_price_range(client: TestClient) -> None:
    # Issue 18 prices every amount the fee covers: below the smallest amount checked, the
    # offer is priced with that amount's fee and rate and labelled an estimate; an offer
    # whose fee the amount does not cover is left out, and the example says why.
    r = client.get("/learn/fee-and-margin", params={"from": "GB", "to": "PK", "amount": "5"})
    assert r.status_code == 200
    live = text_of(r.text.split('id="live"', 1)[1].split("</section>", 1)[0])
    assert "No price for this amount" not in live
    assert "Today's best offer" in live and "Estimate:" in live
    assert "we have no price for exactly this amount" in live
    assert re.search(r"Providers left out: \d+ — the amount does not cover their fee\.", live)
    # An amount below every fee on the route: no price at all, the reason and the range.
    r = client.get("/learn/fee-and-margin", params={"from": "TR", "to": "IQ", "amount": "5"})
    assert r.status_code == 200
    live = text_of(r.text.split('id="live"', 1)[1].split("</section>", 1)[0])
    assert "No price for this amount" in live and "We check prices between" in live
    assert re.search(r"Providers left out: \d+ — the amount does not cover their fee\.", live)


# -- the comparison page hook and audio ----------------------------------------------------


def test_compare_page_links_the_lesson_next_to_zero_fee_high_margin_offers(
    client: TestClient,
) -> None:
    params = {"from": "GB", "to": "PK", "amount": "120"}
    quotes = client.get("/api/v1/compare", params=params).json()["quotes"]
    flagged = [q for q in quotes if Decimal(q["fee"]) == 0 and Decimal(q["fx_margin_pct"]) >= 2]
    assert flagged, "the sample data has zero-fee offers with a high margin"
    html = client.get("/compare", params=params).text
    link = 'href="/learn/fee-and-margin?from=GB&amp;to=PK&amp;amount=120"'
    assert html.count(link) == len(flagged)
    assert html.count("No fee, but a high margin is hidden in the exchange rate.") == len(flagged)
    # The general "what is a hidden margin?" carries the route, so the lesson is written
    # for the reader's country (issue 21).
    assert 'href="/learn/fee-and-margin?from=GB&amp;to=PK"' in html


def test_audio_is_a_plain_audio_element(
    client: TestClient, lessons_copy: Path, edit: Edit, monkeypatch: pytest.MonkeyPatch
) -> None:
    audio = lessons_copy / "audio" / "en" / "06.ogg"
    audio.parent.mkdir(parents=True)
    audio.write_bytes(b"OggS-not-really")
    edit("en/06-id-and-kyc.md", r"^audio: null$", "audio: audio/en/06.ogg")
    store = LessonStore(lessons_copy)
    monkeypatch.setattr("web.routes_lessons.get_store", lambda: store)
    html = client.get("/learn/id-and-kyc").text
    assert '<audio controls preload="none" src="/learn/audio/audio/en/06.ogg"' in html
    r = client.get("/learn/audio/audio/en/06.ogg")
    assert r.status_code == 200 and r.headers["content-type"] == "audio/ogg"
    assert r.content == b"OggS-not-really"
    for bad in (
        "/learn/audio/en/06-id-and-kyc.md",
        "/learn/audio/../secret.ogg",
        "/learn/audio/x.ogg",
    ):
        assert client.get(bad).status_code == 404


# -- the live example on the shipped data (real survey prices, no live offer on GB→PK) ----


@pytest.fixture(scope="module")
def shipped_client(tmp_path_factory: pytest.TempPathFactory, demo_db: Path) -> Iterator[TestClient]:
    """The database as `make run` leaves it (SQLite): World Bank survey prices on GB→PK.
    A copy of this run's `remit demo` database (tests/browser_fixtures.py)."""
    path = tmp_path_factory.mktemp("shipped") / "remit.sqlite3"
    shutil.copyfile(demo_db, path)
    eng = make_engine(f"sqlite:///{path}")
    now = utcnow()
    app = create_app()

    def session() -> Iterator[Session]:
        with Session(eng) as s:
            yield s

    app.dependency_overrides[get_session] = session
    app.dependency_overrides[get_now] = lambda: now
    with TestClient(app) as c:
        yield c
    eng.dispose()


def test_live_example_uses_dated_survey_prices_when_no_live_offer_exists(
    shipped_client: TestClient,
) -> None:
    api = shipped_client.get("/api/v1/compare", params={"from": "GB", "to": "PK", "amount": "120"})
    body = api.json()
    assert not [q for q in body["quotes"] if q.get("tier", "live") == "live" and not q["stale"]]
    survey = body["survey_quotes"]
    assert survey, "the shipped data has World Bank survey prices for GB→PK"
    html = shipped_client.get("/learn/fee-and-margin").text
    live = html.split('id="live"', 1)[1].split("</section>", 1)[0]
    assert "No live offer on this corridor: these are World Bank survey prices of" in live
    assert "Best price in the survey" in live and "Today&#39;s" not in live
    assert "Sample data" not in live
    fmt = Formatter(LANGUAGES["en"])
    best = max(survey, key=lambda q: Decimal(q["received_amount"]))
    worst = min(survey, key=lambda q: Decimal(q["received_amount"]))
    assert fmt.money_bdi(Decimal(best["received_amount"]), "PKR") in live
    assert fmt.money_bdi(Decimal(worst["received_amount"]), "PKR") in live
