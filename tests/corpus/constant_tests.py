"""Constant tests: if 0, if 1, if __debug__, while False, if True/False."""

if 0:
    print("never: if 0")

if 1:
    print("always: if 1")

if __debug__:
    print("debug on")
else:
    print("optimised")

if not __debug__:
    print("not debug")

while False:
    print("never loops")

if True:
    x = 1
else:
    x = 2

if False:
    x = 3


def choose(n: int) -> str:
    if 0:
        return "zero"
    while 0:
        n += 1
    if n > 5:
        return "big"
    return "small"


print(x, choose(1))
