"""for loops with and without else, with break, and empty iterables."""


def find(items: list[int], target: int) -> str:
    for i, item in enumerate(items):
        if item == target:
            result = f"found at {i}"
            break
    else:
        result = "not found"
    return result


def total(items: list[int]) -> int:
    acc = 0
    for item in items:
        acc += item
    return acc


def never_loops() -> str:
    for _ in []:
        print("never")
    else:
        return "else ran"


def always_breaks(items: list[int]) -> int:
    for item in items:
        break
    else:
        return -1
    return item


print(find([1, 2, 3], 2), find([], 1))
print(total([4, 5]), never_loops(), always_breaks([7, 8]))
for letter in "ab":
    print(letter)
else:
    print("done letters")
