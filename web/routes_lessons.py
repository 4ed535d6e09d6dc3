"""`/learn`: the financial-literacy lessons (lessons/, read by `api.services.lessons`).

- `/learn?lang=ur` lists every lesson in the page language, English where not translated.
- `/learn/{slug}` shows one: rule of thumb, body, facts with source and date, quiz. Lessons
  with `live_example: true` get a worked example on the learner's corridor and amount
  (`?from=GB&to=PK&amount=200`, default GB→PK at the USD 200 basket) from `compare()`.
- `POST /learn/{slug}/quiz` checks the answers on the server (works with JavaScript off).

Progress stays on the device: the `done` query value (lesson numbers, e.g. `done=1.3`)
travels in links and forms, and an optional script (`lessons.js`) keeps it in localStorage.
No cookies, no account.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import PurePosixPath
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from api.http.deps import NowDep, SessionDep, public_base
from api.services.compare import BadRequest, NotFound, all_data_version
from api.services.lesson_audio import VOICES, audio_rel
from api.services.lesson_local import choose_country, localize, uses_local
from api.services.lesson_markup import COUNTRIES
from api.services.lesson_quiz import QuizResult, check_quiz
from api.services.lessons import (
    AUDIENCE_FILTERS,
    AUDIO_SUFFIXES,
    SOURCE_LANG,
    Lesson,
    LessonEntry,
    get_store,
    lesson_for_quote,
)
from api.services.live_example import WorkedExample, worked_example
from api.settings import get_settings
from api.storage.models import Corridor
from web import params
from web.data import CorridorIndex, corridor_index, default_amount
from web.i18n import LANGUAGES, N_
from web.pagecache import cached_page
from web.render import ENV, Page, PageDep, PageError, render
from web.routes_compare import no_provider_text
from web.static import assets, serve_bytes, static_url

router = APIRouter(include_in_schema=False)

DEFAULT_FROM, DEFAULT_TO = "GB", "PK"
AUDIENCE = {
    "sender": N_("For senders"),
    "receiver": N_("For families at home"),
    "both": N_("For senders and families"),
}
# The /learn filter: who a lesson is for (see AUDIENCE_FILTERS in api.services.lessons).
AUDIENCE_FILTER_LABELS = {
    "sender": N_("People who send money"),
    "receiver": N_("Families who receive money"),
    "women": N_("Women"),
    "rural": N_("Villages and rural areas"),
    "business": N_("Small businesses"),
    "disability": N_("People with a disability"),
}
BAD_AUDIENCE = N_("Choose one of the audiences offered.")
OFFLINE_NOTE = N_("Offline copy saved on %(date)s. Prices and rules may have changed since.")
NO_CORRIDOR_TITLE = N_("We do not cover this corridor yet")
NO_CORRIDOR_TEXT = N_("We have no prices for sending from %(src)s to %(dst)s.")
NOT_A_CHOICE = N_("This is not one of the choices offered.")
AMOUNT_NOT_POSITIVE = N_("The amount must be more than zero.")
NOT_FOUND_TITLE = N_("Page not found")
NOT_FOUND_TEXT = N_("There is no page at this address.")
AUDIO_TYPES = {
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".opus": "audio/ogg",
    ".m4a": "audio/mp4",
    ".webm": "audio/webm",
}

MAX_AUDIO_PATH = 255

# The comparison page asks this, per offer, whether to link a lesson next to it.
ENV.globals["lesson_for_quote"] = lesson_for_quote
# Every page carries a hidden "offline copy" note; the service worker (sw.js) shows it,
# with the date it saved the page, when it serves a saved copy with the network off.
ENV.globals["OFFLINE_TIME"] = Markup("<time data-saved></time>")


def parse_done(raw: str | None) -> list[int]:
    """`done=1.3.14` -> [1, 3, 14]. Progress is a hint from the device: junk is ignored."""
    out: list[int] = []
    for part in (raw or "").replace(",", ".").replace(" ", ".").split(".")[:40]:
        if part.isdigit() and len(part) <= 2 and 0 < int(part) < 100 and int(part) not in out:
            out.append(int(part))
    return sorted(out)


def done_value(numbers: list[int]) -> str | None:
    return ".".join(str(n) for n in sorted(numbers)) or None


@dataclass
class LiveBlock:
    """The worked example on a lesson page, or why it cannot be shown."""

    index: CorridorIndex
    src: str
    dst: str
    amount: Decimal | None
    corridor: Corridor | None
    example: WorkedExample | None
    error: PageError | None
    chosen: bool  # the learner gave a corridor or amount in the URL


def live_block(page: Page, session: SessionDep, now: NowDep) -> LiveBlock:
    q = page.request.query_params
    index = corridor_index(session)
    chosen = any(q.get(k) for k in ("from", "to", "amount"))
    block = LiveBlock(index, DEFAULT_FROM, DEFAULT_TO, None, None, None, None, chosen)
    try:
        block.src = params.country(q, "from", required=False) or DEFAULT_FROM
        block.dst = params.country(q, "to", required=False) or DEFAULT_TO
        block.amount = params.amount(q, "amount")
    except PageError as exc:
        block.error = exc
        return block
    block.corridor = index.get(block.src, block.dst)
    if block.corridor is None:
        block.error = PageError(
            400,
            NO_CORRIDOR_TITLE,
            NO_CORRIDOR_TEXT,
            src=page.fmt.country(block.src),
            dst=page.fmt.country(block.dst),
        )
        return block
    if block.amount is None:
        block.amount = default_amount(block.corridor)
    try:
        block.example = worked_example(session, block.src, block.dst, block.amount, now)
    except (NotFound, BadRequest) as exc:
        message = AMOUNT_NOT_POSITIVE if exc.field == "amount" else NOT_A_CHOICE
        value = q.get(exc.field) or ""
        block.error = PageError(400, params.BAD_VALUE, message, field=exc.field, value=value)
    return block


def _entry(page: Page, slug: str) -> tuple[LessonEntry, str | None]:
    """The lesson in the page language, written for the reader's destination country (the
    route they compared, `to`, else the language's usual one: lessons/local/), and that
    country when the lesson has anything that depends on it."""
    store = get_store()
    entry = store.get(slug, page.lang) if len(slug) <= 64 else None
    if entry is None:
        raise PageError(404, NOT_FOUND_TITLE, NOT_FOUND_TEXT)
    if not uses_local(entry.lesson):
        return entry, None
    country = choose_country(store.root, page.lang, page.request.query_params.get("to"))
    lesson = localize(entry.lesson, country, store.root)
    return LessonEntry(lesson, entry.requested_lang), country


def _carry(page: Page, done: list[int]) -> dict[str, str | None]:
    """Query values that follow the learner from page to page (besides the language)."""
    q = page.request.query_params
    carry: dict[str, str | None] = {k: q.get(k) for k in ("from", "to", "amount")}
    carry["done"] = done_value(done)
    return carry


def _lesson_page(
    page: Page,
    session: SessionDep,
    now: NowDep,
    entry: LessonEntry,
    country: str | None,
    result: QuizResult | None = None,
    answers: dict[str, str] | None = None,
) -> Response:
    lesson = entry.lesson
    done = parse_done(page.request.query_params.get("done"))
    if result is not None and result.complete and lesson.number not in done:
        done = sorted([*done, lesson.number])
    live = live_block(page, session, now) if lesson.header.live_example else None
    # A bad corridor or amount still shows the lesson, with the problem in the example box.
    status = live.error.status if live and live.error else 200
    lessons = get_store().list(page.lang)
    numbers = [e.lesson.number for e in lessons]
    here = numbers.index(lesson.number) if lesson.number in numbers else -1
    following = lessons[here + 1] if 0 <= here < len(lessons) - 1 else None
    return render(
        page,
        "lessons/lesson.html",
        {
            "entry": entry,
            "lesson": lesson,
            "h": lesson.header,
            "content": content_attrs(page, lesson),
            "audience": AUDIENCE,
            "live": live,
            "result": result,
            "answers": answers or {},
            "done": done,
            "carry": _carry(page, done),
            "following": following,
            "content_of": lambda e: content_attrs(page, e.lesson),
            "share": share_links(page, lesson),
            "country": country,
            "voice": computer_voice(lesson),
            "has_voice": lesson.lang in VOICES,
            "countries": COUNTRIES,
            "no_provider_text": no_provider_text,
        },
        status=status,
        cache_control="no-store" if result is not None else "public, max-age=60",
    )


def computer_voice(lesson: Lesson) -> str | None:
    """The address of the lesson's computer-voice audio, when `remit lessons audio` made it."""
    rel = audio_rel(lesson)
    return f"/learn/audio/{rel}" if (get_store().root / rel).is_file() else None


