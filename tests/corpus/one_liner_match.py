"""One-line case bodies and a one-line else on loops."""


def name(n: int) -> str:
    match n:
        case 1: return "one"
        case 2: return "two"
        case 3 | 4: return "few"
    return "many"


def kind(value: object) -> str:
    match value:
        case int(): result = "int"
        case str(): result = "str"
        case _: result = "other"
    return result


def scan(values: list[int]) -> str:
    for v in values:
        if v < 0: break
    else: return "no negatives"
    return "has negative"


print(name(1), name(9), kind(3), kind(3.0), scan([1, 2]))
