"""Exits of decorated functions and classes are reported against the first decorator line."""

import functools


def trace(func):
    @functools.wraps(func)
    def wrapper(*args):
        return func(*args)

    return wrapper


@trace
def maybe(x: int) -> None:
    if x > 0:
        print("positive")


@trace
@trace
def twice(x: int) -> None:
    for _ in range(x):
        if x > 5:
            print("many")


@functools.total_ordering
class Version:
    def __init__(self, n: int) -> None:
        self.n = n

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self.n == other.n

    def __lt__(self, other: "Version") -> bool:
        return self.n < other.n


maybe(1)
maybe(1)
twice(2)
print(Version(1) <= Version(2), Version(1) == Version(1))
