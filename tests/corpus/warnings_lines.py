"""Warnings report the line that raised them, after inserted probes."""

import warnings


def old_api(flag: bool) -> int:
    if flag:
        warnings.warn("old_api(flag=True) is deprecated", DeprecationWarning, stacklevel=2)
    return 1


def noisy(values: list[int]) -> int:
    total = 0
    for v in values:
        if v < 0:
            warnings.warn(f"negative {v}")
        total += v
    return total


warnings.simplefilter("always")
old_api(True)
print(noisy([1, -2, 3]))
if noisy([]) > 10:
    print("never")
