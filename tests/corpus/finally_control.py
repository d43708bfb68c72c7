"""return, break and continue inside finally blocks."""


def swallow(fail: bool) -> str:
    try:
        if fail:
            raise RuntimeError("lost")
        return "body"
    finally:
        return "finally wins"


def loop_break(n: int) -> int:
    i = 0
    for i in range(n):
        try:
            if i == 100:
                raise ValueError(i)
        finally:
            if i == 2:
                break
    return i


def loop_continue(items: list[int]) -> list[int]:
    kept = []
    for item in items:
        try:
            kept.append(item)
        finally:
            if item > 100:
                continue
        kept.append(-item)
    return kept


print(swallow(False), swallow(False))
print(loop_break(5), loop_continue([1, 2]))
