"""Context managers written as classes and with contextlib, some suppressing errors."""

import contextlib


class Suppress:
    def __init__(self, *kinds: type[BaseException]) -> None:
        self.kinds = kinds

    def __enter__(self) -> "Suppress":
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None:
            return False
        if issubclass(exc_type, self.kinds):
            print("suppressed", exc_type.__name__)
            return True
        return False


@contextlib.contextmanager
def section(name: str):
    print("begin", name)
    try:
        yield name.upper()
    except KeyError:
        print("key error in", name)
        raise
    finally:
        print("end", name)


with Suppress(ZeroDivisionError):
    print(1 / 0)
with Suppress(KeyError):
    print("nothing raised")
with section("alpha") as title:
    print(title)
try:
    with section("beta"):
        {}["missing"]
except KeyError:
    print("propagated")
