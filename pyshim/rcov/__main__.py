"""`python -m rcov`: the `rcov` command (as `python -m coverage` is coverage.py's)."""

from .cli import main

main()
