"""A small coverage-guided mutation fuzzer, driven by rcov.

    python examples/api/fuzz.py [--seed N] [--runs N]

Each round mutates an input of the corpus, runs the target on it, and asks
`Coverage.new_coverage()` whether that run reached a line or a branch arc
never seen before; if so, the input joins the corpus. The question costs
about a microsecond when the answer is "nothing new", so it follows every
run. The target (`fuzz_target.parse`) hides its bug behind four nested byte
tests: blind random inputs would need about 4 billion tries, this finds it
in tens of thousands of runs.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import rcov


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One random change: replace, insert or delete a byte."""
    buf = bytearray(data)
    choice = rng.randrange(3)
    if choice == 0 and buf:
        buf[rng.randrange(len(buf))] = rng.randrange(256)
    elif choice == 1 or not buf:
        buf.insert(rng.randrange(len(buf) + 1), rng.randrange(256))
    elif len(buf) > 1:
        del buf[rng.randrange(len(buf))]
    return bytes(buf)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=2_000_000)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    cov = rcov.Coverage(branch=True, source=["fuzz_target"], data_file=None, config_file=False)
    with cov:  # the target is instrumented when it is imported, so: inside
        from fuzz_target import Crash, parse

        corpus = [b"seed"]
        start = time.perf_counter()
        for run in range(1, args.runs + 1):
            data = mutate(rng.choice(corpus), rng)
            try:
                parse(data)
            except Crash as exc:
                elapsed = time.perf_counter() - start
                print(f"run {run}: {exc} ({elapsed:.2f} s, corpus of {len(corpus)})")
                return 0
            news = cov.new_coverage()
            if news:
                corpus.append(data)
                for path, (lines, arcs) in news.items():
                    print(f"run {run}: {data!r} reached new code in {Path(path).name}: "
                          f"lines {lines}, arcs {arcs}")
    print(f"no crash in {args.runs} runs")
    return 1


if __name__ == "__main__":
    sys.exit(main())
