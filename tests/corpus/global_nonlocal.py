"""global and nonlocal declarations."""

counter = 0


def bump(by: int = 1) -> int:
    global counter
    if by < 0:
        raise ValueError("no decrements")
    counter += by
    return counter


def make_counter(start: int):
    count = start

    def step(reset: bool = False) -> int:
        nonlocal count
        if reset:
            count = start
        else:
            count += 1
        return count

    return step


bump()
bump(2)
step = make_counter(10)
print(counter, step(), step())
