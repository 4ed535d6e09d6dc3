"""Static assets held in memory, served with a strong ETag and long-lived caching.

URLs carry a content hash (`/static/app.css?v=1a2b3c4d`), so a versioned request may be
cached for a year; the unversioned loader `/widget.js` (embedded on other sites) is cached
for an hour and revalidated with its ETag.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, Request, Response
from markupsafe import Markup

STATIC_DIR = Path(__file__).resolve().parent / "static"
TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}
LONG_CACHE = "public, max-age=31536000, immutable"
SHORT_CACHE = "public, max-age=3600"

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    content_type: str
    version: str

    @property
    def etag(self) -> str:
        return f'"{self.version}"'


def compact_js(source: bytes) -> bytes:
    """A script as served: without its opening maintainer comment, indentation and blank
    lines (the scripts share a 5 KB budget per page, DESIGN.md §7). Line breaks stay, so
    automatic semicolons and line comments mean what they meant."""
    text = source.decode("utf-8")
    if text.startswith("/*"):
        text = text.split("*/", 1)[1]
    lines = (line.strip() for line in text.splitlines())
    return "".join(line + "\n" for line in lines if line).encode("utf-8")


@lru_cache(maxsize=1)
def assets() -> dict[str, Asset]:
    found: dict[str, Asset] = {}
    for path in sorted(STATIC_DIR.iterdir()):
        if path.is_file() and path.suffix in TYPES:
            body = path.read_bytes()
            if path.suffix == ".js":
                body = compact_js(body)
            version = hashlib.sha256(body).hexdigest()[:12]
            found[path.name] = Asset(body, TYPES[path.suffix], version)
    return found


@lru_cache(maxsize=8)
def inline_style(name: str) -> Markup:
    """A stylesheet's text for a `<style>` element in the page itself, so the first
    screen paints after one round trip (a linked stylesheet is a second request, 2 s more
    on a slow mobile link). Allowed by its hash in the CSP (`style_hash`)."""
    return Markup(assets()[name].body.decode("utf-8"))  # noqa: S704 - our own file


def style_hash(name: str) -> str:
    """The CSP source allowing exactly this stylesheet inline: 'sha256-…'."""
    digest = hashlib.sha256(assets()[name].body).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def static_url(name: str) -> str:
    return f"/static/{name}?v={assets()[name].version}"


def etag_matches(request: Request, etag: str) -> bool:
    header = request.headers.get("if-none-match")
    if not header:
        return False
    if header.strip() == "*":
        return True
    bare = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == bare for tag in header.split(","))


def serve_bytes(
    request: Request, body: bytes, content_type: str, etag: str, cache_control: str
) -> Response:
    headers = {"ETag": etag, "Cache-Control": cache_control}
    if etag_matches(request, etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=content_type, headers=headers)


@router.api_route("/static/{name}", methods=["GET", "HEAD"])
def static_file(name: str, request: Request) -> Response:
    asset = assets().get(name)
    if asset is None:
        return Response("not found\n", status_code=404, media_type="text/plain")
    versioned = request.query_params.get("v") == asset.version
    return serve_bytes(
        request,
        asset.body,
        asset.content_type,
        asset.etag,
        LONG_CACHE if versioned else SHORT_CACHE,
    )
