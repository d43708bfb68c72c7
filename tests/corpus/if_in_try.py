"""Ifs at the end of try, except, else and finally blocks."""


def process(value: str) -> str:
    state = "start"
    try:
        number = int(value)
        if number > 100:
            state = "big"
    except ValueError:
        if value == "":
            state = "empty"
    else:
        if number < 0:
            state = "negative"
    finally:
        if state == "impossible":
            print("never")
    return state


def loop_try(values: list[str]) -> int:
    count = 0
    for v in values:
        try:
            if v.isdigit():
                count += int(v)
        except AttributeError:
            count = -1
    return count


print(process("5"), process("x"), loop_try(["1", "a", "2"]))
