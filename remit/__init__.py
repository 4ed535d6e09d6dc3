"""The composition root: the command line (`remit.cli`) and the app factory (`remit.app`).

It wires `api`, `web` and `scrapers` together and is imported by none of them (only by the
console script, tests and benchmarks). See docs/architecture.md.
"""
