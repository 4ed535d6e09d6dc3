"""`python -m remit.cli …` runs the command line (the console script is `remit`)."""

from remit.cli.main import main

main()
