"""The `remit` command line; the root Typer app is `remit.cli.main:app`."""
