"""The widget for organisations (issue 12), through the app on SQLite and PostgreSQL:
organisations as data (storage, admin API, CLI), the framing policy per organisation, the
in-frame form, the chooser, empty corridors, the builder, no tracking, view counts, XSS and
byte budgets. The browser side (heights, blocking, messages) is test_widget_browser.py."""

from __future__ import annotations

import gzip
import html
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect
from sqlmodel import Session, select
from typer.testing import CliRunner

from api.settings import Settings, get_settings
from api.storage import orgs, viewcount
from api.storage.apikeys import create_key
from api.storage.models import Organisation, WidgetViewDay
from remit.cli.main import app as cli_app
from tests.collectors.conftest import scratch_env, scratch_template, scratch_url  # noqa: F401
from web.i18n import LANGUAGES
from web.routes_widget import MESSAGE_TYPE, SNIPPET_HEIGHT

ORIGINS = ["https://diaspora.example.org", "http://127.0.0.1:9000"]
XSS = "<script>alert(1)</script>"
XSS2 = '"><svg onload=alert(1)>'


def add(session: Session, slug: str = "bradford-pk", **kw: Any) -> Organisation:
    data = orgs.OrgInput(
        slug=slug,
        name=kw.pop("name", "Bradford Pakistani Association"),
        origins=kw.pop("origins", ORIGINS),
        **kw,
    )
    row = orgs.add_org(
        session, orgs.check_org(session, data, LANGUAGES), datetime.now().astimezone()
    )
    session.commit()
    return row


def csp(response: Any) -> str:
    return str(response.headers["Content-Security-Policy"])


def ancestors(response: Any) -> str:
    return csp(response).split("frame-ancestors", 1)[1].strip()


@pytest.fixture
def key(session: Session, demo_now: datetime) -> dict[str, str]:
    secret = get_settings().secret_key
    _, plain = create_key(session, "tests", demo_now, secret=secret, scopes=["orgs"])
    session.commit()
    return {"X-API-Key": plain}


# -- organisations as data --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "kw"),
    [
        ("slug", {"slug": "Not OK!"}),
        ("slug", {"slug": "-x"}),
        ("name", {"name": "  "}),
        ("origin", {"origins": []}),
        ("origin", {"origins": ["https://example.org/path"]}),
        ("origin", {"origins": ["https://evil.example; script-src *"]}),
        ("origin", {"origins": ["https://*.example.org"]}),
        ("origin", {"origins": ["ftp://example.org"]}),
        ("origin", {"origins": ["https://user@example.org"]}),
        ("origin", {"origins": ["http://127.0.0.1:70000"]}),
        ("corridor", {"corridors": ["GB-ZZ"]}),
        ("default_to", {"default_from": "GB"}),
        ("default_to", {"default_from": "GB", "default_to": "ZZ"}),
        ("lang", {"default_lang": "xx"}),
    ],
)
def test_bad_organisation_fields_are_named(
    session: Session, field: str, kw: dict[str, Any]
) -> None:
    kw = dict(kw)  # the parameter is shared by the SQLite and PostgreSQL runs
    data = orgs.OrgInput(
        slug=kw.pop("slug", "ok"),
        name=kw.pop("name", "Ok"),
        origins=kw.pop("origins", ORIGINS),
        **kw,
    )
    with pytest.raises(orgs.OrgError) as err:
        orgs.check_org(session, data, LANGUAGES)
    assert err.value.field == field
    assert session.exec(select(Organisation)).all() == []


def test_organisations_round_trip(session: Session) -> None:
    row = add(
        session,
        origins=[
            "HTTPS://Diaspora.Example.org/",
            "https://diaspora.example.org:443",
            "http://127.0.0.1:9000",
        ],
        corridors=["gb-bd"],
        default_from="gb",
        default_to="pk",
        default_lang="ur",
    )
    again = orgs.get_org(session, "bradford-pk")
    assert again is not None and again.id == row.id
    assert again.origin_list() == ORIGINS
    assert again.corridor_list() == ["GB-PK", "GB-BD"], "the default corridor is offered first"
    assert (again.default_from, again.default_to, again.default_lang) == ("GB", "PK", "ur")
    with pytest.raises(orgs.OrgError, match="already exists"):
        add(session)
    assert [o.slug for o in orgs.list_orgs(session)] == ["bradford-pk"]
    assert orgs.remove_org(session, "bradford-pk") and not orgs.remove_org(session, "bradford-pk")
    assert orgs.get_org(session, "bradford-pk") is None


