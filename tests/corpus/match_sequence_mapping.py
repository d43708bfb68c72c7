"""Sequence, mapping and star patterns, value patterns via dotted names."""

import enum


class Color(enum.Enum):
    RED = 1
    GREEN = 2
    BLUE = 3


def handle(event: dict[str, object]) -> str:
    match event:
        case {"type": "click", "pos": (x, y)}:
            return f"click {x},{y}"
        case {"type": "key", "key": str(k), **rest}:
            return f"key {k} extra={sorted(rest)}"
        case {"type": "scroll"}:
            return "scroll"
    return "ignored"


def paint(color: Color) -> str:
    match color:
        case Color.RED:
            return "warm"
        case Color.GREEN | Color.BLUE:
            return "cool"


def split(seq: list[int]) -> str:
    match seq:
        case [a, b, *middle, z] if middle:
            return f"{a}{b}..{z}"
        case [*_, 0]:
            return "ends in zero"
        case _:
            return "short"


print(handle({"type": "click", "pos": (1, 2)}), handle({"type": "key", "key": "q", "alt": 1}))
print(paint(Color.RED), split([1, 2, 3, 4]), split([5]))
