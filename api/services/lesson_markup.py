"""The markup of lessons written for the reader's country: `{{ local.<key> }}` tokens and
`::: only PK BD` ... `:::` blocks (see api.services.lesson_local). Pure text work, shared by
the loader (which validates it) and the renderer."""

from __future__ import annotations

import re
from collections.abc import Iterable

# The destinations the lessons are written for (data/corridors.yaml's receiving countries).
COUNTRIES: tuple[str, ...] = ("PK", "BD", "AF", "IQ", "IR")
TOKEN_RE = re.compile(r"\{\{ local\.([a-z_]+) \}\}")
BLOCK_OPEN_RE = re.compile(r"^::: only ((?:[A-Z]{2})(?: [A-Z]{2})*)[ \t]*$")
BLOCK_CLOSE = ":::"


def block_problems(body: str) -> list[str]:
    """What is wrong with the `::: only` blocks of a body (empty when fine)."""
    out: list[str] = []
    open_at: int | None = None
    for n, line in enumerate(body.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith(":::"):
            m = BLOCK_OPEN_RE.match(stripped)
            if m:
                if open_at is not None:
                    out.append(f"line {n}: block opened inside the block of line {open_at}")
                unknown = [c for c in m[1].split() if c not in COUNTRIES]
                if unknown:
                    out.append(f"line {n}: {', '.join(unknown)} not one of {', '.join(COUNTRIES)}")
                open_at = n
            elif stripped == BLOCK_CLOSE:
                if open_at is None:
                    out.append(f"line {n}: ':::' closes no block")
                open_at = None
            else:
                out.append(f"line {n}: write '::: only PK BD' to open a block and ':::' to close")
    if open_at is not None:
        out.append(f"line {open_at}: block is not closed with ':::'")
    return out


def block_countries(body: str) -> list[tuple[str, ...]]:
    """The country lists of the body's blocks, in order (translations keep English's)."""
    return [
        tuple(m[1].split())
        for line in body.splitlines()
        if (m := BLOCK_OPEN_RE.match(line.strip()))
    ]


def select_blocks(body: str, country: str) -> str:
    out: list[str] = []
    keep = True
    for line in body.splitlines():
        stripped = line.strip()
        m = BLOCK_OPEN_RE.match(stripped)
        if m:
            keep = country in m[1].split()
            continue
        if stripped == BLOCK_CLOSE:
            keep = True
            continue
        if keep:
            out.append(line)
    return "\n".join(out)


# ---------------------------------------------------------------------------------------
# Tokens


def tokens(texts: Iterable[str]) -> set[str]:
    return {m[1] for text in texts for m in TOKEN_RE.finditer(text)}


def fill(text: str, words: dict[str, str]) -> str:
    return TOKEN_RE.sub(lambda m: words.get(m[1], m[0]), text)