def test_migration_created_the_tables(session: Session) -> None:
    insp = inspect(session.connection())
    assert {c["name"] for c in insp.get_columns("widgetviewday")} == {
        "organisation_id",
        "day",
        "views",
    }, "a view is a number per organisation and day: nothing about the visitor"
    assert "origins" in {c["name"] for c in insp.get_columns("organisation")}


def test_admin_api_manages_organisations(client: TestClient, key: dict[str, str]) -> None:
    body = {"slug": "bradford-pk", "name": "Bradford PK", "origins": ORIGINS, "lang": "UR"}
    assert client.post("/api/v1/admin/orgs", json=body).status_code == 401
    assert client.get("/api/v1/admin/orgs", headers={"X-API-Key": "wrong"}).status_code == 401
    r = client.post("/api/v1/admin/orgs", json=body, headers=key)
    assert r.status_code == 201, r.text
    assert r.json()["origins"] == ORIGINS and r.json()["lang"] == "ur"
    assert client.post("/api/v1/admin/orgs", json=body, headers=key).status_code == 409
    bad = client.post(
        "/api/v1/admin/orgs",
        json={**body, "slug": "x2", "origins": ["javascript:alert(1)"]},
        headers=key,
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "origin"]
    bad = client.post("/api/v1/admin/orgs", json={**body, "slug": "x3", "lang": "zz"}, headers=key)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "lang"]
    listed = client.get("/api/v1/admin/orgs", headers=key).json()["organisations"]
    assert [o["slug"] for o in listed] == ["bradford-pk"]
    assert client.get("/api/v1/admin/orgs/bradford-pk", headers=key).json()["name"] == "Bradford PK"
    assert client.delete("/api/v1/admin/orgs/bradford-pk", headers=key).status_code == 204
    assert client.delete("/api/v1/admin/orgs/bradford-pk", headers=key).status_code == 404
    assert client.get(f"/api/v1/admin/orgs/{XSS}/views", headers=key).status_code == 404


runner = CliRunner()


def test_cli_adds_lists_and_removes(scratch_env: str) -> None:  # noqa: F811
    r = runner.invoke(
        cli_app,
        [
            "admin",
            "org",
            "add",
            "bradford-pk",
            "--name",
            "Bradford PK",
            "--origin",
            ORIGINS[0],
            "--origin",
            ORIGINS[1],
            "--default-from",
            "GB",
            "--default-to",
            "PK",
            "--lang",
            "ur",
            "--count-views",
        ],
    )
    assert r.exit_code == 0, r.output
    assert "https://diaspora.example.org http://127.0.0.1:9000" in r.output
    r = runner.invoke(
        cli_app, ["admin", "org", "add", "x", "--name", "X", "--origin", "https://a.org/p"]
    )
    assert r.exit_code == 2 and "--origin:" in r.output and "Traceback" not in r.output
    r = runner.invoke(cli_app, ["admin", "org", "list"])
    assert r.exit_code == 0 and "bradford-pk" in r.output and "GB-PK" in r.output
    r = runner.invoke(cli_app, ["admin", "org", "views", "bradford-pk"])
    assert r.exit_code == 0 and "total 0" in r.output
    assert runner.invoke(cli_app, ["admin", "org", "remove", "bradford-pk"]).exit_code == 0
    r = runner.invoke(cli_app, ["admin", "org", "remove", "bradford-pk"])
    assert r.exit_code == 2 and "no organisation" in r.output


# -- framing policy ---------------------------------------------------------------------------


@pytest.fixture
def default_origins(client: TestClient) -> Iterator[None]:
    app = client.app
    app.dependency_overrides[get_settings] = lambda: Settings(  # type: ignore[attr-defined]
        widget_allowed_origins=["https://default.example.net"]
    )
    yield
    app.dependency_overrides.pop(get_settings)  # type: ignore[attr-defined]


