"""Deferred annotations (PEP 649/749, Python 3.14): `__annotate__` is no statement.

Annotations name classes defined later, or never; they are evaluated only when
asked for, so the module runs without NameError, and asking runs the
compiler-made `__annotate__` functions.
"""

import annotationlib

count: int = 0
pending: Later


def scale(value: Later, factor: float = 2.0) -> Later:
    if factor > 1:
        return value * factor
    return value


class Point:
    x: Later
    y: int = 0
    label: str

    def shifted(self, dx: Later) -> Point:
        p = Point()
        p.y = self.y + dx
        return p


class Later:
    pass


class Unused:
    z: Missing

    def method(self, a: Missing) -> None:
        if a:
            print(a)


print(scale(3), scale(3, 0.5))
print(Point().shifted(2).y)
print(annotationlib.get_annotations(Point))
print(sorted(annotationlib.get_annotations(scale)))
print(annotationlib.get_annotations(Unused, format=annotationlib.Format.FORWARDREF))
if count:
    print("never")
