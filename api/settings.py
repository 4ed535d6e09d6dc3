"""The one settings object. Every value can be set from the environment with the `REMIT_` prefix."""

from __future__ import annotations

import ipaddress
import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT / "data"
LESSONS_DIR = REPO_ROOT / "lessons"
# The web pages' gettext catalogs; the lesson check holds them to the lessons' glossaries.
TRANSLATIONS_DIR = REPO_ROOT / "web" / "translations"

DEV_SECRET = "dev-only-secret-change-me"  # noqa: S105 - refused in production


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REMIT_", env_file=".env", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    database_url: str = Field(default=f"sqlite:///{DATA_DIR / 'remit.sqlite3'}")
    secret_key: str = DEV_SECRET
    admin_api_key: str | None = Field(
        default=None, description="Optional bootstrap admin key (stored only as a hash)."
    )

    # One base URL per data source; tests point them at loopback replay servers.
    wise_base_url: str = "https://api.wise.com"
    sbp_base_url: str = "https://www.sbp.org.pk"
    dab_base_url: str = "https://www.dab.gov.af"
    cbi_base_url: str = "https://cbi.iq"
    ecb_base_url: str = "https://data-api.ecb.europa.eu"
    imf_base_url: str = "https://www.imf.org"
    tcmb_base_url: str = "https://evds2.tcmb.gov.tr"
    cbr_base_url: str = "https://www.cbr.ru"
    wise_api_token: str | None = None
    tcmb_api_key: str | None = None

    # HTTP client policy shared by every source.
    http_timeout_s: float = 20.0
    http_max_retries: int = 3
    http_per_host_concurrency: int = 2
    http_min_interval_s: float = 1.0
    http_backoff_base_s: float = 0.5
    http_max_retry_after_s: float = 120.0

    # Quote freshness defaults (corridors may override in data/corridors.yaml).
    fresh_hours: int = 48
    expiry_hours: int = 24 * 14

    # Web / scheduler.
    workers: int = 1
    run_scheduler_in_process: bool = True
    rate_limit_per_minute: int = 120
    compare_cache_s: float = Field(
        default=30.0, description="How long a rendered compare response is reused (0 = off)."
    )
    price_book: bool = Field(
        default=True,
        description="Keep each corridor's services, prices and rates in memory per data "
        "version (the price book: a stored quote or rate makes the next answer read them "
        "again). Off: read them from the database for every answer.",
    )
    compare_page_shapes: bool = Field(
        default=True,
        description="Write a plain /compare page from its shape, rendered once per language, "
        "query, data version and offers shown, filling in the amount's figures (web.lean_page). "
        "Off: render every page in full.",
    )
    data_version_watch: bool = Field(
        default=True,
        description="Read the data-version table only when it may have changed (SQLite "
        "PRAGMA data_version; PostgreSQL LISTEN/NOTIFY from a trigger). Off: read it on "
        "every compare request.",
    )
    widget_allowed_origins: list[str] = Field(default_factory=list)
    widget_contact_email: str | None = Field(
        default=None,
        pattern=r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$",
        description="Where an organisation writes to have its site listed for the widget "
        "(shown on /widget/builder). Unset: the builder says to ask the site's operators.",
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Addresses or networks of the reverse proxies whose X-Forwarded-For / "
        'X-Forwarded-Proto count: "127.0.0.1,10.0.0.0/8" or a JSON list. Default: none.',
    )
    redis_url: str | None = Field(
        default=None,
        description="redis://host:port/db: rate-limit counters shared by every worker.",
    )
    db_retry_after_s: int = Field(
        default=5, ge=1, le=3600, description="Retry-After sent while the database is down."
    )
    db_pool_timeout_s: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="How long a request waits for a database connection before a 503 with "
        "Retry-After (every connection busy).",
    )
    # The shipped server (remit serve): a client has this long to send a request's headers,
    # and an idle keep-alive connection is closed after keep_alive_s (docs/deploy.md).
    public_base_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$",
        description="The site's address for links people share (lessons, widget snippets), "
        "e.g. https://remit.example.org; unset, the request's own address is used.",
    )
    header_timeout_s: float = Field(default=10.0, gt=0, le=300)
    keep_alive_s: int = Field(default=5, ge=1, le=300)

    # Answers by SMS / WhatsApp / email and price alerts (docs/messages.md). Their links and
    # the URL Twilio signs start with public_base_url.
    twilio_base_url: str = "https://api.twilio.com"
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = Field(
        default=None, description="Checks X-Twilio-Signature; required in production."
    )
    twilio_sms_from: str | None = Field(default=None, description="Sender number, +E.164.")
    twilio_whatsapp_from: str | None = Field(
        default=None, description="WhatsApp sender, +E.164 (sent as whatsapp:+...)."
    )
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    smtp_from: str = "alerts@silkroutes.example"
    message_rate_per_minute: int = Field(
        default=6, ge=0, description="Messages answered per sender per minute (0 = no limit)."
    )
    message_claim_lease_s: float = Field(
        default=300.0,
        gt=0,
        description="A delivery claimed longer ago than this by a worker that died is "
        "reconciled with the gateway and retried.",
    )
    message_max_attempts: int = Field(default=8, ge=1)
    message_backoff_base_s: float = Field(default=30.0, ge=0)

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _comma_or_json_list(cls, value: object) -> object:
        # From the environment: "a,b" or '["a", "b"]' (a shell or systemd may strip quotes).
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                try:
                    return json.loads(text)
                except ValueError:
                    text = text.strip("[]")
            return [p.strip().strip("'\"") for p in text.split(",") if p.strip()]
        return value

    @field_validator("trusted_proxies", mode="after")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"{entry!r} is not an IP address or network") from None
        return value

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.env == "production":
            problems: list[str] = []
            if self.secret_key == DEV_SECRET or len(self.secret_key) < 32:
                problems.append("REMIT_SECRET_KEY must be set to at least 32 random characters")
            if self.admin_api_key is not None and len(self.admin_api_key) < 32:
                problems.append(
                    "REMIT_ADMIN_API_KEY must be at least 32 random characters "
                    "(or unset; create keys with `remit admin create-key`)"
                )
            problems.extend(self._unsafe_messaging())
            if self.database_url.startswith("sqlite") and self.workers > 1:
                problems.append("REMIT_DATABASE_URL must be PostgreSQL when REMIT_WORKERS > 1")
            if problems:
                raise ValueError("unsafe production settings: " + "; ".join(problems))
        return self

    def _unsafe_messaging(self) -> list[str]:
        problems: list[str] = []
        messaging = any((self.twilio_account_sid, self.twilio_auth_token, self.smtp_host))
        if messaging and not (self.public_base_url or "").startswith("https://"):
            problems.append(
                "REMIT_PUBLIC_BASE_URL must be set to an https:// address (links in messages)"
            )
        if self.twilio_auth_token is not None and len(self.twilio_auth_token) < 32:
            problems.append("REMIT_TWILIO_AUTH_TOKEN must be the account's 32-character token")
        if self.twilio_account_sid is not None and not self.twilio_base_url.startswith("https://"):
            problems.append("REMIT_TWILIO_BASE_URL must be https://")
        if self.smtp_host is not None:
            loopback = self.smtp_host in ("localhost", "127.0.0.1", "::1")
            if not self.smtp_starttls and not loopback:
                problems.append("REMIT_SMTP_STARTTLS must be on for a non-local SMTP server")
            if self.smtp_password is not None and not self.smtp_starttls:
                problems.append("REMIT_SMTP_PASSWORD is never sent without STARTTLS")
        return problems

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
