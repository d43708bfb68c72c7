"""Default arguments, keyword-only and positional-only parameters, *args/**kwargs."""


def connect(host: str, port: int = 80, /, *, secure: bool = False, **options: object) -> str:
    scheme = "https" if secure else "http"
    if options:
        extra = ",".join(f"{k}={v}" for k, v in sorted(options.items()))
        return f"{scheme}://{host}:{port}?{extra}"
    return f"{scheme}://{host}:{port}"


def total(*values: int, start: int = 0) -> int:
    if not values:
        return start
    return start + sum(values)


def fallback(value=None, items=[]) -> list[object]:
    if value is not None:
        items.append(value)
    return items


print(connect("a"), connect("b", 8080, secure=True), total(1, 2), fallback(1))
