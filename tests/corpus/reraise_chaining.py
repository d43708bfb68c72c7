"""raise from, bare re-raise and exception chaining, all caught."""


class ConfigError(Exception):
    pass


def read(key: str) -> str:
    settings = {"a": "1"}
    try:
        return settings[key]
    except KeyError as exc:
        raise ConfigError(f"missing {key}") from exc


def strict(key: str) -> str:
    try:
        return read(key)
    except ConfigError:
        if key.startswith("_"):
            return "private"
        raise


def implicit() -> None:
    try:
        raise ValueError("first")
    except ValueError:
        raise RuntimeError("second")


try:
    strict("b")
except ConfigError as err:
    print(err, type(err.__cause__).__name__)
try:
    implicit()
except RuntimeError as err:
    print(err, type(err.__context__).__name__)
print(strict("a"))
