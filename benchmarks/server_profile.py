"""Where a served request's CPU goes: py-spy samples of the server process during a wrk run,
each sample put in the part named by its innermost frame that one names.

Used by `bench_scale.py --profile`, which prints the parts per measure beside the ratios, so
a missed target is explained by a profile anyone can reproduce. py-spy needs ptrace rights
on the server process (root, or `kernel.yama.ptrace_scope=0`); without them the profile is
skipped with py-spy's own message. Nothing is asserted.
"""

from __future__ import annotations

import collections
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

# (part, frame fragments): a sample belongs to the part of its innermost frame holding one
# of the fragments (the first such part when a frame holds several). Frames read
# "function (path/file.py:line)".
PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("socket write (the body to the kernel)", ("_SelectorSocketTransport.write",)),
    ("page from its shape (web/lean_page.py)", ("web/lean_page.py",)),
    ("Jinja rendering (page shapes, full pages)", ("jinja2/", "web/templates/", ".html:")),
    (
        "page route, page cache, ETag (lean_route)",
        ("web/lean_route.py", "web/pagecache.py"),
    ),
    (
        "figures and JSON (http/present, segments)",
        ("api/http/present.py", "api/http/segments.py"),
    ),
    (
        "pricing, ranking (compare(), segments)",
        ("compare (api/services/compare.py", "api/services/segments.py"),
    ),
    (
        "session, data version, book lookup",
        (
            "api/storage/db.py",
            "app_session",
            "versionwatch",
            "CorridorBook",
            "version_without_waiting",
            "corridor_version",
        ),
    ),
    ("access log", ("api/http/accesslog.py", "logging/")),
    ("HTTP parsing and writing (uvicorn, h11)", ("h11/", "uvicorn/protocols")),
    (
        "middleware stack and routing",
        ("api/http/", "remit/app.py", "starlette/", "fastapi/"),
    ),
    ("event loop, threads and the rest", ("",)),
)


def py_spy() -> str | None:
    found = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    return found if Path(found).exists() else None


def classify(stack: str) -> str:
    """The part of the innermost frame that names one (the work itself, not its callers)."""
    for frame in reversed(stack.split(";")):
        for part, fragments in PARTS[:-1]:
            if any(f in frame for f in fragments):
                return part
    return PARTS[-1][0]


def summarise(raw: str) -> dict[str, float]:
    """Share of samples per part, from py-spy's raw (collapsed) output."""
    counts: collections.Counter[str] = collections.Counter()
    for line in raw.splitlines():
        stack, _, n = line.rpartition(" ")
        if stack and n.isdigit():
            counts[classify(stack)] += int(n)
    total = sum(counts.values()) or 1
    return {part: counts[part] / total for part, _ in PARTS if counts[part]}


def profile_during(pid: int, seconds: int, load: Callable[[], object]) -> dict[str, float] | str:
    """Sample `pid` while `load()` runs; the parts' shares, or why there is no profile."""
    tool = py_spy()
    if tool is None:
        return "py-spy not installed"
    with tempfile.TemporaryDirectory(prefix="remit-spy-") as tmp:
        out = Path(tmp) / "raw.txt"
        cmd = [tool, "record", "-p", str(pid), "-d", str(seconds), "-r", "250", "-f", "raw"]
        cmd += ["--nonblocking", "-o", str(out)]
        spy = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        load()
        _, err = spy.communicate(timeout=seconds + 60)
        if spy.returncode != 0 or not out.exists():
            return f"py-spy failed: {err.decode(errors='replace').strip()[-200:]}"
        return summarise(out.read_text())
