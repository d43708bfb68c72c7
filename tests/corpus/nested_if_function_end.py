"""Nested ifs ending functions and the module: false edges are exits."""


def check(a: int, b: int) -> None:
    print("check", a, b)
    if a > 0:
        if b > 0:
            print("both positive")
        elif b < -10:
            print("b very negative")


def deep(x: int) -> None:
    if x:
        if x > 1:
            if x > 2:
                print("more than two")


class Holder:
    def method(self, v: int) -> None:
        if v:
            if v == 42:
                print("the answer")


check(1, 1)
check(1, 0)
deep(2)
Holder().method(3)
if __name__ == "__main__":
    if Holder is None:
        print("no holder")
