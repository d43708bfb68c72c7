"""Unreachable statements after return, raise, break and continue."""


def after_return(x: int) -> int:
    if x:
        return 1
        print("dead after return")
    return 0


def after_raise(x: int) -> int:
    try:
        raise ValueError(x)
        x += 1
    except ValueError:
        pass
    return x


def in_loops(items: list[int]) -> int:
    total = 0
    for item in items:
        if item < 0:
            continue
            total -= 1000
        if item > 100:
            break
            total = -1
        total += item
    return total


print(after_return(1), after_raise(2), in_loops([1, -1, 200]))
