"""Optional imports guarded by try/except ImportError and version checks."""

import sys

try:
    import tomllib
except ImportError:
    tomllib = None

try:
    import not_a_real_module_anywhere  # noqa: F401
    HAVE_FAKE = True
except ImportError:
    HAVE_FAKE = False

if sys.version_info >= (3, 12):
    from itertools import batched
else:
    def batched(iterable, n):
        items = list(iterable)
        return [tuple(items[i : i + n]) for i in range(0, len(items), n)]


def parse(text: str) -> dict[str, object]:
    if tomllib is None:
        return {}
    return tomllib.loads(text)


print(parse("a = 1"), HAVE_FAKE, list(batched(range(5), 2)))
