"""Constant-true loops (`while True`, `while 1`) left by break or return."""


def first_square_over(limit: int) -> int:
    n = 0
    while True:
        n += 1
        if n * n > limit:
            break
    return n


def read_tokens(tokens: list[str]) -> list[str]:
    out = []
    it = iter(tokens)
    while 1:
        tok = next(it, None)
        if tok is None:
            break
        if tok == "skip":
            continue
        out.append(tok.upper())
    return out


def spin(values: list[int]) -> int:
    index = 0
    while True:
        if values[index] < 0:
            return index
        if index > 50:
            return -1
        index += 1


print(first_square_over(30))
print(read_tokens(["a", "b"]))
print(spin([3, 4, -1]))
