"""Wallet names on wallet offers come from data/wallets.yaml only (issue 18, item 2): a
wallet of the destination, with a source and a date; never a guess."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from api.services.wallets import read_wallets, wallet_book
from api.storage.quotes import QuoteIn, store_quotes

GOOD = """
destinations: {BD: [bKash, Nagad, Rocket], IQ: []}
providers:
  western-union:
    BD: {wallets: [Nagad], source: "a dated source", as_of: 2024-12-31}
"""


def test_the_shipped_file_is_valid_and_names_only_sourced_wallets() -> None:
    book = wallet_book()
    assert book.destinations["BD"] == ("bKash", "Nagad", "Rocket")
    assert book.destinations["PK"] == ("JazzCash", "Easypaisa")
    assert book.destinations["IQ"] == (), "ZainCash is for transfers inside Iraq only"
    assert book.wallets("western-union", "bd") == ("Nagad",)
    assert book.wallets("wise", "BD") == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD.replace("[Nagad]", "[JazzCash]"), "not wallets of BD"),
        (GOOD.replace('source: "a dated source", ', ""), "needs its source"),
        (GOOD.replace(", as_of: 2024-12-31", ""), "needs the source's date"),
        (GOOD.replace("[Nagad]", "Nagad"), "expected a list of wallet names"),
    ],
)
def test_a_guess_is_refused_with_the_place_named(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "wallets.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message) as exc:
        read_wallets(path)
    assert "providers.western-union.BD" in str(exc.value)
    path.write_text(GOOD, encoding="utf-8")
    assert read_wallets(path).wallets("western-union", "BD") == ("Nagad",)


def test_a_wallet_offer_names_its_wallet_in_the_api_and_on_the_card(
    client: TestClient, session: Session, demo_now: datetime
) -> None:
    stored = store_quotes(
        session,
        [
            QuoteIn(
                provider="western-union",
                corridor="GB-BD",
                send_amount=Decimal("200"),
                send_currency="GBP",
                fee=Decimal("0.50"),
                rate=Decimal("160"),
                receive_currency="BDT",
                payout_method="wallet",
                speed="minutes",
                payin_method="card",
                collected_at=demo_now + timedelta(hours=1),
                source="mystery",
            )
        ],
    )
    assert stored and all(r.quote is not None for r in stored)
    params = {"from": "GB", "to": "BD", "amount": "200.50"}
    body = client.get("/api/v1/compare", params=params).json()
    offers = [*body["quotes"], *body["survey_quotes"]]
    wu = [q for q in offers if q["provider"]["slug"] == "western-union"]
    assert [q["payout_wallets"] for q in wu if q["payout_method"] == "wallet"] == [["Nagad"]]
    assert all(q["payout_wallets"] == [] for q in offers if q["payout_method"] != "wallet")
    page = client.get("/compare", params=params | {"payout": "wallet"}).text
    assert 'class="payout">Mobile wallet — Nagad<' in page


def test_the_sample_gives_a_wallet_payout_only_where_a_source_says_so(session: Session) -> None:
    """`remit demo --sample` (and the test data) price a wallet payout for Western Union in
    Bangladesh, the one provider and destination data/wallets.yaml has a dated source for,
    so a card can name the wallet; elsewhere a provider keeps the services of its type."""
    from api.storage.models import Provider
    from scrapers.demo import SERVICES_BY_TYPE, SOURCED_WALLET_SERVICE, sample_services

    wu = session.exec(select(Provider).where(Provider.slug == "western-union")).one()
    assert sample_services(wu, "BD") == [*SERVICES_BY_TYPE[wu.type], SOURCED_WALLET_SERVICE]
    assert sample_services(wu, "PK") == SERVICES_BY_TYPE[wu.type]
    wise = session.exec(select(Provider).where(Provider.slug == "wise")).one()
    assert sample_services(wise, "BD") == SERVICES_BY_TYPE[wise.type]
