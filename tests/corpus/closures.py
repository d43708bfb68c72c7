"""Nested functions and closures, including functions defined but never called."""


def outer(x: int):
    def middle(y: int):
        def inner(z: int) -> int:
            if z > x + y:
                return z
            return x + y

        return inner

    def unused() -> None:
        print("never called")

    if x > 100:
        return unused
    return middle


def memoize(func):
    cache: dict[int, int] = {}

    def wrapper(n: int) -> int:
        if n not in cache:
            cache[n] = func(n)
        return cache[n]

    return wrapper


@memoize
def fib(n: int) -> int:
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


print(outer(1)(2)(0), outer(1)(2)(3), fib(10))
