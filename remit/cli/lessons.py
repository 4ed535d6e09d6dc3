"""`remit lessons …`: check the lesson files (see docs/lessons.md)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from api.services.lesson_audio import VOICES, AudioToolMissing, audio_is_fresh, make_audio
from api.services.lesson_check import CellStatus, CheckReport, check_lessons
from api.services.lessons import Issue, IssueKind, LessonStore, translation_problems
from api.settings import LESSONS_DIR, TRANSLATIONS_DIR

lessons_app = typer.Typer(help="Financial-literacy lesson files.", no_args_is_help=True)

CELL: dict[CellStatus, str] = {
    "ok": "[green]✓[/]",
    "review": "[cyan]✓ r[/]",
    "warning": "[yellow]! w[/]",
    "error": "[bold red]✗ E[/]",
    "missing": "[bold red]✗ ·[/]",
    "optional": "[dim]–[/]",
}
LEGEND = (
    "✓ valid · ✓ r valid, translation marked for review · ! w warnings · ✗ E errors · "
    "✗ · not translated (an error: every lesson must exist in every language) · – not "
    "needed (fa-IR holds only the lessons that concern Iran)"
)


def _matrix(report: CheckReport) -> Table:
    table = Table(
        title=f"Lessons × languages: {report.files} files, checked on {report.today}",
        caption=LEGEND,
    )
    table.add_column("lesson", no_wrap=True)
    for lang in report.languages:
        table.add_column(lang, justify="center", no_wrap=True)
    for number, slug in report.rows:
        cells = [CELL[report.cells[(slug, lang)]] for lang in report.languages]
        table.add_row(escape(f"{number:02d} {slug}"), *cells)
    return table


def _issues(out: Console, title: str, issues: list[Issue], style: str) -> None:
    out.print(f"\n[{style}]{escape(title)}[/]")
    for i in issues:
        out.print(f"  [bold]{escape(i.file)}[/] [magenta]{escape(i.field)}[/]: {escape(i.message)}")


@lessons_app.command("check")
def check(
    ci: Annotated[
        bool,
        typer.Option(
            "--ci", help="Only errors fail; facts past their review-by date are warnings."
        ),
    ] = False,
    today: Annotated[
        str | None,
        typer.Option(help="Check review-by dates as of this day (YYYY-MM-DD); default today."),
    ] = None,
    lessons_dir: Annotated[
        Path, typer.Option("--dir", help="Lessons directory.", file_okay=False)
    ] = LESSONS_DIR,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="List every translation marked for review.")
    ] = False,
    catalogs: Annotated[
        Path,
        typer.Option(help="The web pages' gettext catalogs, held to the same glossaries."),
    ] = TRANSLATIONS_DIR,
) -> None:
    """Validate every lesson file: header schema, quizzes, translations, review-by dates.

    Exit 1 on any error, and (without --ci) when a fact is past its review-by date.
    """
    out = Console()
    try:
        day = date.fromisoformat(today) if today else date.today()
    except ValueError:
        Console(stderr=True).print(f"[bold red]error:[/] --today: {today!r} is not YYYY-MM-DD")
        raise typer.Exit(2) from None
    report = check_lessons(lessons_dir, day, catalogs)
    out.print(_matrix(report))
    missing = [i for i in report.errors if i.kind is IssueKind.MISSING]
    errors = [i for i in report.errors if i.kind is not IssueKind.MISSING]
    shared = [i for i in report.warnings if i.kind is IssueKind.SOURCE_URL]
    review_by = [i for i in report.warnings if i.kind is IssueKind.REVIEW_BY]
    drift = [i for i in report.warnings if i.kind is IssueKind.FACT_DRIFT]
    marked = [i for i in report.warnings if i.kind is IssueKind.TRANSLATION_REVIEW]
    if errors:
        _issues(out, f"{len(errors)} error(s):", errors, "bold red")
    if missing:
        out.print(f"\n[bold red]{len(missing)} error(s): lesson not translated[/]")
        by_lang_missing: dict[str, list[str]] = {}
        for i in missing:
            lang, name = i.file.split("/", 1)
            by_lang_missing.setdefault(lang, []).append(name.split("-", 1)[0])
        for lang, numbers in by_lang_missing.items():
            out.print(f"  [bold]{escape(lang)}[/]: {', '.join(numbers)}")
    if shared:
        title = f"{len(shared)} warning(s): two facts of one lesson cite the same address"
        _issues(out, title, shared, "yellow")
    if review_by:
        title = f"{len(review_by)} warning(s): fact past its review-by date"
        _issues(out, title, review_by, "bold yellow")
    if drift:
        title = f"{len(drift)} warning(s): translated fact differs from English"
        _issues(out, title, drift, "yellow")
    if marked:
        if verbose:
            title = f"{len(marked)} warning(s): translation marked for review"
            _issues(out, title, marked, "cyan")
        else:
            by_lang: dict[str, int] = {}
            for i in marked:
                by_lang[i.file.split("/", 1)[0]] = by_lang.get(i.file.split("/", 1)[0], 0) + 1
            counts = ", ".join(f"{lang} {n}" for lang, n in by_lang.items())
            out.print(
                f"\n[cyan]{len(marked)} warning(s): translation marked for review by a native "
                f"speaker (review_note):[/] {counts}. --verbose lists them."
            )
    failed = report.failed(ci)
    mode = "ci: only errors fail" if ci else "strict: errors and past review-by dates fail"
    verdict = "[bold red]FAILED[/]" if failed else "[bold green]passed[/]"
    out.print(
        f"\n{verdict} ({mode}): {len(report.errors)} error(s), {len(report.warnings)} warning(s) "
        f"in {report.files} file(s)."
    )
    if failed:
        raise typer.Exit(1)


@lessons_app.command("audio")
def audio(
    lessons_dir: Annotated[
        Path, typer.Option("--dir", help="Lessons directory.", file_okay=False)
    ] = LESSONS_DIR,
    lang: Annotated[
        list[str] | None, typer.Option("--lang", help="Only these languages (repeatable).")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Speak again lessons whose audio is up to date.")
    ] = False,
) -> None:
    """Speak every lesson with espeak-ng into lessons/audio/<lang>/NN-slug.opus (Opus, 12
    kbit/s). Languages with a voice: en, ur, bn, fa-AF and fa-IR (Persian), ar; none for
    Pashto. The files are generated at build time and not committed; lessons whose audio is
    not older than their text are skipped (--force speaks them again)."""
    out, err = Console(), Console(stderr=True)
    unknown = [x for x in lang or [] if x not in VOICES]
    if unknown:
        err.print(f"[bold red]error:[/] --lang: no computer voice for {', '.join(unknown)}")
        err.print(f"  languages with a voice: {', '.join(VOICES)}")
        raise typer.Exit(2)
    cat = LessonStore(lessons_dir).catalogue()
    en = cat.lessons.get("en", {})
    seconds = size = files = 0.0
    for code in lang or list(VOICES):
        for lesson in sorted(cat.lessons.get(code, {}).values(), key=lambda x: x.number):
            source = en.get(lesson.slug)
            if source is None or (source is not lesson and translation_problems(source, lesson)):
                continue  # not served: English is shown instead
            if not force and audio_is_fresh(lesson, lessons_dir):
                continue  # not older than its text
            try:
                made = make_audio(lesson, lessons_dir)
            except AudioToolMissing as exc:
                err.print(f"[bold red]error:[/] {escape(str(exc))}")
                raise typer.Exit(1) from None
            seconds, size, files = seconds + made.seconds, size + made.size, files + 1
            out.print(f"{made.rel}: {made.seconds:.0f} s, {made.size / 1024:.0f} KB")
    per_minute = size / (seconds / 60) / 1024 if seconds else 0
    out.print(
        f"{files:.0f} file(s), {seconds / 60:.1f} minutes, {size / 1024 / 1024:.1f} MB: "
        f"{per_minute:.0f} KB per minute of speech."
    )
