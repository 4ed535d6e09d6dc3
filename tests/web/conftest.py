"""Fixtures of the page tests. The live server, the browser, axe-core and the embedding
pages are shared with the other browser tests: tests/browser_fixtures.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(params=[True, False], ids=["js", "nojs"])
def js(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.fixture()
def phone(browser: Any, js: bool) -> Iterator[Any]:
    """A page on a 360×640 phone screen, JavaScript on or off."""
    context = browser.new_context(
        viewport={"width": 360, "height": 640},
        device_scale_factor=1,
        java_script_enabled=js,
        locale="en-GB",
    )
    page = context.new_page()
    yield page
    context.close()
