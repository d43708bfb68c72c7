"""Conditions spanning several lines: parentheses and backslash continuations."""


def eligible(age: int, member: bool, score: float) -> bool:
    if (
        age >= 18
        and member
        and score > 0.5
    ):
        return True
    elif age >= 65 or \
            score > 0.99:
        return True
    return False


def scan(values: list[int]) -> int:
    count = 0
    for value in \
            values:
        if value > 0 and \
           value % 2 == 0:
            count += 1
    while (count > 100
           and count % 2):
        count -= 1
    return count


total = 1 + \
    2 + \
    3
message = ("a"
           "b")
if total > 5 and \
        message == "ab":
    print("continued condition true")
print(eligible(20, True, 0.9), eligible(10, False, 0.1), scan([2, 3, 4]), total)
