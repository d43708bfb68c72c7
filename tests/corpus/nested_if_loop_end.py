"""Nested ifs as the last statement of loop bodies: their false edges go back to the loop."""


def scan(rows: list[list[int]]) -> list[str]:
    found = []
    for row in rows:
        for cell in row:
            if cell > 0:
                if cell % 2 == 0:
                    found.append(f"even {cell}")
                elif cell > 100:
                    found.append("huge")
    return found


def countdown(n: int) -> int:
    steps = 0
    while n > 0:
        n -= 1
        steps += 1
        if n % 3 == 0:
            if n == 999:
                steps += 100
    return steps


def last_in_else(values: list[int]) -> int:
    hits = 0
    for v in values:
        if v < 0:
            hits -= 1
        else:
            if v > 5:
                hits += 1
    return hits


print(scan([[1, 2, 3], [4, -1]]))
print(countdown(7))
print(last_in_else([1, 2, 9]))
