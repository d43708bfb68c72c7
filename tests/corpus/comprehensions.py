"""Comprehensions and generator expressions with conditions."""


def evens(n: int) -> list[int]:
    return [i for i in range(n) if i % 2 == 0]


def table(n: int) -> dict[int, list[int]]:
    return {i: [j for j in range(i) if j] for i in range(n) if i > 1}


def unique_lengths(words: list[str]) -> list[int]:
    return sorted({len(w) for w in words if w})


def first_negative(values: list[int]) -> int | None:
    return next((v for v in values if v < 0), None)


def never_runs(values: list[int]) -> list[int]:
    return [v * 2 for v in values if v > 0]


def nested(matrix: list[list[int]]) -> list[int]:
    return [
        cell
        for row in matrix
        if row
        for cell in row
        if cell % 3
    ]


class Scope:
    base = 10
    values = [i * 2 for i in range(base) if i % 4 == 0]


print(evens(7), table(4), unique_lengths(["a", "bb", ""]), first_negative([3, -1]))
print(nested([[1, 3], [], [4]]), sum(x * x for x in range(4)), Scope.values)
