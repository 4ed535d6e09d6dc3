"""The SMS and WhatsApp gateway: Twilio's Messages API, through the project's one HTTP
client policy (`scrapers/http.py`). The delivery workers (api/services/delivery.py) take it
as an `SmsGateway`; `remit messages deliver` wires it in."""

from __future__ import annotations

import base64
import json
from datetime import datetime

from api.services.gateways import GatewayError, NotConfigured, Sent
from api.settings import Settings
from scrapers.http import FetchError, SourceClient
from scrapers.sources import client_policy


class TwilioGateway:
    """POST {base}/2010-04-01/Accounts/{sid}/Messages.json (form To, From, Body; HTTP basic
    auth), and GET the same resource to find a message a dead worker may have sent."""

    def __init__(self, settings: Settings, client: SourceClient | None = None) -> None:
        self.settings = settings
        # One attempt per delivery: the outbox retries with backoff after reconciling.
        policy = client_policy(settings)
        self.client = client or SourceClient(
            type(policy)(**{**policy.__dict__, "max_retries": 0, "min_interval_s": 0.0})
        )

    async def aclose(self) -> None:
        await self.client.aclose()

    def _url(self) -> str:
        sid = self.settings.twilio_account_sid
        if not sid or not self.settings.twilio_auth_token:
            raise NotConfigured("REMIT_TWILIO_ACCOUNT_SID / REMIT_TWILIO_AUTH_TOKEN")
        return (
            f"{self.settings.twilio_base_url.rstrip('/')}/2010-04-01/Accounts/{sid}/Messages.json"
        )

    def _headers(self) -> dict[str, str]:
        pair = f"{self.settings.twilio_account_sid}:{self.settings.twilio_auth_token}"
        return {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}

    def _addresses(self, channel: str, to: str) -> tuple[str, str]:
        if channel == "whatsapp":
            sender = self.settings.twilio_whatsapp_from
            if not sender:
                raise NotConfigured("REMIT_TWILIO_WHATSAPP_FROM")
            return f"whatsapp:{to}", f"whatsapp:{sender}"
        if not self.settings.twilio_sms_from:
            raise NotConfigured("REMIT_TWILIO_SMS_FROM")
        return to, self.settings.twilio_sms_from

    async def send(self, channel: str, to: str, body: str) -> Sent:
        url = self._url()
        to_addr, from_addr = self._addresses(channel, to)
        try:
            got = await self.client.post(
                url, data={"To": to_addr, "From": from_addr, "Body": body}, headers=self._headers()
            )
        except FetchError as exc:
            raise GatewayError("connection error", permanent=False) from exc
        try:
            answer = json.loads(got.content)
        except ValueError:
            answer = {}
        if got.status in (200, 201) and isinstance(answer, dict) and answer.get("sid"):
            return Sent(str(answer["sid"]), f"{got.status} {answer.get('status', '')}".strip())
        code = answer.get("code") if isinstance(answer, dict) else None
        summary = f"{got.status} code {code}" if code else str(got.status)
        # 4xx (bad number, unsubscribed, ...) will not get better; 429 and 5xx may.
        permanent = 400 <= got.status < 500 and got.status != 429
        raise GatewayError(summary, permanent=permanent)

    async def find_sent(self, channel: str, to: str, body: str, since: datetime) -> str | None:
        """The SID of a message with this body sent to `to` on or after `since`'s day, if
        the gateway has one (Twilio's list filter is by day: DateSent>=YYYY-MM-DD)."""
        url = self._url()
        to_addr, _ = self._addresses(channel, to)
        params = {"To": to_addr, "DateSent>": since.date().isoformat(), "PageSize": "100"}
        try:
            got = await self.client.get(
                url, html_page=False, params=params, headers=self._headers()
            )
        except FetchError as exc:
            raise GatewayError("connection error while reconciling", permanent=False) from exc
        for message in json.loads(got.content).get("messages", []):
            if message.get("body") == body and message.get("to") == to_addr:
                return str(message["sid"])
        return None
