"""except A, B: without parentheses (PEP 758, Python 3.14), plain and starred."""


def convert(text: str) -> int:
    try:
        value = int(text)
    except ValueError, TypeError:
        return -1
    else:
        if value < 0:
            return 0
        return value


def grouped(kinds: list[str]) -> list[str]:
    seen = []
    try:
        errors: list[Exception] = []
        for kind in kinds:
            if kind == "value":
                errors.append(ValueError(kind))
            else:
                errors.append(KeyError(kind))
        if errors:
            raise ExceptionGroup("several", errors)
    except* ValueError, TypeError:
        seen.append("value or type")
    except* KeyError, IndexError:
        seen.append("lookup")
    return seen


print(convert("12"), convert("x"), convert(None))
print(grouped(["value"]), grouped(["key", "value"]))
