"""The logs never hold a secret: a key sent in the query string (which the API refuses) is
replaced by `REDACTED` before uvicorn writes the line, under any parameter name that names a
key or token (`?access_token=`, `?auth=`...), and anything shaped like one of our keys
(`remit_` + 43 characters) is redacted wherever it appears in a logged URL or header."""

from __future__ import annotations

import logging
import re

from api.http.deps import KEY_QUERY_PARAMS
from api.storage.apikeys import KEY_PREFIX

# Parameter names that carry a credential in other APIs' conventions, beside the ones the
# API itself recognises (and refuses) in a URL.
SECRET_PARAMS = KEY_QUERY_PARAMS | {
    "access_token",
    "auth",
    "authorization",
    "password",
    "secret",
    "signature",
    "sig",
}
# Our keys are KEY_PREFIX + secrets.token_urlsafe(32); a shorter run still looks like one.
_OUR_KEY = re.compile(re.escape(KEY_PREFIX) + r"[A-Za-z0-9_\-]{16,}")


def _name_pattern(name: str) -> str:
    # Each character also matches its %-encoding (a client may send `api%5Fkey=`).
    return "".join(f"(?:{re.escape(c)}|%{ord(c):02x})" for c in name)


_PARAM = re.compile(
    r"(?P<name>(?:^|(?<=[&;]))(?:"
    + "|".join(_name_pattern(p) for p in sorted(SECRET_PARAMS))
    + r"))=(?P<value>[^&;#\s]*)",
    re.IGNORECASE,
)


def redact(path: str) -> str:
    """`/x?api_key=abc&b=1` -> `/x?api_key=REDACTED&b=1` (names %-encoded too), and any
    `remit_…` key anywhere in the text -> `REDACTED`."""
    path = _OUR_KEY.sub("REDACTED", path)
    if "?" not in path:
        return path
    base, _, query = path.partition("?")
    return base + "?" + _PARAM.sub(lambda m: m.group("name") + "=REDACTED", query)


class RedactKeys(logging.Filter):
    """Every text argument of a log record (uvicorn's access log passes the path as one,
    httpx the URL) and its message, redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in args)
        elif isinstance(args, dict):
            record.args = {k: redact(v) if isinstance(v, str) else v for k, v in args.items()}
        if isinstance(record.msg, str):
            record.msg = _OUR_KEY.sub("REDACTED", record.msg)
        return True


# The loggers that write URLs or headers: uvicorn's access and error logs, httpx's requests.
LOGGERS = ("uvicorn.access", "uvicorn.error", "httpx")


def install() -> None:
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactKeys) for f in logger.filters):
            logger.addFilter(RedactKeys())
