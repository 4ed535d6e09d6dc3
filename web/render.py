"""The per-request page context (language, translator, formatter, links) and rendering.

Every page goes through `render`: Jinja2 with autoescape on, a weak ETag over the HTML,
`Cache-Control`, `Vary: Accept-Language`, and `304 Not Modified` on a matching
`If-None-Match`. Bad input raises `PageError`, which `web.pages` turns into a friendly
4xx page in the visitor's language.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Request, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from api.domain.money import plain
from web import labels
from web.amounts import canonical
from web.formatting import Formatter
from web.i18n import LANGUAGES, Language, Translator, match_language, negotiate, translator
from web.static import etag_matches, inline_style, static_url

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
PAGE_CACHE = "public, max-age=60"
ERROR_CACHE = "no-store"

ENV = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=StrictUndefined,
    # Templates ship with the package: no stat() of every template and include per render.
    auto_reload=False,
)


def offer_row(macro: Any, row: Any, corridor: Any, stale: bool = False) -> Any:
    """One provider's card or table lines (`{{ offer_row(m.survey_row, row, corridor) }}`):
    the macro's own output. web.lean_page renders each once per offer while a page's shape
    is rendered, and joins them."""
    return macro(row, corridor, stale=stale)


ENV.globals["static_url"] = static_url
ENV.globals["offer_row"] = offer_row
ENV.globals["inline_style"] = inline_style
ENV.globals["LANGUAGES"] = LANGUAGES
ENV.globals["labels"] = labels
ENV.filters["plain"] = plain
ENV.filters["amount"] = canonical  # amounts in links and form fields, same in every locale

QueryValue = str | int | None


@dataclass
class Page:
    """What every template needs: the request, the language and how to write links."""

    request: Request
    language: Language
    explicit_language: bool  # chosen with ?lang= (then links carry it along)
    t: Translator
    fmt: Formatter
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def lang(self) -> str:
        return self.language.code

    def url(self, path: str, params: Mapping[str, QueryValue] | None = None) -> str:
        """An internal link that keeps the chosen language."""
        query: dict[str, str] = {}
        for key, value in (params or {}).items():
            if value is not None and value != "":
                query[key] = str(value)
        if self.explicit_language:
            query["lang"] = self.lang
        return path + ("?" + urlencode(query) if query else "")

    def lang_url(self, code: str) -> str:
        """This page in another language: the current query with `lang` replaced."""
        items = [(k, v) for k, v in self.request.query_params.multi_items() if k != "lang"]
        items.append(("lang", code))
        # One leading slash only: "//host" or "/\\host" would leave the site.
        path = "/" + self.request.url.path.lstrip("/\\")
        return path + "?" + urlencode(items)


def page_for(request: Request) -> Page:
    chosen = match_language(request.query_params.get("lang"))
    code = chosen or negotiate(request.headers.get("accept-language"))
    language = LANGUAGES[code]
    return Page(request, language, chosen is not None, translator(code), Formatter(language))


PageDep = Annotated[Page, Depends(page_for)]


class PageError(Exception):
    """A request the page cannot answer: rendered as a friendly page with this status."""

    def __init__(
        self,
        status: int,
        title: str,
        message: str,
        *,
        field: str | None = None,
        value: str | None = None,
        suggestions: Sequence[object] = (),
        **values: object,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.title = title  # msgids, translated when rendered
        self.message = message
        self.field = field
        self.value = value
        self.values = values
        self.suggestions = list(suggestions)


def weak_etag(body: bytes) -> str:
    return 'W/"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def render_html(
    page: Page, template: str, context: Mapping[str, Any] | None = None, *, env: Environment = ENV
) -> str:
    return env.get_template(template).render(
        page=page, _=page.t, fmt=page.fmt, lang=page.language, **(context or {})
    )


def render(
    page: Page,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
    cache_control: str = PAGE_CACHE,
    headers: Mapping[str, str] | None = None,
) -> Response:
    body = render_html(page, template, context).encode("utf-8")
    out_headers = {"Vary": "Accept-Language", **(headers or {})}
    if status != 200:
        out_headers["Cache-Control"] = ERROR_CACHE
        return Response(body, status_code=status, media_type="text/html", headers=out_headers)
    etag = weak_etag(body)
    out_headers.update({"ETag": etag, "Cache-Control": cache_control})
    if etag_matches(page.request, etag):
        return Response(status_code=304, headers=out_headers)
    return Response(body, media_type="text/html", headers=out_headers)


def render_error(request: Request, error: PageError) -> Response:
    page = page_for(request)
    return render(page, "error.html", {"error": error}, status=error.status)
