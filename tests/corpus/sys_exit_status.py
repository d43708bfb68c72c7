"""Exits with a non-zero status after writing to stdout and stderr."""

import sys


def check(values: list[int]) -> int:
    bad = 0
    for v in values:
        if v < 0:
            print(f"bad value {v}", file=sys.stderr)
            bad += 1
        elif v > 1000:
            print("huge value", file=sys.stderr)
    return bad


failures = check([1, -2, 3])
print("failures:", failures)
if failures:
    sys.exit(3)
print("all good")
