"""Trust only the proxies you name (REMIT_TRUSTED_PROXIES): their X-Forwarded-For decides
the client address (used by the rate limit and the access log) and X-Forwarded-Proto the
scheme; everybody else's forwarded headers are ignored. Behind a trusted https proxy (or on
direct https) responses carry Strict-Transport-Security."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HSTS = "max-age=31536000; includeSubDomains"
_HSTS_NAME = b"strict-transport-security"
_HSTS_PAIR = (_HSTS_NAME, HSTS.encode("latin-1"))
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(entries: Iterable[str]) -> list[Network]:
    """`["127.0.0.1", "10.0.0.0/8", "::1"]` -> networks; ValueError names a bad entry."""
    out: list[Network] = []
    for entry in entries:
        try:
            out.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(
                f"REMIT_TRUSTED_PROXIES: {entry!r} is not an IP address or network"
            ) from None
    return out


def _trusted(host: str, networks: list[Network]) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in n for n in networks)


def client_from_forwarded(peer: str, forwarded_for: str, networks: list[Network]) -> str:
    """The client address: walk X-Forwarded-For from the right past trusted proxies; the
    first untrusted hop is the client (the left-most entries could be forged by it)."""
    host = peer
    if not _trusted(peer, networks):
        return peer
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        host = hop
        if not _trusted(hop, networks):
            break
    return host


class ProxyHeadersMiddleware:
    """Pure ASGI: rewrites scope client/scheme from a trusted proxy's headers; adds HSTS to
    responses served over https."""

    def __init__(self, app: ASGIApp, trusted: list[Network]) -> None:
        self.app = app
        self.trusted = trusted

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        if self.trusted and client and _trusted(client[0], self.trusted):
            # The last of each header counts (as it always has), names in any case.
            forwarded_raw = proto_raw = b""
            for name, value in scope.get("headers", []):
                name = name.lower()
                if name == b"x-forwarded-for":
                    forwarded_raw = value
                elif name == b"x-forwarded-proto":
                    proto_raw = value
            forwarded = forwarded_raw.decode("latin-1")
            if forwarded:
                host = client_from_forwarded(client[0], forwarded, self.trusted)
                scope["client"] = (host[:64], 0)
            proto = proto_raw.decode("latin-1")
            first = proto.split(",")[0].strip().lower()
            if first in ("http", "https"):
                scope["scheme"] = first
        if scope.get("scheme") != "https":
            await self.app(scope, receive, send)
            return

        async def send_with_hsts(message: Message) -> None:
            if message["type"] == "http.response.start":
                # MutableHeaders(scope=message).setdefault(...), without building it
                headers = message["headers"] = list(message["headers"])
                for name, _ in headers:
                    if name == _HSTS_NAME:
                        break
                else:
                    headers.append(_HSTS_PAIR)
            await send(message)

        await self.app(scope, receive, send_with_hsts)
