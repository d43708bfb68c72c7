"""Several statements on one line separated by semicolons."""

a = 1; b = 2; c = a + b


def swap(x: int, y: int) -> tuple[int, int]:
    t = x; x = y; y = t
    if x > y: x, y = y, x; print("reordered")
    return x, y


def count(n: int) -> int:
    i = 0; total = 0
    while i < n: total += i; i += 1
    return total



def unused() -> None:
    a = 1; b = 2
    print(a, b)


print(c, swap(1, 2), count(4))
