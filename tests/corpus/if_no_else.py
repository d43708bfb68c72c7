"""if statements without else: the false edge falls through to the next statement."""

log: list[str] = []


def clamp(x: int, low: int, high: int) -> int:
    if x < low:
        x = low
    if x > high:
        x = high
    return x


def tail_if(flag: bool) -> None:
    log.append("start")
    if flag:
        log.append("flag")


def never_true(items: list[int]) -> int:
    total = 0
    for item in items:
        total += item
    if total > 1000:
        print("big total")
    return total


print(clamp(5, 0, 10), clamp(-3, 0, 10))
tail_if(True)
tail_if(True)
print(log, never_true([1, 2, 3]))
if len(log) > 100:
    print("unreachable at module end")
