"""while loops with else clauses and breaks."""


def search(limit: int, wanted: int) -> str:
    i = 0
    while i < limit:
        if i == wanted:
            break
        i += 1
    else:
        return "exhausted"
    return f"stopped at {i}"


def plain(n: int) -> int:
    count = 0
    while n > 1:
        n //= 2
        count += 1
    return count


def never_enters(n: int) -> str:
    while n > 100:
        n -= 1
    else:
        n = -n
    return str(n)


print(search(5, 3), search(5, 3))
print(plain(16), plain(1))
print(never_enters(3))
