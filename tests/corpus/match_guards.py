"""match cases with guards, some guards never true."""


def bucket(n: int) -> str:
    match n:
        case x if x < 0:
            return "negative"
        case 0:
            return "zero"
        case x if x % 2 == 0:
            return "even"
        case x if x > 1000:
            return "big odd"
        case _:
            return "odd"


def point(p: tuple[int, int]) -> str:
    match p:
        case (x, y) if x == y:
            return "diagonal"
        case (x, 0) if x > 0:
            return "positive x axis"
        case (0, y):
            return f"y axis {y}"
    return "elsewhere"


print([bucket(n) for n in (0, 4, 7)])
print(point((2, 2)), point((5, 1)))
