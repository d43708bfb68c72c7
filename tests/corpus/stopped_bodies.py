"""Module and class bodies that stop part way, and bodies run more than once.

A module or class body without jumps or handlers runs its instructions in
order, so rcov reads how far it ran from its frame instead of LINE events
(runtime/src/runs.rs): each stop here must report exactly the lines that ran.
"""


def check(value):
    if value:
        raise ValueError(value)
    return value


def make(fail):
    class Made:
        first = 1
        second = check(
            fail,
        )
        third = 3

    return Made


for fail in (True, False, True):
    try:
        make(fail)
    except ValueError:
        pass


def never_completes():
    class Once:
        first = 1
        check("once")
        never = 2

    return Once


try:
    never_completes()
except ValueError:
    pass

try:

    class Outer:
        class InnerFails:
            a = 1
            b = check("inner")
            c = 3

        after = 4

except ValueError:
    pass

try:

    class Table:
        rows = [
            1,
            check("row"),
            3,
        ]
        after = 1

except ValueError:
    pass

try:
    import stopped_module_helper  # noqa: F401 - its body raises part way
except ValueError:
    pass


class Completes:
    x = 1
    y = [
        2,
        3,
    ]


print("done")
