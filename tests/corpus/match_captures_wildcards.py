"""Capture patterns and wildcards; matches ending with an irrefutable case."""


def head(items: list[int]) -> str:
    match items:
        case []:
            return "empty"
        case [first]:
            return f"one {first}"
        case [first, *rest]:
            return f"{first} and {len(rest)} more"


def capture_all(value: object) -> str:
    match value:
        case 1:
            result = "one"
        case other:
            result = f"other {other!r}"
    return result


def wildcard(value: int) -> str:
    match value:
        case 1:
            out = "one"
        case 2:
            out = "two"
        case _:
            out = "many"
    return out


print(head([1]), head([1, 2, 3]))
print(capture_all(1), capture_all(1))
print(wildcard(1), wildcard(5))