def test_frame_ancestors_are_exactly_the_organisations_origins(
    client: TestClient, session: Session
) -> None:
    add(session, default_from="GB", default_to="PK")
    r = client.get("/widget", params={"org": "bradford-pk"})
    assert r.status_code == 200
    assert ancestors(r) == " ".join(ORIGINS)
    # the same for its error pages and its chooser
    r = client.get("/widget", params={"org": "bradford-pk", "amount": "abc"})
    assert r.status_code == 400 and ancestors(r) == " ".join(ORIGINS)
    assert (
        ancestors(client.get("/widget", params={"org": "nobody", "from": "GB", "to": "PK"}))
        == "'none'"
    )
    assert ancestors(client.get("/widget")) == "'none'"
    # the builder's preview adds our own site and nothing else
    r = client.get("/widget", params={"org": "bradford-pk", "preview": "1"})
    assert ancestors(r) == "'self' " + " ".join(ORIGINS)
    for path in ("/", "/compare?from=GB&to=PK", "/widget/builder", "/widget.js"):
        assert "frame-ancestors 'none'" in csp(client.get(path)), path


@pytest.mark.usefixtures("default_origins")
def test_no_or_unknown_org_uses_the_configured_default_list(
    client: TestClient, session: Session
) -> None:
    add(session)
    assert (
        ancestors(client.get("/widget", params={"from": "GB", "to": "PK"}))
        == "https://default.example.net"
    )
    assert (
        ancestors(client.get("/widget", params={"org": "zz", "from": "GB", "to": "PK"}))
        == "https://default.example.net"
    )
    assert ancestors(
        client.get("/widget", params={"org": "bradford-pk", "from": "GB", "to": "PK"})
    ) == " ".join(ORIGINS)


def test_an_organisation_with_no_valid_origin_is_never_framed(
    client: TestClient, session: Session
) -> None:
    row = add(session)
    row.origins = "not-an-origin"
    session.add(row)
    session.commit()
    assert (
        ancestors(client.get("/widget", params={"org": "bradford-pk", "from": "GB", "to": "PK"}))
        == "'none'"
    )


# -- what the widget shows ----------------------------------------------------------------------


def test_without_parameters_a_friendly_chooser(client: TestClient) -> None:
    r = client.get("/widget", params={"lang": "ur"})
    assert r.status_code == 200
    assert '<select id="w-route" name="route">' in r.text
    assert r.text.count("<option") >= 30
    assert 'lang="ur" dir="rtl"' in r.text


def test_the_same_offers_as_compare_with_you_pay_and_received(client: TestClient) -> None:
    api = client.get("/api/v1/compare", params={"from": "GB", "to": "PK", "amount": "200"}).json()
    assert api["fees"] == "included"
    # One row per provider, as on the compare page (issue 18: it showed three Western Union
    # rows, two identical): each provider's best option, where that option ranks.
    firsts: dict[str, dict[str, Any]] = {}
    for q in api["quotes"]:
        firsts.setdefault(q["provider"]["slug"], q)
    top = list(firsts.values())[:3]
    body = client.get(
        "/widget", params={"from": "GB", "to": "PK", "amount": "200", "lang": "en"}
    ).text
    names = re.findall(r'<span class="name">([^<]+)</span>', body)
    assert names == [html.escape(q["provider"]["name"]) for q in top]
    assert body.count("You pay") == 3 and body.count("Your family receives") == 3
    assert "Fees included" in body
    pays = re.findall(r"You pay <bdi><bdi>([^<]+)</bdi>", body)
    assert pays == [f"£{float(q['you_pay']):,.2f}" for q in top]
    # Issue 17: an invented price never shows a capture time ("newest price 1 hour ago").
    assert "Sample data — not live prices." in body and "newest price" not in body


def test_see_all_offers_opens_the_full_comparison_in_a_new_tab(client: TestClient) -> None:
    body = client.get(
        "/widget", params={"from": "GB", "to": "PK", "amount": "250", "lang": "ur"}
    ).text
    link = re.search(
        r'<a href="([^"]+)" target="_blank" rel="noopener">[^<]*</a></p>\n<p class="sub">', body
    )
    assert link is not None
    href = html.unescape(link.group(1))
    assert href == "/compare?from=GB&to=PK&amount=250&lang=ur"
    assert client.get(href).status_code == 200


