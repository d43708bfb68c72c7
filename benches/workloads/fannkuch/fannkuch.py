"""Fannkuch-redux: count pancake flips over all permutations of 0..n-1.

Permutations are generated in place with the counting (Heap-like rotation)
scheme, so the work is list slicing, swaps and short while loops.
"""

import sys


def flips(perm: list[int]) -> int:
    p = perm[:]
    count = 0
    first = p[0]
    while first:
        p[: first + 1] = p[first::-1]
        count += 1
        first = p[0]
    return count


def fannkuch(n: int) -> tuple[int, int]:
    perm = list(range(n))
    counts = list(range(1, n + 1))
    checksum = 0
    max_flips = 0
    sign = 1
    while True:
        if perm[0]:
            f = flips(perm)
            if f > max_flips:  # noqa: PLR1730 - the branch is part of the workload
                max_flips = f
            checksum += f if sign > 0 else -f
        sign = -sign
        # Next permutation: rotate the first i+1 items while counters run out.
        i = 1
        while i < n:
            head = perm[0]
            perm[:i] = perm[1 : i + 1]
            perm[i] = head
            counts[i] -= 1
            if counts[i] > 0:
                break
            counts[i] = i + 1
            i += 1
        else:
            return checksum, max_flips


def main(rounds: int, n: int = 8) -> int:
    checksum = max_flips = 0
    for _ in range(rounds):
        checksum, max_flips = fannkuch(n)
    print(f"fannkuch({n}) x {rounds}: checksum {checksum}, max flips {max_flips}")
    return max_flips


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
