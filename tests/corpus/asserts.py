"""assert statements: passing, failing and caught, with messages."""


def checked_sqrt(x: float) -> float:
    assert x >= 0, f"negative input {x}"
    return x**0.5


def validate(items: list[int]) -> int:
    assert isinstance(items, list)
    for item in items:
        assert item != 13, "unlucky"
    return len(items)


try:
    checked_sqrt(-1)
except AssertionError as exc:
    print("assertion:", exc)

print(checked_sqrt(9), validate([1, 2]))
if validate([]) > 5:
    print("many")
