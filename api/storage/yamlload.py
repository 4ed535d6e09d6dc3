"""YAML documents read with the safe loader, parsed by libyaml's C code when PyYAML was built
with it (about ten times faster on the lesson tree, which `remit lessons check` and every lesson
page read), else by PyYAML's own; the same safe constructors either way."""

from __future__ import annotations

from typing import IO, Any

import yaml

LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(stream: str | bytes | IO[str] | IO[bytes]) -> Any:
    return yaml.load(stream, Loader=LOADER)  # noqa: S506 - a safe loader
