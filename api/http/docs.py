"""API docs that work offline: Swagger UI at /api/v1/docs, its script and styles served
from the `fastapi-offline` package (no CDN, which the page's own CSP would forbid and a
machine without internet cannot reach), started by a script file rather than an inline
script so the CSP stays `script-src 'self'`."""

from __future__ import annotations

from html import escape
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

VENDOR = Path(fastapi_offline.__file__).resolve().parent / "static"
OWN = Path(__file__).resolve().parent / "docs_assets"
DOCS_URL = "/api/v1/docs"
ASSETS_URL = "/api/v1/docs/assets"
CACHE = {"Cache-Control": "public, max-age=86400"}


def _page(title: str, head: str, body: str) -> str:
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n"
        f'<link rel="icon" href="{ASSETS_URL}/favicon.png">\n{head}</head>\n'
        f"<body>\n{body}</body>\n</html>\n"
    )


def install(app: FastAPI) -> None:
    assert app.openapi_url is not None
    openapi_url = app.openapi_url
    app.mount(ASSETS_URL, StaticFiles(directory=VENDOR), name="docs-assets")

    @app.get(DOCS_URL, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        html = _page(
            f"{app.title} API",
            f'<link rel="stylesheet" href="{root}{ASSETS_URL}/swagger-ui.css">\n',
            f'<div id="swagger-ui" data-openapi-url="{escape(root + openapi_url)}"></div>\n'
            f'<script src="{root}{ASSETS_URL}/swagger-ui-bundle.js"></script>\n'
            f'<script src="{root}{DOCS_URL}/swagger-init.js"></script>\n',
        )
        return HTMLResponse(html)

    @app.get(f"{DOCS_URL}/swagger-init.js", include_in_schema=False)
    async def swagger_init() -> FileResponse:
        return FileResponse(OWN / "swagger-init.js", media_type="text/javascript", headers=CACHE)
