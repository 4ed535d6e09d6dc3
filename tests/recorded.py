"""Where the recorded third-party responses live: one copy, in data/sample/recorded/ (the demo
loads the same files; provenance in its README.md)."""

from pathlib import Path

RECORDED = Path(__file__).resolve().parents[1] / "data" / "sample" / "recorded"
