"""if / elif / else chains where some arms never run."""


def classify(n: int) -> str:
    if n < 0:
        return "negative"
    elif n == 0:
        return "zero"
    elif n < 10:
        return "small"
    else:
        return "large"


def sign_only(n: int) -> int:
    result = 0
    if n > 0:
        result = 1
    elif n < 0:
        result = -1
    return result


def grade(score: int) -> str:
    if score >= 90:
        letter = "A"
    elif score >= 80:
        letter = "B"
    elif score >= 70:
        letter = "C"
    else:
        letter = "F"
    return letter


for value in (5, 0, 3):
    print(value, classify(value), sign_only(value))
print(grade(95), grade(85))
