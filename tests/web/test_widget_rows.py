"""The widget tells the compare page's story (issue 18 item 5): one row per provider, the
same sample/survey label, and a contact for being listed that comes from the settings."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlmodel import Session

from api.settings import Settings, get_settings
from api.storage.db import get_session
from remit.app import create_app
from tests.core.test_survey import shipped, shipped_client  # noqa: F401
from web.i18n import translator

SAMPLE_BANNER = "Sample data — not live prices."


def names(body: str) -> list[str]:
    return re.findall(r'<span class="name">([^<]+)</span>', body)


@pytest.mark.parametrize("route", ["GB-PK", "GB-BD", "SA-PK", "AE-BD"])
def test_one_row_per_provider(client: TestClient, route: str) -> None:
    src, dst = route.split("-")
    body = client.get("/widget", params={"from": src, "to": dst, "lang": "ur"}).text
    shown = names(body)
    assert len(shown) == 3 and len(set(shown)) == 3, shown


@pytest.mark.parametrize("route", ["GB-PK", "GB-BD"])
def test_a_survey_only_route_is_not_labelled_sample(
    shipped_client: TestClient,  # noqa: F811
    route: str,
) -> None:
    """Real World Bank survey prices only: the compare page says so and is not sample; the
    widget said "Sample data" because a reference rate of the route is a sample figure."""
    src, dst = route.split("-")
    params = {"from": src, "to": dst, "amount": "200", "lang": "en"}
    widget = shipped_client.get("/widget", params=params).text
    page = shipped_client.get("/compare", params=params).text
    assert SAMPLE_BANNER not in widget and SAMPLE_BANNER not in page
    assert "World Bank survey prices" in widget
    shown = names(widget)
    assert len(shown) == 3 and len(set(shown)) == 3, shown


def test_widget_and_compare_page_agree_on_sample(client: TestClient) -> None:
    """SA-PK has generated prices in the demo database with sample quotes (the shipped one has
    World Bank survey prices on SA-PK since the survey covers 26 routes): both say sample."""
    params = {"from": "SA", "to": "PK", "amount": "750", "lang": "en"}
    assert SAMPLE_BANNER in client.get("/widget", params=params).text
    assert SAMPLE_BANNER in client.get("/compare", params=params).text


@pytest.fixture()
def builder(request: pytest.FixtureRequest, session: Session) -> Iterator[TestClient]:
    """The app on the test database, with the listing contact of the settings set."""
    app = create_app()
    app.dependency_overrides[get_session] = lambda: session
    app.dependency_overrides[get_settings] = lambda: Settings(
        widget_contact_email=request.param, _env_file=None
    )
    with TestClient(app) as c:
        yield c


@pytest.mark.parametrize("builder", ["listing@remit.example.org"], indirect=True)
def test_the_builder_names_the_contact_from_the_settings(builder: TestClient) -> None:
    body = builder.get("/widget/builder", params={"org": "nobody-yet", "lang": "ur"}).text
    link = '<a href="mailto:listing@remit.example.org">listing@remit.example.org</a>'
    assert body.count(link) == 2, "under the unknown organisation and under the snippets"
    ur = translator("ur")
    english = (
        "To have your site listed, write to %(email)s with your organisation's name and the "
        "addresses of your pages."
    )
    assert str(ur(english, email="X")).split("X")[0] in body
    assert "Write to us" not in body


@pytest.mark.parametrize("builder", [None], indirect=True)
def test_without_a_contact_the_builder_says_whom_to_ask(builder: TestClient) -> None:
    body = builder.get("/widget/builder", params={"lang": "en"}).text
    assert "mailto:" not in body
    assert "To have your site listed, ask the people who run this service." in body


def test_a_malformed_contact_is_refused_at_startup() -> None:
    with pytest.raises(ValidationError, match="widget_contact_email"):
        Settings(widget_contact_email="listing at example", _env_file=None)
