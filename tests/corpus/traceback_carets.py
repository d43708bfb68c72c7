"""Dies inside a one-line if body: the traceback's lines and carets must be unchanged."""


def ratio(a: int, b: int) -> float:
    if b == 0: return float("inf")
    return a / b


def scale(values: list[int], factor: int) -> list[float]:
    out = []
    for v in values:
        if v > 5: out.append(ratio(v, factor) + values[v])
        else: out.append(ratio(v, 1))
    return out


print(scale([1, 2], 0))
print(scale([1, 7], 2))
