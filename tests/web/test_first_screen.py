"""Issue 18 item 6: on a 360×640 phone the home page's amount field and Compare button are
on the first screen in every language, with the sample notice shown (the demo is sample
data on most routes) — it used to take 130 px above the form and push the button below."""

from __future__ import annotations

from typing import Any

import pytest
from web_live import ARTIFACTS

from web.i18n import LANGUAGES

SCREEN = {"width": 360, "height": 640}


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_amount_and_compare_button_on_the_first_screen(
    browser: Any, base_url: str, lang: str
) -> None:
    context = browser.new_context(viewport=SCREEN, device_scale_factor=1, locale="en-GB")
    tab = context.new_page()
    try:
        tab.goto(f"{base_url}/?lang={lang}&from=SA&to=PK")
        amount = tab.locator("form.picker #f-amount").bounding_box()
        button = tab.locator("form.picker button[type=submit]").bounding_box()
        assert amount and button
        assert amount["y"] + amount["height"] <= SCREEN["height"], (lang, amount)
        assert button["y"] + button["height"] <= SCREEN["height"], (lang, button)
        assert tab.locator("main p.banner:not(.offline-note)").count() == 1, "sample notice kept"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / f"home-first-screen-{lang}.png"))  # the viewport
    finally:
        context.close()
