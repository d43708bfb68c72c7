"""Python 3.12 type parameter syntax and type aliases."""

type Pair[T] = tuple[T, T]
type Number = int | float


def first[T](items: list[T]) -> T | None:
    if items:
        return items[0]
    return None


class Box[T]:
    def __init__(self, value: T) -> None:
        self.value = value

    def map[U](self, func: "Callable[[T], U]") -> "Box[U]":
        if self.value is None:
            return Box(None)
        return Box(func(self.value))


def swap[T](pair: Pair[T]) -> Pair[T]:
    a, b = pair
    return (b, a)


print(first([3, 4]), first([]), Box(2).map(lambda v: v + 1).value, swap((1, 2)), Number.__name__)
