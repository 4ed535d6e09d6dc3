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


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        ("127.0.0.1", ["127.0.0.1"]),
        ("127.0.0.1, 10.0.0.0/8", ["127.0.0.1", "10.0.0.0/8"]),
        ('["127.0.0.1", "::1"]', ["127.0.0.1", "::1"]),
        ("[127.0.0.1]", ["127.0.0.1"]),  # a shell stripped the JSON quotes
        ("", []),
    ],
)
def test_trusted_proxies_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, raw: str, parsed: list[str]
) -> None:
    monkeypatch.setenv("REMIT_TRUSTED_PROXIES", raw)
    assert Settings().trusted_proxies == parsed


def test_a_bad_setting_is_a_one_line_cli_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from api.settings import get_settings
    from remit.cli.main import app

    monkeypatch.setenv("REMIT_TRUSTED_PROXIES", "proxy.example")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["db", "upgrade"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "invalid settings: REMIT_TRUSTED_PROXIES:" in text and "'proxy.example'" in text
    assert "Traceback" not in result.output
