"""OR-patterns in case clauses."""


def kind(ch: str) -> str:
    match ch:
        case "a" | "e" | "i" | "o" | "u":
            return "vowel"
        case "y" | "w":
            return "semivowel"
        case " " | "\t" | "\n":
            return "space"
        case _:
            return "consonant"


def shape(value: object) -> str:
    match value:
        case [] | ():
            return "empty"
        case [_] | (_,):
            return "single"
        case {"kind": "circle"} | {"kind": "disc"}:
            return "round"
    return "complex"


print([kind(c) for c in "hey"])
print(shape([]), shape([1]), shape([1, 2]))
