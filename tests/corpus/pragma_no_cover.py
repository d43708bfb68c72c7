"""`# pragma: no cover` on lines, blocks, decorators, else clauses and classes."""

import sys


def main(x: int) -> str:
    if x > 0:
        result = "positive"
    else:  # pragma: no cover
        result = "not positive"
        print("excluded block")
    if x == 12345:
        print("excluded line")  # pragma: no cover
    return result


def debug_only():  # pragma: no cover
    print("debugging")
    if sys.argv:
        print("args")


def decorate(f):
    return f


@decorate  # pragma: no cover
def decorated_excluded() -> None:
    print("excluded by its decorator")


class Excluded:  # pragma: no cover
    def method(self) -> None:
        pass


def mixed(flag: bool) -> int:
    if flag:  # pragma: no cover
        return 1
    value = 2
    if value > 10:
        return 3
    return value


print(main(1), mixed(False))
