"""Lambdas: called, never called, multi-line, with defaults and conditionals."""

double = lambda x: x * 2
never = lambda: print("never")
pick = lambda x, default=0: x if x else default
multi = lambda a, b: (
    a + b
    if a > b
    else a - b
)


def make_adders(n: int):
    return [lambda x, i=i: x + i for i in range(n)]


def sort_words(words: list[str]) -> list[str]:
    return sorted(words, key=lambda w: (len(w), w))


callbacks = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b}

if double(0):
    print("zero doubled is truthy")
print(double(3), pick(0, 5), multi(3, 1))
print([f(10) for f in make_adders(3)], sort_words(["bb", "a", "ccc"]))
print(callbacks["add"](1, 2))
