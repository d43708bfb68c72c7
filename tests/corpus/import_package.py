"""Imports the small `shapes` package and a sibling module."""

import shapes
from corpus_helper import banner

print(banner("shapes"))
for kind in ("circle", "square"):
    shape = shapes.make(kind, 2)
    print(shape.describe(), round(shape.area(), 2))
try:
    shapes.make("triangle", 1)
except ValueError as exc:
    print(exc)
