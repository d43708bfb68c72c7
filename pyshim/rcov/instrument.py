"""`python -m rcov.instrument [options] script.py args` / `... -m module args`.

The entry point that needs no console script: it runs the program under
measurement exactly as `python script.py args` would, then reports.
"""

from __future__ import annotations

from .cli import run_main

if __name__ == "__main__":
    run_main()