def content_attrs(page: Page, lesson: Lesson) -> str:
    """`lang`/`dir` for every block of lesson text, so a screen reader reads each in its
    language (the English fallback inside an Urdu page included)."""
    language = LANGUAGES[lesson.lang]
    return f' lang="{language.code}" dir="{language.dir}"'


@dataclass(frozen=True)
class ShareLinks:
    url: str  # the lesson's address: path and language only, no tracking or progress
    whatsapp: str


def share_links(page: Page, lesson: Lesson) -> ShareLinks:
    base = public_base(page.request)
    url = f"{base}/learn/{lesson.slug}"
    if page.lang != SOURCE_LANG:
        url += "?" + urlencode({"lang": page.lang})
    text = f"{lesson.header.title}\n{url}"
    return ShareLinks(url, "https://wa.me/?" + urlencode({"text": text}, quote_via=quote))


@router.get("/learn")
def lessons_list(page: PageDep) -> Response:
    done = parse_done(page.request.query_params.get("done"))
    chosen = page.request.query_params.get("audience") or None
    if chosen is not None and chosen not in AUDIENCE_FILTERS:
        raise PageError(400, params.BAD_VALUE, BAD_AUDIENCE, field="audience", value=chosen)
    entries = get_store().list(page.lang, chosen)
    return render(
        page,
        "lessons/list.html",
        {
            "entries": entries,
            "chosen": chosen,
            "translated": sum(1 for e in entries if e.translated),
            "audience_filters": AUDIENCE_FILTER_LABELS,
            "audience": AUDIENCE,
            "done": done,
            "carry": _carry(page, done),
            "content_attrs": content_attrs,
            "english": LANGUAGES[SOURCE_LANG],
            "offline_urls": offline_urls(page, _carry(page, done)),
            "total": len(get_store().list(page.lang)),
        },
    )


