"""match as the last statement of a loop body and of a function."""


def tally(words: list[str]) -> dict[str, int]:
    counts = {"short": 0, "long": 0}
    for word in words:
        match len(word):
            case 1 | 2 | 3:
                counts["short"] += 1
            case n if n > 10:
                counts["long"] += 1
    return counts


def run(ops: list[str]) -> int:
    acc = 0
    i = 0
    while i < len(ops):
        op = ops[i]
        i += 1
        match op:
            case "inc":
                acc += 1
            case "skip":
                continue
            case "stop":
                break
            case "reset":
                acc = 0
    return acc


def last(x: int) -> None:
    match x:
        case 1:
            print("one")
        case 2:
            print("two")


print(tally(["a", "abc", "abcdef"]))
print(run(["inc", "skip", "inc"]))
last(1)
