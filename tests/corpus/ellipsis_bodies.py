"""Functions and classes whose bodies are only `...` are excluded by default."""

from typing import Protocol, overload


class Reader(Protocol):
    def read(self, n: int) -> bytes: ...

    def close(self) -> None:
        ...


@overload
def conv(x: int) -> int: ...
@overload
def conv(x: str) -> str: ...
def conv(x: int | str) -> int | str:
    if isinstance(x, int):
        return x + 1
    return x.upper()


class Stub:
    ...


def placeholder():
    ...


def partly(x: int) -> int:
    if x:
        ...
    return x


print(conv(1), conv(2), partly(0), Stub.__name__)
