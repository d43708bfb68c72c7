"""match inside match, match with break/continue/return inside cases."""


def evaluate(expr: object) -> int:
    match expr:
        case ("+", a, b):
            return evaluate(a) + evaluate(b)
        case ("*", a, b):
            match (a, b):
                case (0, _) | (_, 0):
                    return 0
                case _:
                    return evaluate(a) * evaluate(b)
        case ("-", a):
            return -evaluate(a)
        case int(n):
            return n
    raise ValueError(f"bad expression {expr!r}")


def first_command(lines: list[str]) -> str:
    for line in lines:
        match line.split():
            case []:
                continue
            case ["#", *_]:
                continue
            case ["quit"]:
                break
            case [cmd, *args]:
                return f"{cmd}({len(args)})"
    return "none"


print(evaluate(("+", 1, ("*", 2, 3))), first_command(["", "go north"]))
