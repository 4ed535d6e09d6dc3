"""A loopback server that answers as Twilio's Messages API is documented to:

- `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` (form `To`, `From`, `Body`, HTTP
  basic auth with the account SID and auth token): 201 and the message resource as JSON
  (`sid` "SM" + 32 hex digits, `status` "queued", ...); 401 (code 20003) for bad
  credentials; 400 with code 21604 for a missing `To`, 21211 for an invalid one.
- `GET` on the same path lists messages (`{"messages": [...]}`), filtered by `To` and
  `DateSent>` (YYYY-MM-DD).

`hold_at=n` makes the n-th accepted message wait before its answer is written (the message
is stored, as Twilio would have it) until `release` is set: a test kills the worker then."""

from __future__ import annotations

import base64
import json
import re
import threading
import uuid
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

SID = "AC" + "0" * 32
TOKEN = "0123456789abcdef0123456789abcdef"
PATH = re.compile(r"^/2010-04-01/Accounts/(AC[0-9a-f]{32})/Messages\.json$")
E164 = re.compile(r"^(whatsapp:)?\+[1-9]\d{6,14}$")


class FakeTwilio:
    def __init__(self, hold_at: int | None = None) -> None:
        self.messages: list[dict[str, object]] = []
        self.lock = threading.Lock()
        self.hold_at = hold_at
        self.arrived = threading.Event()
        self.release = threading.Event()
        self.fail_next = 0  # answer this many POSTs with 503 first
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _send(self, status: int, payload: object) -> None:
                body = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client is gone (killed)

            def _authorised(self, sid: str) -> bool:
                expected = base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
                return sid == SID and self.headers.get("Authorization") == f"Basic {expected}"

            def do_POST(self) -> None:
                m = PATH.match(urlsplit(self.path).path)
                if not m:
                    return self._send(404, {"code": 20404, "status": 404})
                if not self._authorised(m.group(1)):
                    return self._send(
                        401, {"code": 20003, "message": "Authenticate", "status": 401}
                    )
                length = int(self.headers.get("Content-Length", "0"))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if owner.fail_next > 0:
                    owner.fail_next -= 1
                    return self._send(503, {"code": 20500, "status": 503})
                to = form.get("To")
                if not to:
                    return self._send(
                        400,
                        {
                            "code": 21604,
                            "message": "A 'To' phone number is required.",
                            "status": 400,
                        },
                    )
                if not E164.match(to):
                    return self._send(
                        400,
                        {
                            "code": 21211,
                            "message": f"The 'To' number {to} is not a valid phone number.",
                            "status": 400,
                        },
                    )
                now = datetime.now(UTC)
                message = {
                    "sid": "SM" + uuid.uuid4().hex,
                    "account_sid": SID,
                    "to": to,
                    "from": form.get("From"),
                    "body": form.get("Body", ""),
                    "status": "queued",
                    "direction": "outbound-api",
                    "date_created": format_datetime(now, usegmt=True),
                    "date_sent": format_datetime(now, usegmt=True),
                    "num_segments": "1",
                    "_day": now.date().isoformat(),
                }
                with owner.lock:
                    owner.messages.append(message)
                    count = len(owner.messages)
                if owner.hold_at is not None and count == owner.hold_at:
                    owner.arrived.set()
                    owner.release.wait(60)
                self._send(201, {k: v for k, v in message.items() if not k.startswith("_")})

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                m = PATH.match(parts.path)
                if not m:
                    return self._send(404, {"code": 20404, "status": 404})
                if not self._authorised(m.group(1)):
                    return self._send(
                        401, {"code": 20003, "message": "Authenticate", "status": 401}
                    )
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                with owner.lock:
                    found = [
                        {k: v for k, v in msg.items() if not k.startswith("_")}
                        for msg in owner.messages
                        if msg["to"] == query.get("To", msg["to"])
                        and str(msg["_day"]) >= query.get("DateSent>", "")
                    ]
                self._send(200, {"messages": found, "page": 0, "page_size": 50})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def bodies(self) -> list[str]:
        with self.lock:
            return [str(m["body"]) for m in self.messages]

    def __enter__(self) -> FakeTwilio:
        self.thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
