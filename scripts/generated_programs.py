"""Run many generated programs through rcov's checks (tests/progcheck.py).

    .venv-test312/bin/python scripts/generated_programs.py --count 10000
    .venv-test313/bin/python scripts/generated_programs.py --count 10000 --start 50000

The interpreter needs rcov installed (the test virtualenvs have it). Prints
how many programs were checked, their size, the statement kinds they held and
every program that differed (its seed: `python tests/progen.py SEED` prints
it). Exit status 1 if any did.
"""

from __future__ import annotations

import argparse
import ast
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from progcheck import check
from progen import generate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--start", type=int, default=0, help="first seed")
    args = parser.parse_args()
    started = time.monotonic()
    kinds: Counter[str] = Counter()
    lines = 0
    failed = []
    for seed in range(args.start, args.start + args.count):
        source = generate(seed)
        lines += source.count("\n")
        kinds.update(
            type(n).__name__ for n in ast.walk(ast.parse(source)) if isinstance(n, ast.stmt)
        )
        problems = check(seed)
        if problems:
            failed.append(seed)
            print(f"seed {seed}:", *problems, sep="\n  ", flush=True)
    seconds = time.monotonic() - started
    missing = sorted({c.__name__ for c in ast.stmt.__subclasses__()} - set(kinds))
    print(
        f"Python {sys.version.split()[0]}: {args.count} programs (seeds {args.start}-"
        f"{args.start + args.count - 1}), {lines} lines, {sum(kinds.values())} statements, "
        f"{len(kinds)} statement kinds{' (missing: ' + ', '.join(missing) + ')' if missing else ''}; "
        f"{len(failed)} differ; {seconds:.0f} s"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
