"""Dies with a chained exception raised through several frames and a match statement."""


def lookup(table: dict[str, int], key: str) -> int:
    match key:
        case "":
            return 0
        case _:
            return table[key]


def total(table: dict[str, int], keys: list[str]) -> int:
    acc = 0
    for key in keys:
        try:
            acc += lookup(table, key)
        except KeyError as exc:
            if key.startswith("opt_"):
                continue
            raise LookupError(f"required key {key!r}") from exc
    return acc


print(total({"a": 1}, ["a", "opt_b"]))
print(total({"a": 1}, ["a", "c"]))
