"""Functions made of boolean tests: early exits, any/all, chained comparisons."""


def is_valid(name: str) -> bool:
    if not name:
        return False
    if not name[0].isalpha():
        return False
    return all(c.isalnum() or c == "_" for c in name)


def in_range(x: float, low: float = 0, high: float = 1) -> bool:
    return low <= x <= high


def has_negative(values: list[int]) -> bool:
    return any(v < 0 for v in values)


def xor(a: bool, b: bool) -> bool:
    if a:
        return not b
    else:
        return b


print(is_valid("abc"), is_valid("1x"), in_range(0.5), has_negative([1, 2]), xor(True, False))
