"""Generators: yield, yield from, send, early close, generators never exhausted."""


def countdown(n: int):
    while n > 0:
        yield n
        n -= 1
    if n < 0:
        yield "negative"


def evens_then(n: int):
    for i in range(n):
        if i % 2:
            continue
        yield i
    yield from countdown(2)


def accumulator():
    total = 0
    while True:
        value = yield total
        if value is None:
            break
        total += value
    return total


def infinite():
    i = 0
    while True:
        yield i
        i += 1


def delegate():
    result = yield from accumulator()
    if result > 100:
        print("big result")
    return result


acc = accumulator()
next(acc)
acc.send(5)
print(list(countdown(3)), list(evens_then(5)), acc.send(7))
gen = infinite()
print(next(gen), next(gen))
gen.close()
d = delegate()
next(d)
d.send(3)
try:
    d.send(None)
except StopIteration as stop:
    print("delegate returned", stop.value)
