"""An exception raised deep in a call chain propagates through several frames."""


class AppError(Exception):
    pass


def level3(n: int) -> int:
    if n > 2:
        raise AppError(f"too deep: {n}")
    return n * 10


def level2(n: int) -> int:
    value = level3(n)
    if value < 0:
        print("negative value")
    return value + 1


def level1(n: int) -> int:
    try:
        return level2(n)
    except AppError as exc:
        print("level1 caught", exc)
        raise
    finally:
        print("level1 cleanup", n)


def top(n: int) -> str:
    try:
        return str(level1(n))
    except AppError:
        return "failed"
    except Exception:
        return "unexpected"


print(top(1), top(5))
