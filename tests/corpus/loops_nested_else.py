"""Nested loops with else clauses, breaks and continues at several levels."""


def primes(limit: int) -> list[int]:
    found = []
    for n in range(2, limit):
        for d in range(2, n):
            if n % d == 0:
                break
        else:
            found.append(n)
    return found


def grid_search(grid: list[list[int]], wanted: int) -> tuple[int, int] | None:
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            if value == wanted:
                break
        else:
            continue
        return (r, c)
    return None


def while_in_for(words: list[str]) -> int:
    total = 0
    for word in words:
        i = 0
        while i < len(word):
            if word[i] == "!":
                break
            i += 1
        else:
            total += 1
    return total


print(primes(12), grid_search([[1, 2], [3, 4]], 4), grid_search([[1]], 9), while_in_for(["ab"]))
