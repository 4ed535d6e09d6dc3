"""`/api/v1/lessons…` on SQLite and PostgreSQL (through the `client` fixture)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.services.lessons import LessonStore

TRANSLATED = {"fee-and-margin", "formal-vs-informal", "money-in-your-own-name"}


def test_list_in_english_has_seventeen_lessons(client: TestClient) -> None:
    r = client.get("/api/v1/lessons")
    assert r.status_code == 200
    body = r.json()
    assert body["lang"] == "en"
    lessons = body["lessons"]
    assert [x["number"] for x in lessons] == list(range(1, 18))
    assert all(x["translated"] and x["lang"] == "en" and not x["needs_review"] for x in lessons)
    first = lessons[0]
    assert set(first) == {
        "slug",
        "number",
        "title",
        "summary",
        "minutes",
        "audience",
        "audiences",
        "corridors",
        "lang",
        "translated",
        "needs_review",
        "live_example",
    }
    assert first["slug"] == "fee-and-margin" and first["live_example"] is True
    assert 2 <= first["minutes"] <= 5 and first["audience"] == "sender"
    assert first["audiences"] == ["sender"]
    women = next(x for x in lessons if x["slug"] == "money-in-your-own-name")
    assert women["audience"] == "both"
    assert women["audiences"] == ["sender", "receiver", "women"]


def test_list_in_urdu_falls_back_to_english(
    client: TestClient, lessons_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keep = {"01-fee-and-margin.md", "04-formal-vs-informal.md", "15-money-in-your-own-name.md"}
    for path in (lessons_copy / "ur").glob("*.md"):
        if path.name not in keep:
            path.unlink()
    store = LessonStore(lessons_copy)
    monkeypatch.setattr("api.http.lessons_routes.get_store", lambda: store)
    lessons = client.get("/api/v1/lessons", params={"lang": "ur"}).json()["lessons"]
    assert len(lessons) == 17
    urdu = {x["slug"] for x in lessons if x["translated"]}
    assert urdu == TRANSLATED
    for x in lessons:
        if x["slug"] in TRANSLATED:
            assert x["lang"] == "ur" and x["needs_review"] is True
        else:
            assert x["lang"] == "en" and x["translated"] is False


def test_lang_is_matched_case_insensitively(client: TestClient) -> None:
    body = client.get("/api/v1/lessons", params={"lang": "fa-af"}).json()
    assert body["lang"] == "fa-AF"
    assert body["lessons"][0]["lang"] == "fa-AF"


def test_bad_lang_is_422_naming_the_field(client: TestClient) -> None:
    for path in ("/api/v1/lessons", "/api/v1/lessons/fee-and-margin"):
        r = client.get(path, params={"lang": "xx"})
        assert r.status_code == 422
        detail = r.json()["detail"]
        assert detail[0]["loc"] == ["query", "lang"]
        assert "xx" in detail[0]["msg"]


def test_lesson_detail_hides_the_answers(client: TestClient) -> None:
    r = client.get("/api/v1/lessons/fee-and-margin", params={"lang": "ur"})
    assert r.status_code == 200
    body = r.json()
    assert body["lang"] == "ur" and body["translated"] is True
    assert body["rule_of_thumb"] and body["review_note"]
    assert [f["id"] for f in body["facts"]] == ["rpw-global-avg", "sdg-10c"]
    for fact in body["facts"]:
        assert fact["source"] and fact["url"].startswith("https://") and fact["as_of"]
    assert [q["id"] for q in body["quiz"]] == ["q1", "q2", "q3"]
    for q in body["quiz"]:
        assert set(q) == {"id", "question", "choices"}
        assert all(set(c) == {"id", "text"} for c in q["choices"])
    assert '"correct"' not in r.text and "feedback" not in r.text
    assert "{{ live_example }}" in body["body_markdown"]
    assert 'data-live-example=""' in body["body_html"] and "<h2>" in body["body_html"]


def test_lesson_detail_falls_back_to_english(
    client: TestClient, lessons_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (lessons_copy / "bn" / "13-your-rights.md").unlink()  # every lesson may be translated
    store = LessonStore(lessons_copy)
    monkeypatch.setattr("api.http.lessons_routes.get_store", lambda: store)
    body = client.get("/api/v1/lessons/your-rights", params={"lang": "bn"}).json()
    assert body["lang"] == "en" and body["translated"] is False and body["review_note"] == ""


def test_unknown_lesson_is_404(client: TestClient) -> None:
    for method, path in (
        ("GET", "/api/v1/lessons/no-such-lesson"),
        ("POST", "/api/v1/lessons/no-such-lesson/quiz"),
    ):
        r = client.request(method, path, json={"answers": {}})
        assert r.status_code == 404
        assert r.json()["detail"][0]["loc"] == ["path", "slug"]


def test_quiz_check_gives_right_wrong_and_feedback(client: TestClient) -> None:
    r = client.post(
        "/api/v1/lessons/fee-and-margin/quiz",
        params={"lang": "ur"},
        json={"answers": {"q1": "b", "q2": "a"}},
    )
    assert r.status_code == 200
    body = r.json()
    assert body["lang"] == "ur" and body["score"] == 1 and body["total"] == 3
    q1, q2, q3 = body["results"]
    assert q1["correct"] is True and q1["answer"] == "b" and q1["feedback"].startswith("درست")
    assert q2["correct"] is False and q2["correct_choice"] == "c"
    assert q2["feedback"] and q2["correct_feedback"] and q2["feedback"] != q2["correct_feedback"]
    assert q3 == {
        "question_id": "q3",
        "answer": None,
        "answered": False,
        "correct": False,
        "correct_choice": "b",
        "feedback": None,
        "correct_feedback": q3["correct_feedback"],
    }


def test_quiz_check_rejects_unknown_questions_and_choices(client: TestClient) -> None:
    url = "/api/v1/lessons/id-and-kyc/quiz"
    r = client.post(url, json={"answers": {"q9": "a"}})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "answers", "q9"]
    r = client.post(url, json={"answers": {"q1": "z"}})
    assert r.status_code == 422 and "unknown choice 'z'" in r.json()["detail"][0]["msg"]
    r = client.post(url, json={"answers": {}, "extra": 1})
    assert r.status_code == 422
    r = client.post(url, json={"answers": {"q1": "a", "q2": "b"}})
    assert r.json()["score"] == 2
