"""Cost of `rcov.Coverage.new_coverage()`, the coverage-guided fuzzing query.

    python benches/new_coverage.py [--calls N] [--repeat N]

Measures, in nanoseconds per call (best of `--repeat` timings of `--calls`
calls each, with `time.perf_counter_ns`):

- `new_coverage()` when nothing new ran since the previous call (the case a
  fuzzer meets on almost every input; the target is under 5 us);
- the same through `Collector.new_coverage()`, without the Python method;
- a fuzzing round: running an already-covered target function, then
  `new_coverage()`, against the target function alone;
- `new_coverage()` when one new line ran (a fresh function per call), to
  show what the slow path costs.

Not a test: timings depend on the machine; run it on purpose.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import rcov

TARGET = textwrap.dedent(
    """
    def target(n):
        if n % 3 == 0:
            return "fizz"
        elif n % 5 == 0:
            return "buzz"
        return str(n)
    """
)


def per_call_ns(fn: Callable[[], object], calls: int, repeat: int) -> float:
    best = float("inf")
    loop = range(calls)
    for _ in range(repeat):
        start = time.perf_counter_ns()
        for _ in loop:
            fn()
        best = min(best, (time.perf_counter_ns() - start) / calls)
    return best


def fresh_functions(directory: Path, count: int) -> list[Callable[[], None]]:
    """`count` functions of a new measured module, none of them run yet."""
    body = "\n".join(f"def f{i}():\n    return {i}\n" for i in range(count))
    (directory / "fresh_lines.py").write_text(body, encoding="utf-8")
    import fresh_lines  # type: ignore[import-not-found]

    return [getattr(fresh_lines, f"f{i}") for i in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        (directory / "fuzzed.py").write_text(TARGET, encoding="utf-8")
        sys.path.insert(0, tmp)
        cov = rcov.Coverage(branch=True, include=[f"{tmp}/*"], data_file=None, config_file=False)
        with cov:
            import fuzzed  # type: ignore[import-not-found]

            for n in range(16):
                fuzzed.target(n)
            assert cov.new_coverage(), "the target's first run is new"
            assert not cov.new_coverage()
            collector = cov._session.collector
            rows = [
                (
                    "new_coverage(), nothing new",
                    per_call_ns(cov.new_coverage, args.calls, args.repeat),
                ),
                (
                    "Collector.new_coverage(), nothing new",
                    per_call_ns(collector.new_coverage, args.calls, args.repeat),
                ),
                (
                    "target(7) alone",
                    per_call_ns(lambda: fuzzed.target(7), args.calls, args.repeat),
                ),
                (
                    "target(7) + new_coverage()",
                    per_call_ns(
                        lambda: (fuzzed.target(7), cov.new_coverage()), args.calls, args.repeat
                    ),
                ),
            ]
            fresh = fresh_functions(directory, 2000)
            cov.new_coverage()
            functions = iter(fresh)

            def one_new_line() -> None:
                next(functions)()
                assert cov.new_coverage()

            slow = per_call_ns(one_new_line, 1000, 1)
            rows.append(("new_coverage(), one new line (slow path)", slow))
    print(f"rcov {rcov.__version__}, Python {sys.version.split()[0]}")
    for name, ns in rows:
        print(f"{name:45} {ns:10.0f} ns")


if __name__ == "__main__":
    main()
