"""Production refuses unsafe settings: a short admin key, a missing secret key."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from api.settings import Settings

SECRET = "s" * 40


@pytest.mark.parametrize("key", ["a", "x" * 31])
def test_production_refuses_a_short_admin_key(key: str) -> None:
    with pytest.raises(ValidationError, match="REMIT_ADMIN_API_KEY must be at least 32"):
        Settings(env="production", secret_key=SECRET, admin_api_key=key)


def test_production_accepts_a_long_admin_key_and_none() -> None:
    assert Settings(env="production", secret_key=SECRET, admin_api_key="k" * 32).admin_api_key
    assert Settings(env="production", secret_key=SECRET).admin_api_key is None


def test_development_still_takes_a_short_key() -> None:
    assert Settings(env="development", admin_api_key="a").admin_api_key == "a"
