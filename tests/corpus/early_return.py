"""Returns from inside loops, nested blocks and with statements."""

import io


def index_of(items: list[str], target: str) -> int:
    for i, item in enumerate(items):
        if item == target:
            return i
    return -1


def first_line(text: str) -> str:
    with io.StringIO(text) as f:
        for line in f:
            if line.strip():
                return line.strip()
    return ""


def guard(a: int, b: int) -> str:
    if a < 0:
        return "a negative"
    if b < 0:
        return "b negative"
    while a > b:
        if a - b > 10:
            return "far apart"
        a -= 1
    return "close"


print(index_of(["x", "y"], "y"), index_of([], "q"), first_line("\n  hi\n"), guard(5, 3))
