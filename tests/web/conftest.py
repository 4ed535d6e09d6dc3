"""Fixtures of the page tests. The live server, the browser, axe-core and the embedding
pages are shared with the other browser tests: tests/browser_fixtures.py."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from api.storage.quotes import QuoteIn


def home_delivery_quote(collected_at: datetime) -> QuoteIn:
    """A new US-PK offer: 200 USD, no fee, 281.9 PKR a dollar (56,380.00 PKR delivered)."""
    return QuoteIn(
        provider="ria",
        corridor="US-PK",
        send_amount=Decimal("200"),
        send_currency="USD",
        fee=Decimal("0"),
        rate=Decimal("281.9"),
        receive_currency="PKR",
        payout_method="home",
        speed="minutes",
        payin_method="bank",
        collected_at=collected_at,
        source="mystery",
    )


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
