"""Bodies that are just `pass`, and loops that do nothing."""


class Marker:
    pass


def nothing(x: int) -> None:
    if x:
        pass
    else:
        pass


def busy(n: int) -> int:
    while n > 0:
        n -= 1
    for _ in range(n):
        pass
    try:
        pass
    except Exception:
        pass
    return n


nothing(1)
print(busy(3), Marker.__name__)