def offline_urls(page: Page, carry: dict[str, str | None]) -> str:
    """What "Save all lessons for offline" asks the service worker (sw.js) to keep: every
    lesson of the page language as the list links to it (the reader's route included) and
    with the language alone (as the offline page links to it), the offline pages, and the
    scripts and stylesheet the lessons use. The worker keys each by its full address, less
    the `done` marks; audio is left out (megabytes, and it plays online)."""
    plain = {"lang": page.lang}
    route = {k: v for k, v in carry.items() if k != "done"}
    urls = [page.url("/learn", route), page.url("/offline"), "/offline?" + urlencode(plain)]
    for entry in get_store().list(page.lang):
        path = f"/learn/{entry.lesson.slug}"
        urls += [page.url(path, route), f"{path}?{urlencode(plain)}"]
    urls += [static_url(name) for name in ("app.js", "lessons.js", "lessons.css")]
    return " ".join(dict.fromkeys(urls))


@router.get("/offline")
def offline_page(page: PageDep) -> Response:
    """What the service worker shows for a page it has not saved, with the network off: in
    the reader's language, with the lessons (lessons.js keeps only those saved)."""
    return render(
        page,
        "lessons/offline.html",
        {"entries": get_store().list(page.lang), "content_attrs": content_attrs},
    )


@router.api_route("/sw.js", methods=["GET", "HEAD"])
def service_worker(request: Request) -> Response:
    """The optional offline service worker, served from the site root so that its scope
    covers /learn and /compare. Revalidated on every load so an update reaches users."""
    asset = assets()["sw.js"]
    return serve_bytes(request, asset.body, asset.content_type, asset.etag, "no-cache")


@router.get("/learn/audio/{path:path}")
def lesson_audio(path: str, request: Request) -> Response:
    not_found = Response("not found\n", status_code=404, media_type="text/plain")
    # A file name the file system cannot hold (NUL, longer than a path may be) is not there.
    if "\x00" in path or len(path) > MAX_AUDIO_PATH or not path.isprintable():
        return not_found
    rel = PurePosixPath(path)
    root = get_store().root
    try:
        target = (root / rel).resolve()
        ok = (
            ".." not in rel.parts
            and rel.suffix.lower() in AUDIO_SUFFIXES
            and target.is_relative_to(root)
            and target.is_file()
        )
    except (OSError, ValueError):
        ok = False
    if not ok:
        return not_found
    return FileResponse(
        target,
        media_type=AUDIO_TYPES[rel.suffix.lower()],
        headers={"Cache-Control": "public, max-age=86400"},
    )


@router.get("/learn/{slug}")
def lesson_page(slug: str, page: PageDep, session: SessionDep, now: NowDep) -> Response:
    entry, country = _entry(page, slug)
    # Fixed by the address, language and minute, and (for a live example) the data version
    # of what it may show: a repeat comes from memory.
    live = all_data_version(session) if entry.lesson.header.live_example else None
    return cached_page(
        page,
        now,
        ("lesson", slug, country, live),
        lambda: _lesson_page(page, session, now, entry, country),
        enabled=get_settings().compare_cache_s > 0,
    )


@router.post("/learn/{slug}/quiz")
async def lesson_quiz(
    slug: str, request: Request, page: PageDep, session: SessionDep, now: NowDep
) -> Response:
    entry, country = _entry(page, slug)
    form = await request.form()
    answers: dict[str, str] = {}
    for question in entry.lesson.header.quiz:
        value = form.get(question.id)
        if value is None or value == "":
            continue
        if not isinstance(value, str) or question.choice(value) is None:
            raise PageError(400, params.BAD_VALUE, NOT_A_CHOICE)
        answers[question.id] = value
    result = check_quiz(entry.lesson, answers)
    return await run_in_threadpool(
        _lesson_page, page, session, now, entry, country, result, answers
    )
