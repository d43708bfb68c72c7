"""while True / while 1 loops that carry an else clause (it can never run)."""


def first_even(values: list[int]) -> int:
    it = iter(values)
    while True:
        v = next(it, None)
        if v is None:
            return -1
        if v % 2 == 0:
            break
    else:
        return -2
    return v


def spin(limit: int) -> int:
    n = 0
    while 1:
        n += 1
        if n >= limit:
            break
    else:
        n = -1
    return n


print(first_even([1, 3, 4]), spin(3))
