"""`remit admin org add|list|remove|views`: the organisations that embed the widget.
Registered under `remit admin` by `remit.cli.data.register`."""

from __future__ import annotations

from typing import Annotated

import typer

from remit.cli.common import console, fail, out, ready_engine

org_app = typer.Typer(help="Organisations that embed the widget.", no_args_is_help=True)


@org_app.command("add")
def org_add(
    slug: Annotated[
        str, typer.Argument(help="Short name used in the widget URL, e.g. bradford-pk")
    ],
    name: Annotated[str, typer.Option("--name", help="The organisation's name.")],
    origin: Annotated[
        list[str],
        typer.Option(
            "--origin",
            help="Origin allowed to embed the widget, e.g. https://example.org (repeatable).",
        ),
    ],
    corridor: Annotated[
        list[str] | None,
        typer.Option(
            "--corridor", help="Corridor the widget offers, e.g. GB-PK (repeatable; default: all)."
        ),
    ] = None,
    default_from: Annotated[
        str | None, typer.Option("--default-from", help="Default sending country, e.g. GB.")
    ] = None,
    default_to: Annotated[
        str | None, typer.Option("--default-to", help="Default receiving country, e.g. PK.")
    ] = None,
    lang: Annotated[
        str | None, typer.Option("--lang", help="Default language: en, ur, fa-AF, ps, bn, ar.")
    ] = None,
    count_views: Annotated[
        bool,
        typer.Option(help="Count widget views per day (a number per day, nothing else)."),
    ] = False,
) -> None:
    """Add an organisation: only its origins may frame its widget (CSP frame-ancestors)."""
    from sqlmodel import Session

    from api.domain.languages import LANGUAGES, match_language
    from api.storage import orgs
    from api.storage.types import utcnow

    code = match_language(lang) if lang else None
    if lang and code is None:
        raise fail(f"--lang: unknown language {lang!r}: one of {', '.join(LANGUAGES)}")
    data = orgs.OrgInput(
        slug, name, origin, corridor or [], default_from, default_to, code, count_views
    )
    engine = ready_engine()
    with Session(engine) as session:
        try:
            row = orgs.add_org(session, orgs.check_org(session, data, LANGUAGES), utcnow())
        except orgs.OrgError as exc:
            raise fail(f"--{exc.field.replace('_', '-')}: {exc.message}") from None
        session.commit()
        out.print(
            f"added {row.slug}: {row.name}; may be embedded by {' '.join(row.origin_list())}",
            highlight=False,
            soft_wrap=True,
        )


@org_app.command("list")
def org_list() -> None:
    """Every organisation, its allowed origins, corridors and defaults."""
    from sqlmodel import Session

    from api.storage import orgs

    with Session(ready_engine()) as session:
        rows = orgs.list_orgs(session)
    if not rows:
        console.print("no organisations yet: add one with `remit admin org add`")
        return
    for r in rows:
        default = f"{r.default_from}-{r.default_to}" if r.default_from else "-"
        out.print(
            f"{r.slug}  {r.name!r}\n  origins: {' '.join(r.origin_list())}\n"
            f"  corridors: {' '.join(r.corridor_list()) or 'all'}; default: {default}; "
            f"lang: {r.default_lang or '-'}; views: {'counted' if r.count_views else 'off'}",
            highlight=False,
            soft_wrap=True,
        )


@org_app.command("remove")
def org_remove(
    slug: Annotated[str, typer.Argument(help="The organisation's slug.")],
) -> None:
    """Remove an organisation and its view counts."""
    from sqlmodel import Session

    from api.storage import orgs

    with Session(ready_engine()) as session:
        if not orgs.remove_org(session, slug):
            raise fail(f"no organisation {slug!r} (see `remit admin org list`)")
        session.commit()
    out.print(f"removed {slug}", highlight=False)


@org_app.command("views")
def org_views(
    slug: Annotated[str, typer.Argument(help="The organisation's slug.")],
    days: Annotated[int, typer.Option(help="How many UTC days back.", min=1, max=366)] = 30,
) -> None:
    """Widget views per UTC day."""
    from sqlmodel import Session

    from api.storage import orgs
    from api.storage.types import utcnow

    with Session(ready_engine()) as session:
        row = orgs.get_org(session, slug)
        if row is None:
            raise fail(f"no organisation {slug!r} (see `remit admin org list`)")
        rows = orgs.views(session, row, orgs.days_back(utcnow().date(), days))
    if not row.count_views:
        console.print(f"{slug} does not count views (add it again with --count-views)")
    for r in rows:
        out.print(f"{r.day.isoformat()}  {r.views}")
    out.print(f"total {sum(r.views for r in rows)}")
