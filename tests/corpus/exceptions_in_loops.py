"""try statements inside loops with break/continue in except and finally."""


def convert(values: list[str]) -> list[int]:
    out = []
    for v in values:
        try:
            n = int(v)
        except ValueError:
            if v == "stop":
                break
            continue
        finally:
            out.append(0)
        out.append(n)
    return out


def retry(attempts: int) -> str:
    tries = 0
    while tries < attempts:
        tries += 1
        try:
            if tries < 2:
                raise ConnectionError("flaky")
            return f"ok after {tries}"
        except ConnectionError:
            pass
    return "gave up"


print(convert(["1", "x", "2"]), retry(3), retry(3))
