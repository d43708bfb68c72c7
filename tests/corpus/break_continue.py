"""break and continue in for and while loops, nested loops."""


def odd_sum(limit: int) -> int:
    total = 0
    for n in range(limit):
        if n % 2 == 0:
            continue
        if n > 7:
            break
        total += n
    return total


def pairs(n: int) -> list[tuple[int, int]]:
    found = []
    for a in range(n):
        for b in range(n):
            if b > a:
                break
            if (a + b) % 3:
                continue
            found.append((a, b))
    return found


def while_continue(n: int) -> int:
    seen = 0
    while n:
        n -= 1
        if n == 2:
            continue
        if n < 0:
            break
        seen += 1
    return seen


print(odd_sum(20), pairs(4), while_continue(5))
