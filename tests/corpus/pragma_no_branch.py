"""`# pragma: no branch` stops a line's missing arcs from being reported."""


def always(items: list[int]) -> int:
    total = 0
    for item in items:  # pragma: no branch
        total += item
        if total > 0:  # pragma: no branch
            break
    return total


def reported(x: int) -> int:
    if x > 0:
        x += 1
    while x > 100:  # pragma: no branch
        x -= 1
    if x:  # a normal partial branch stays reported
        return x
    return -1


print(always([1, 2]), reported(3))
