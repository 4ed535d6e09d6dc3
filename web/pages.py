"""Server-rendered pages (filled in by the web front end)."""

from __future__ import annotations

from fastapi import FastAPI


def install(app: FastAPI) -> None:
    """Mount page routes and static files on the app."""
