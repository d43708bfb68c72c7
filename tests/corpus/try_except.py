"""try / except / else / finally in several combinations."""


def parse(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    except TypeError:
        value = -2
    else:
        value *= 2
    finally:
        print("parsed", repr(text))
    return value


def divide(a: int, b: int) -> float:
    try:
        return a / b
    except ZeroDivisionError as exc:
        print("error:", exc)
        return 0.0


def cleanup_only(items: list[int]) -> int:
    try:
        return items[0]
    finally:
        items.clear()


def nested_try(key: str) -> str:
    data = {"a": "1"}
    try:
        try:
            return str(int(data[key]))
        except KeyError:
            return "missing"
    except ValueError:
        return "bad"


print(parse("21"), parse("x"), divide(1, 2), divide(1, 0), cleanup_only([3]))
print(nested_try("a"), nested_try("z"))
