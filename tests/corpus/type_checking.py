"""if TYPE_CHECKING blocks are excluded by default."""

from __future__ import annotations

import typing
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

if typing.TYPE_CHECKING:
    import decimal
else:
    decimal = None


def total(values: Sequence[int]) -> int:
    result = 0
    for v in values:
        if v < 0:
            continue
        result += v
    return result


def kind() -> str:
    if TYPE_CHECKING:
        return "static"
    return "runtime"


print(total([1, 3]), decimal, kind())
