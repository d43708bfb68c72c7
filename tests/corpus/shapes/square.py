"""Squares."""

from shapes import util


class Square:
    def __init__(self, side: float) -> None:
        self.side = util.positive(side)

    def area(self) -> float:
        return self.side * self.side

    def describe(self) -> str:
        return f"square s={self.side}"
