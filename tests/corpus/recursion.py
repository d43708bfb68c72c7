"""Recursive functions with branches."""


def flatten(value: object) -> list[object]:
    if isinstance(value, (list, tuple)):
        out: list[object] = []
        for item in value:
            out.extend(flatten(item))
        return out
    elif isinstance(value, dict):
        return flatten(list(value.values()))
    return [value]


def ackermann(m: int, n: int) -> int:
    if m == 0:
        return n + 1
    if n == 0:
        return ackermann(m - 1, 1)
    return ackermann(m - 1, ackermann(m, n - 1))


def depth(tree: dict[str, object] | None) -> int:
    if tree is None:
        return 0
    children = tree.get("children", [])
    if not children:
        return 1
    return 1 + max(depth(c) for c in children)


print(flatten([1, [2, (3, 4)], 5]), ackermann(2, 2), depth({"children": [{"children": []}]}))
