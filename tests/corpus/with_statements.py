"""with statements: nested, multiple items, parenthesized, suppressing exceptions."""

import contextlib
import io


class Tracker:
    def __init__(self, label: str) -> None:
        self.label = label

    def __enter__(self) -> str:
        print("enter", self.label)
        return self.label

    def __exit__(self, *exc: object) -> bool:
        print("exit", self.label)
        return False


def copy(text: str) -> str:
    with io.StringIO(text) as src, io.StringIO() as dst:
        for line in src:
            if line.startswith("#"):
                continue
            dst.write(line)
        return dst.getvalue()


def nested(flag: bool) -> None:
    with Tracker("outer") as outer:
        with Tracker("inner") as inner:
            if flag:
                print(outer, inner)
            else:
                print("no flag")


def suppressed() -> str:
    with contextlib.suppress(ZeroDivisionError):
        value = 1 / 0
        return f"value {value}"
    return "suppressed"


def grouped() -> None:
    with (
        Tracker("a") as a,
        Tracker("b") as b,
    ):
        print(a + b)


print(repr(copy("x\n#c\ny\n")))
nested(True)
print(suppressed())
grouped()
