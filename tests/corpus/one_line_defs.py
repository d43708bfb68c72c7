"""Functions and classes whose whole body is on the header line."""


def double(x: int) -> int: return x * 2
def never_called() -> None: print("never")


class Point: pass
class Named: name = "named"


def outer(flag: bool) -> int:
    def inner(y: int) -> int: return y + 1
    if flag:
        return inner(1)
    return 0


async def coro() -> int: return 1
square = lambda n: n * n


print(double(2), outer(True), Point.__name__, Named.name, square(3))
