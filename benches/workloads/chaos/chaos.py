"""Chaos game: an iterated function system drawn into a character raster.

Random affine maps chosen by weight, points clipped and counted per cell;
a splined-free variant of the classic "chaos" benchmark, with classes,
properties and small methods.
"""

import random
import sys


class Affine:
    __slots__ = ("a", "b", "c", "d", "e", "f")

    def __init__(self, a: float, b: float, c: float, d: float, e: float, f: float):
        self.a, self.b, self.c, self.d, self.e, self.f = a, b, c, d, e, f

    def apply(self, x: float, y: float) -> tuple[float, float]:
        return self.a * x + self.b * y + self.e, self.c * x + self.d * y + self.f


class Fern:
    """Barnsley's fern: four maps with probabilities 1%, 85%, 7%, 7%."""

    def __init__(self) -> None:
        self.maps = [
            (0.01, Affine(0.0, 0.0, 0.0, 0.16, 0.0, 0.0)),
            (0.85, Affine(0.85, 0.04, -0.04, 0.85, 0.0, 1.6)),
            (0.07, Affine(0.2, -0.26, 0.23, 0.22, 0.0, 1.6)),
            (0.07, Affine(-0.15, 0.28, 0.26, 0.24, 0.0, 0.44)),
        ]

    def pick(self, r: float) -> Affine:
        total = 0.0
        for weight, m in self.maps:
            total += weight
            if r < total:
                return m
        return self.maps[-1][1]


class Raster:
    def __init__(self, width: int, height: int) -> None:
        self.width = width
        self.height = height
        self.cells = [[0] * width for _ in range(height)]

    @property
    def filled(self) -> int:
        return sum(1 for row in self.cells for c in row if c)

    def plot(self, x: float, y: float) -> bool:
        col = int((x + 2.75) / 5.5 * self.width)
        row = int((10.0 - y) / 10.0 * self.height)
        if 0 <= col < self.width and 0 <= row < self.height:
            self.cells[row][col] += 1
            return True
        return False

    def render(self) -> str:
        shades = " .:-=+*#%@"
        lines = []
        for row in self.cells:
            lines.append("".join(shades[min(9, c)] if c else " " for c in row))
        return "\n".join(lines)


def main(points: int) -> int:
    rng = random.Random(4)
    fern = Fern()
    raster = Raster(80, 40)
    x = y = 0.0
    clipped = 0
    for i in range(points):
        x, y = fern.pick(rng.random()).apply(x, y)
        if i > 20 and not raster.plot(x, y):
            clipped += 1
    art = raster.render()
    print(f"chaos: {raster.filled} cells lit, {clipped} clipped, {len(art)} chars")
    return raster.filled


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_500_000)
