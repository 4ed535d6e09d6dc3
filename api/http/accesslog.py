"""The access log never holds a secret: a key sent in the query string (which the API
refuses) is replaced by `REDACTED` before uvicorn writes the line."""

from __future__ import annotations

import logging
import re

from api.http.deps import KEY_QUERY_PARAMS


def _name_pattern(name: str) -> str:
    # Each character also matches its %-encoding (a client may send `api%5Fkey=`).
    return "".join(f"(?:{re.escape(c)}|%{ord(c):02x})" for c in name)


_PARAM = re.compile(
    r"(?P<name>(?:^|(?<=[&;]))(?:"
    + "|".join(_name_pattern(p) for p in sorted(KEY_QUERY_PARAMS))
    + r"))=(?P<value>[^&;#\s]*)",
    re.IGNORECASE,
)


def redact(path: str) -> str:
    """`/x?api_key=abc&b=1` -> `/x?api_key=REDACTED&b=1` (names %-encoded too)."""
    if "?" not in path:
        return path
    base, _, query = path.partition("?")
    return base + "?" + _PARAM.sub(lambda m: m.group("name") + "=REDACTED", query)


class RedactKeys(logging.Filter):
    """For uvicorn's access logger, whose args are (client, method, path, version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact(args[2]), *args[3:])
        return True


def install() -> None:
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactKeys) for f in logger.filters):
        logger.addFilter(RedactKeys())
