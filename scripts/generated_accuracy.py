"""Compare rcov with coverage.py on many generated programs.

    python scripts/generated_accuracy.py [--count N] [--start SEED]

Writes the programs of `tests/progen.py` for seeds START..START+N-1 as
modules of a scratch directory, imports them all in one process under
`coverage run --branch` and under `python -m rcov.instrument --branch`
(tests/covcompare.py's two runners, same interpreter), and prints every
difference in statements, missing lines, excluded lines, arcs and missing
arcs, then a count. `tests/test_generated_programs.py` checks the same
programs for behaviour (output, endings, code trees); this checks the numbers.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests"
sys.path.insert(0, str(TESTS))

from covcompare import compare, run_coverage, run_rcov
from progen import generate

DRIVER = """\
import contextlib, importlib, io, sys
sys.path.insert(0, "programs")
for seed in range({start}, {stop}):
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            importlib.import_module(f"g{{seed}}")
    except BaseException:  # a program may end by any exception
        pass
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--start", type=int, default=0, help="first seed")
    args = parser.parse_args()
    stop = args.start + args.count
    with tempfile.TemporaryDirectory(prefix="rcov-generated-") as tmp:
        root = Path(tmp)
        programs = root / "programs"
        programs.mkdir()
        for seed in range(args.start, stop):
            (programs / f"g{seed}.py").write_text(generate(seed))
        (root / "driver.py").write_text(DRIVER.format(start=args.start, stop=stop))
        (root / "coverage").mkdir()
        (root / "rcov").mkdir()
        source = [str(programs)]
        expected = run_coverage(["driver.py"], root, root / "coverage", source=source)
        actual = run_rcov(["driver.py"], root, root / "rcov", source=source)
        problems = compare(expected.files, actual.files)
    for problem in problems:
        print(problem)
    differing = len({problem.split(":")[0] for problem in problems})
    print(
        f"Python {sys.version.split()[0]}: {args.count} programs (seeds {args.start}-{stop - 1}); "
        f"{differing} files differ from coverage.py"
    )


if __name__ == "__main__":
    main()