def test_the_form_inside_the_frame_changes_amount_and_route(
    client: TestClient, session: Session
) -> None:
    add(session, corridors=["GB-PK", "GB-BD"], default_lang="ur")
    r = client.get("/widget", params={"org": "bradford-pk"})
    assert r.status_code == 200 and 'lang="ur"' in r.text
    form = re.search(
        r'<form class="wform" method="get" action="/widget">(.*?)</form>', r.text, re.S
    )
    assert form is not None
    assert 'name="org" value="bradford-pk"' in form.group(1)
    assert re.findall(r'<option value="([A-Z-]+)"', form.group(1)) == ["GB-PK", "GB-BD"]
    r = client.get(
        "/widget", params={"org": "bradford-pk", "route": "GB-BD", "amount": "300", "ccy": "GBP"}
    )
    assert r.status_code == 200 and 'name="amount" value="300"' in r.text
    assert 'value="GB-BD" selected' in r.text
    # another currency: the amount typed for the old route is not reused
    r = client.get("/widget", params={"route": "DE-AF", "amount": "300", "ccy": "GBP"})
    assert r.status_code == 200 and 'name="amount" value="300"' not in r.text
    r = client.get("/widget", params={"org": "bradford-pk", "route": "DE-IR", "lang": "en"})
    assert r.status_code == 400 and "does not offer this route" in r.text
    assert '<form class="wform"' in r.text, "the visitor can pick another route"


def test_empty_corridor_is_explained(client: TestClient) -> None:
    r = client.get("/widget", params={"from": "DE", "to": "IR", "lang": "en"})
    assert r.status_code == 200
    body = r.text
    assert "No regulated provider found" in body and "because of sanctions" in body
    assert "official rate" in body and "market (open or parallel) rate" in body
    assert "Risks of informal channels" in body and "hawala" in body
    links = [
        html.unescape(h)
        for h in re.findall(r'href="(/[^"]+)" target="_blank" rel="noopener"', body)
    ]
    assert "/learn/formal-vs-informal?lang=en" in links
    for href in links:
        assert client.get(href).status_code == 200, href


def test_themes_and_bad_values(client: TestClient) -> None:
    r = client.get("/widget", params={"from": "GB", "to": "PK", "theme": "dark"})
    assert r.status_code == 200 and '<body data-theme="dark"' in r.text
    for params, status in (
        ({"from": "GB", "to": "PK", "theme": "neon"}, 400),
        ({"from": "GB", "to": "ZZ"}, 404),
        ({"from": "GB", "to": "PK", "amount": "-1"}, 400),
        ({"route": "XX-YY"}, 400),
    ):
        r = client.get("/widget", params=params)
        assert r.status_code == status, (params, r.status_code)
        assert r.headers["Cache-Control"] == "no-store"


# -- no tracking ------------------------------------------------------------------------------


def test_no_cookies_and_nothing_from_other_sites(client: TestClient, session: Session) -> None:
    add(session, count_views=True, default_from="GB", default_to="PK")
    for params in ({"org": "bradford-pk"}, {}, {"from": "DE", "to": "IR"}):
        r = client.get("/widget", params=params)
        assert "set-cookie" not in r.headers
        assert "default-src 'none'" in csp(r)
        urls = re.findall(r'(?:src|href|action)="([^"]*)"', r.text)
        assert urls and all(u.startswith(("/", "data:")) for u in urls), urls
    for path in ("/widget.js", "/widget/builder"):
        assert "set-cookie" not in client.get(path).headers


