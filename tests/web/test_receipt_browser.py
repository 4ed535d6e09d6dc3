"""Issue 18 item 4 in a browser, Urdu, 360×640, no JavaScript needed: the receipt of the
issue (GB→PK, 1 Dec 2026, £200 + £4.99, PKR 53,000) gets a question, the sender says the
figures are right, and the verdict comes with its warning (screenshot for review)."""

from __future__ import annotations

from typing import Any

from web_live import shoot

from api.domain.verdict import WARNINGS, WORDS, Level
from web.i18n import translator


def test_urdu_receipt_verdict_after_confirming(phone: Any, base_url: str) -> None:
    ur = translator("ur")
    phone.goto(f"{base_url}/check?lang=ur&from=GB&to=PK")
    phone.fill("#f-date", "2026-12-01")
    phone.fill("#f-sent", "200")
    phone.fill("#f-fee", "4.99")
    phone.fill("#f-received", "53000")
    phone.locator("form.picker button[type=submit]").click()
    phone.wait_for_load_state("load")
    assert phone.locator("#q-h").inner_text() == str(ur("Please check your figures"))
    confirm = phone.locator("form.confirm button[type=submit]")
    assert confirm.inner_text() == str(ur("My figures are right"))
    confirm.click()
    phone.wait_for_load_state("load")
    verdict = phone.locator("#answer p.verdict").inner_text()
    assert verdict == str(ur(WORDS[(Level.EXPENSIVE, True)]))
    warning = phone.locator("#answer p.flag[role=note]").inner_text()
    assert str(ur(WARNINGS["rate_far_below"], pct="X")).split("X")[-1][:40] in warning
    shoot(phone, "receipt-verdict-ur-53000")
