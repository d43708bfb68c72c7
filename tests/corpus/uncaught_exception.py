"""The program dies with an uncaught exception raised several frames deep."""


def parse_config(text: str) -> dict[str, int]:
    result = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        key, value = line.split("=")
        result[key.strip()] = int(value)
    return result


def load(text: str) -> int:
    config = parse_config(text)
    if "size" in config:
        return config["size"] * 2
    return 0


print("loading", load("size = 3\n\n"))
print(load("size = 4\ncolor = red"))
print("never printed")
