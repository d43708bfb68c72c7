"""Comprehensions in class bodies and functions (inlined since 3.12), with conditions."""


class Catalog:
    items = ["apple", "kiwi", "banana"]
    short = [i for i in items if len(i) < 5]
    index = {name: n for n, name in enumerate(items) if n != 1}
    if len(short) > 10:
        many = True

    def search(self, prefix: str) -> list[str]:
        return [i for i in self.items if i.startswith(prefix)]


def matrix(n: int) -> list[list[int]]:
    return [[r * c for c in range(n) if c] for r in range(n) if r]


print(Catalog.short, Catalog.index, Catalog().search("b"), matrix(3))
