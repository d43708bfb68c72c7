"""Circles."""

import math


class Circle:
    def __init__(self, radius: float) -> None:
        if radius < 0:
            raise ValueError("negative radius")
        self.radius = radius

    def area(self) -> float:
        return math.pi * self.radius**2

    def describe(self) -> str:
        if self.radius == 0:
            return "a point"
        return f"circle r={self.radius}"
