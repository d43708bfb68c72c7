"""Literal patterns with a unary plus (`case +1:`), which Python 3.15 accepts."""


def classify(value: complex) -> str:
    match value:
        case +0:
            return "zero"
        case +1 | +2.5:
            return "small"
        case +1+2j:
            return "complex"
        case -1:
            return "minus one"
    return "other"


for value in (0, 1, 2.5, 1 + 2j, 7):
    print(value, classify(value))
