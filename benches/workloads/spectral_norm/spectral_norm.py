"""Spectral norm of the infinite matrix A(i, j) = 1 / ((i + j)(i + j + 1)/2 + i + 1).

Power iteration with A and its transpose applied through generator
expressions: many tiny frames (genexpr, the matrix entry function).
"""

import sys


def entry(i: int, j: int) -> float:
    s = i + j
    return 1.0 / (s * (s + 1) // 2 + i + 1)


def times(v: list[float]) -> list[float]:
    n = len(v)
    return [sum(entry(i, j) * v[j] for j in range(n)) for i in range(n)]


def times_transposed(v: list[float]) -> list[float]:
    n = len(v)
    return [sum(entry(j, i) * v[j] for j in range(n)) for i in range(n)]


def times_ata(v: list[float]) -> list[float]:
    return times_transposed(times(v))


def main(n: int) -> float:
    u = [1.0] * n
    v = u
    for _ in range(10):
        v = times_ata(u)
        u = times_ata(v)
    vbv = sum(a * b for a, b in zip(u, v))
    vv = sum(b * b for b in v)
    result: float = (vbv / vv) ** 0.5
    print(f"spectral_norm: {result:.9f}")
    return result


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 250)
