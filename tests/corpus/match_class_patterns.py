"""Class patterns with positional and keyword sub-patterns."""

from dataclasses import dataclass


@dataclass
class Point:
    x: int
    y: int


@dataclass
class Circle:
    center: Point
    radius: int


def where(obj: object) -> str:
    match obj:
        case Point(0, 0):
            return "origin"
        case Point(x=0, y=y):
            return f"on y at {y}"
        case Point(x, y) if x > 0 and y > 0:
            return "first quadrant"
        case Circle(center=Point(0, 0), radius=r):
            return f"centered circle r={r}"
        case Circle(radius=0):
            return "degenerate circle"
        case int() | float():
            return "number"
        case str(text):
            return f"text {text}"
    return "unknown"


print(where(Point(0, 0)), where(Point(1, 2)), where(Circle(Point(0, 0), 3)), where(7))
print(where([1]))
