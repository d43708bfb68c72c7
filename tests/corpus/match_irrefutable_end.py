"""Matches that end with an irrefutable case and matches that do not."""


def with_default(x: object) -> str:
    match x:
        case int():
            return "int"
        case [*_]:
            return "sequence"
        case _:
            return "default"


def with_capture(x: object) -> str:
    match x:
        case "a":
            return "letter a"
        case anything:
            return f"got {anything}"


def without_default(x: object) -> str:
    out = "none"
    match x:
        case int():
            out = "int"
        case str():
            out = "str"
    return out


def guard_not_irrefutable(x: int) -> str:
    match x:
        case 1:
            return "one"
        case _ if x > 10:
            return "big"
    return "fell through"


def group_irrefutable(x: object) -> str:
    match x:
        case 0:
            return "zero"
        case (other):
            return "other"


print(with_default(1), with_capture("a"), without_default(2.0), without_default(1))
print(guard_not_irrefutable(1), guard_not_irrefutable(5), group_irrefutable(0))
