"""except* with exception groups."""


def risky(kinds: list[str]) -> None:
    errors: list[Exception] = []
    for kind in kinds:
        if kind == "value":
            errors.append(ValueError(kind))
        elif kind == "type":
            errors.append(TypeError(kind))
        elif kind == "key":
            errors.append(KeyError(kind))
    if errors:
        raise ExceptionGroup("several", errors)


def handle(kinds: list[str]) -> list[str]:
    seen = []
    try:
        risky(kinds)
    except* ValueError as group:
        seen.append(f"value x{len(group.exceptions)}")
    except* TypeError:
        seen.append("type")
    except* KeyError:
        seen.append("key")
    else:
        seen.append("clean")
    finally:
        seen.append("finally")
    return seen


print(handle(["value", "value"]))
print(handle(["value", "type"]))
print(handle([]))
