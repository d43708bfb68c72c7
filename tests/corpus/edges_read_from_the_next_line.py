"""Edges rcov reads from the next statement's line instead of a trampoline.

An `if` whose bodies all jump away and a loop without `break` leave into the
next statement by one edge only; a `finally` body, though, is reached from
the end of its `try` body and from every `break`, `continue` and `return`
that goes through it, so its first line tells nothing about the edge before.
"""


def first_positive(values):
    for value in values:
        if value > 0:
            return value
    return None


def classify(n):
    if n < 0:
        return "negative"
    elif n == 0:
        raise ValueError("zero")
    kind = "small" if n < 10 else "large"
    return kind


def drain(items):
    while items:
        items.pop()
    print("drained")


def through_finally(c, n):
    for _ in range(2):
        try:
            if n >= 3:
                break
            if c > 1:
                print("continue")
                continue
            if not (0):
                print("fell through")
        finally:
            print("finally")


def loop_with_break_in_inner_else(rows):
    for row in rows:
        for cell in row:
            if cell:
                break
        else:
            break
    print("after")


print(first_positive([-1, 2]), first_positive([]))
print(classify(-3), classify(4))
try:
    classify(0)
except ValueError as exc:
    print(exc)
drain([1, 2])
through_finally(5, 0)
through_finally(0, 5)
loop_with_break_in_inner_else([[0, 1], [0]])