def test_views_are_counted_per_day_only_when_asked(
    client: TestClient,
    session: Session,
    key: dict[str, str],
    demo_now: datetime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No periodic flush during this test: the process-wide counter's clock started with an
    # earlier test, so a view more than FLUSH_EVERY_S later would flush part of the counts.
    monkeypatch.setattr(viewcount, "FLUSH_EVERY_S", float("inf"))
    counted = add(session, "counted", count_views=True, default_from="GB", default_to="PK")
    add(session, "quiet", default_from="GB", default_to="PK")
    for _ in range(3):
        assert client.get("/widget", params={"org": "counted"}).status_code == 200
    client.head("/widget", params={"org": "counted"})
    client.get("/widget", params={"org": "counted", "preview": "1"})
    client.get("/widget", params={"org": "quiet"})
    r = client.get("/api/v1/admin/orgs/counted/views", headers=key).json()
    assert r["total"] == 3 and r["days"] == [{"day": demo_now.date().isoformat(), "views": 3}]
    assert client.get("/api/v1/admin/orgs/quiet/views", headers=key).json()["total"] == 0
    assert (
        client.get("/api/v1/admin/orgs/counted/views", params={"days": 0}, headers=key).status_code
        == 422
    )
    assert orgs.flush_views(session) == 3  # counted in memory, written by a flush (issue 23)
    rows = session.exec(select(WidgetViewDay)).all()
    assert [(r.organisation_id, r.views) for r in rows] == [(counted.id, 3)]


def test_views_are_written_after_the_answer_once_a_flush_is_due(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(viewcount, "FLUSH_EVERY_S", 0.0)
    counted = add(session, "counted", count_views=True, default_from="GB", default_to="PK")
    assert client.get("/widget", params={"org": "counted"}).status_code == 200
    session.expire_all()
    rows = session.exec(select(WidgetViewDay)).all()
    assert [(r.organisation_id, r.views) for r in rows] == [(counted.id, 1)]
    assert orgs.flush_views(session) == 0  # nothing left in memory


# -- builder ---------------------------------------------------------------------------------


def test_builder_gives_two_snippets_and_a_live_preview(
    client: TestClient, session: Session
) -> None:
    add(session)
    r = client.get(
        "/widget/builder",
        params={
            "org": "bradford-pk",
            "route": "GB-BD",
            "amount": "150",
            "wlang": "ur",
            "theme": "dark",
        },
    )
    assert r.status_code == 200
    snippets = [html.unescape(s) for s in re.findall(r"<textarea[^>]*>([^<]*)</textarea>", r.text)]
    loader, iframe = snippets
    assert loader == (
        '<script src="http://testserver/widget.js" data-org="bradford-pk" data-from="GB" '
        'data-to="BD" data-amount="150" data-lang="ur" data-theme="dark" async></script>'
    )
    assert iframe.startswith(
        '<iframe src="http://testserver/widget?org=bradford-pk&amp;from=GB&amp;to=BD&amp;'
        'amount=150&amp;lang=ur&amp;theme=dark" title="رقم کی منتقلی کی قیمتوں کا موازنہ" '
        f'width="100%" height="{SNIPPET_HEIGHT["ur"]}"'
    )
    preview = re.search(r'<iframe id="b-preview" src="([^"]+)"', r.text)
    assert preview is not None
    src = html.unescape(preview.group(1))
    assert src.endswith("&preview=1")
    assert client.get(src).status_code == 200
    assert '<form class="controls" method="get" action="/widget/builder"' in r.text
    # another route in another currency: the amount typed for the old one is not reused
    r = client.get("/widget/builder", params={"route": "DE-AF", "amount": "150", "ccy": "GBP"})
    assert r.status_code == 200 and 'data-amount="150"' not in html.unescape(r.text)


# -- XSS and budgets --------------------------------------------------------------------------

WIDGET_PARAMS = ["org", "from", "to", "route", "amount", "lang", "theme", "ccy", "preview"]
BUILDER_PARAMS = ["org", "route", "amount", "wlang", "theme", "lang", "ccy"]


@pytest.mark.parametrize("payload", [XSS, XSS2])
@pytest.mark.parametrize(
    ("path", "name"),
    [("/widget", p) for p in WIDGET_PARAMS] + [("/widget/builder", p) for p in BUILDER_PARAMS],
)
def test_xss_in_every_parameter(client: TestClient, path: str, name: str, payload: str) -> None:
    base = {"from": "GB", "to": "PK", "amount": "200"} if path == "/widget" else {}
    if name == "route":
        base = {}
    r = client.get(path, params={**base, name: payload})
    assert r.status_code < 500, r.status_code
    assert payload not in r.text and "<svg" not in r.text and "<script>alert" not in r.text
    assert "Traceback" not in r.text


@pytest.mark.parametrize("lang", ["en", "ur"])
def test_byte_budgets(client: TestClient, lang: str) -> None:
    for params in ({"from": "GB", "to": "PK", "amount": "200"}, {"from": "DE", "to": "IR"}, {}):
        body = client.get("/widget", params={**params, "lang": lang}).content
        assert len(gzip.compress(body)) <= 10 * 1024, (params, len(gzip.compress(body)))
    loader = client.get("/widget.js").content
    assert len(loader) <= 2 * 1024, len(loader)


def test_loader_accepts_only_its_own_frames_messages(client: TestClient) -> None:
    js = client.get("/widget.js").text
    assert f'"{MESSAGE_TYPE}"' in js
    assert "e.origin !== u.origin" in js and "e.source !== f.contentWindow" in js
    frame_js = client.get("/widget", params={"from": "GB", "to": "PK"}).text
    assert "/static/widget-frame.js?v=" in frame_js


def test_survey_prices_are_labelled_with_their_date(client: TestClient, session: Session) -> None:
    """A route with no live offer shows World Bank survey prices, labelled as such."""
    from datetime import UTC, timedelta
    from decimal import Decimal

    from api.storage.quotes import QuoteIn, store_quotes
    from api.storage.rates import rates_for_pair

    mid = rates_for_pair(session, "PKR", "AFN")[0].rate
    surveyed = datetime(2025, 9, 15, tzinfo=UTC)
    results = store_quotes(
        session,
        [
            QuoteIn(
                provider="western-union",
                corridor="PK-AF",
                send_amount=Decimal(56000),
                send_currency="PKR",
                fee=Decimal(1000),
                rate=mid * Decimal("0.97"),
                receive_currency="AFN",
                payout_method="cash",
                speed="minutes",
                collected_at=surveyed,
                source="rpw",
                mid_rate=mid,
                mid_rate_type="interbank",
                mid_rate_source="rpw",
                mid_rate_as_of=surveyed.date() - timedelta(days=1),
            )
        ],
    )
    assert results[0].quote is not None, results[0]
    session.commit()
    body = client.get(
        "/widget", params={"from": "PK", "to": "AF", "amount": "56000", "lang": "en"}
    ).text
    assert "Western Union" in body and "You pay" in body and "Your family receives" in body
    assert "Survey price:" in body and "surveyed by the World Bank on Sep 15, 2025" in body


def test_every_widget_page_is_translated(client: TestClient, session: Session) -> None:
    from web import i18n

    add(session, default_from="GB", default_to="PK")
    before = set(i18n.MISSING)
    for lang in LANGUAGES:
        for path in (
            "/widget",
            "/widget?org=bradford-pk&theme=dark",
            "/widget?from=DE&to=IR",
            "/widget?from=GB&to=PK&amount=1",
            "/widget?from=GB&to=ZZ",
            "/widget?theme=x",
            "/widget/builder?org=unknown",
            "/widget/builder?org=bradford-pk",
        ):
            sep = "&" if "?" in path else "?"
            assert client.get(f"{path}{sep}lang={lang}").status_code < 500
    assert set(i18n.MISSING) - before == set()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"slug": "a" * 1000}, "slug"),
        ({"slug": "UPPER case"}, "slug"),
        ({"origins": "https://a.org"}, "origins"),
        ({"origins": ["https://a.org"] * 21}, "origins"),
        ({"origins": ["https://a.org\u0000"]}, "origin"),
        ({"corridors": ["x" * 100]}, "corridor"),
        ({"default_from": "G\u0000"}, "default_to"),
        ({"name": ""}, "name"),
        ({"count_views": "maybe"}, "count_views"),
    ],
)
def test_admin_api_names_the_bad_field(
    client: TestClient, key: dict[str, str], change: dict[str, Any], field: str
) -> None:
    body = {"slug": "ok", "name": "Ok", "origins": ORIGINS, **change}
    r = client.post("/api/v1/admin/orgs", json=body, headers=key)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"][-1] == field
    assert client.get("/api/v1/admin/orgs", headers=key).json()["organisations"] == []
