"""More one-line bodies: in methods, nested blocks, loops with else, guarded cases."""


class Stack:
    def __init__(self) -> None: self.items: list[int] = []
    def push(self, x: int) -> None: self.items.append(x)
    def pop(self) -> int | None:
        if not self.items: return None
        return self.items.pop()
    def peek(self) -> int | None: return self.items[-1] if self.items else None


def scan(values: list[int]) -> str:
    for v in values:
        if v < 0: return "negative"
        elif v == 0: continue
        else: pass
    else: return "done"


def loop_else(n: int) -> int:
    while n > 0: n -= 2
    else: n += 100
    return n


def classify(p: tuple[int, int]) -> str:
    match p:
        case (0, 0): return "origin"
        case (x, 0) if x > 0: return "positive x"
        case (x, y) if x == y: return "diagonal"
    return "other"


s = Stack()
s.push(1)
print(s.pop(), s.pop(), s.peek(), scan([0, 1]), scan([-1]), loop_else(3), classify((2, 2)))
