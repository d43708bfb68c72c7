"""while loops: conditions that change, one-line bodies, else clauses with nested ifs."""


def collatz(n: int) -> int:
    steps = 0
    while n != 1:
        if n % 2: n = 3 * n + 1
        else: n //= 2
        steps += 1
    return steps


def drain(stack: list[int]) -> list[int]:
    out = []
    while stack:
        top = stack.pop()
        if top < 0:
            continue
        out.append(top)
    else:
        if out and out[0] > 1000:
            out.clear()
    return out


def countdown(n: int) -> int:
    while n > 0: n -= 1
    return n


print(collatz(6), drain([1, -2, 3]), countdown(3))
