"""One-line compound statements: bodies on the header line."""


def clip(x: int) -> int:
    if x > 10: x = 10
    if x < 0: x = 0
    return x


def early(x: int) -> str:
    if x is None: return "none"
    if x > 5: return "large"
    elif x > 2: return "medium"
    else: return "small"


def drain(items: list[int]) -> int:
    total = 0
    while items: total += items.pop(); total *= 1
    return total


def loop_one(values: list[int]) -> list[int]:
    out: list[int] = []
    for v in values: out.append(v + 1)
    for v in []: out.append(v)
    return out


def try_one(text: str) -> int:
    try: return int(text)
    except ValueError: return -1


def with_one() -> str:
    import io
    with io.StringIO("data") as f: return f.read()


class Tiny: pass


print(clip(15), clip(3), early(3), early(1), drain([1, 2, 3]), loop_one([1, 2]))
print(try_one("4"), with_one(), Tiny.__name__)
