"""Written with CRLF line endings."""


def crlf(values: list[int]) -> int:
    total = 0
    for v in values:
        if v > 0:
            total += v
        elif v == -999:
            total = 0
    if total > 100: print("large")
    return total


label = """multi
line"""
print(crlf([1, 2, -3]), len(label))
