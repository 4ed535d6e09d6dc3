"""What happened to one observation offered to storage."""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    STORED = "stored"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"
