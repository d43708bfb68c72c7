"""Conditional expressions, and/or, and not: not branches for coverage."""


def describe(n: int) -> str:
    size = "big" if n > 100 else "small"
    parity = "even" if n % 2 == 0 else "odd"
    return f"{size} {parity}"


def safe_div(a: int, b: int) -> float:
    return b and a / b or 0.0


def defaults(value: str | None) -> str:
    return value or "default"


def both(a: bool, b: bool) -> bool:
    if a and b:
        return True
    if a or (b and not a):
        return False
    return not (a or b)


def chained(x: int) -> bool:
    return 0 < x < 10 and x != 5


print(describe(3), safe_div(4, 2), safe_div(1, 0), defaults(None))
print(both(True, True), both(True, False), chained(4))
