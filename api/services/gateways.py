"""Where messages leave the service: what every gateway answers, and the SMTP server for
email. The SMS and WhatsApp gateway (Twilio's Messages API) is `scrapers/twilio.py`, since it
goes through the project's one HTTP client policy (`scrapers/http.py`); the delivery service
takes it as an `SmsGateway`.

Gateway answers are recorded as a status and a reference (Twilio's message SID, the email's
Message-ID), never with the gateway's own text, which can quote the phone number."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Protocol

from api.settings import Settings


class GatewayError(Exception):
    def __init__(self, answer: str, *, permanent: bool) -> None:
        super().__init__(answer)
        self.answer = answer
        self.permanent = permanent


class NotConfigured(GatewayError):
    def __init__(self, what: str) -> None:
        super().__init__(f"{what} not configured", permanent=False)


@dataclass(frozen=True)
class Sent:
    ref: str
    answer: str


class SmsGateway(Protocol):
    """SMS and WhatsApp out (scrapers/twilio.py), made per delivery batch from settings."""

    async def send(self, channel: str, to: str, body: str) -> Sent: ...

    async def find_sent(self, channel: str, to: str, body: str, since: datetime) -> str | None:
        """The gateway's reference for this message if it was accepted (a dead worker's
        claim), else None."""

    async def aclose(self) -> None: ...


class SmtpGateway:
    """Email through the configured SMTP server (STARTTLS unless turned off for a local
    server). The Message-ID is the outbox row's, so a resent email is recognisably the same."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, to: str, subject: str, body: str, row_id: int, now: datetime) -> Sent:
        s = self.settings
        if not s.smtp_host:
            raise NotConfigured("REMIT_SMTP_HOST")
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = s.smtp_from, to, subject
        msg["Date"] = format_datetime(now)
        domain = s.smtp_from.rpartition("@")[2] or "localhost"
        msg["Message-ID"] = f"<alert-{row_id}@{domain}>"
        msg.set_content(body)
        try:
            with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.http_timeout_s) as smtp:
                if s.smtp_starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if s.smtp_username and s.smtp_password:
                    smtp.login(s.smtp_username, s.smtp_password)
                smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            raise GatewayError("550 recipient refused", permanent=True) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise GatewayError(f"smtp {type(exc).__name__}", permanent=False) from exc
        return Sent(str(msg["Message-ID"]), "250 accepted")
