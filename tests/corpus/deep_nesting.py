"""Deeply nested mixtures of loops, ifs, try and with."""

import contextlib


def walk(data: list[list[int]]) -> list[str]:
    out = []
    for i, row in enumerate(data):
        with contextlib.nullcontext(row) as r:
            try:
                for value in r:
                    while value > 0:
                        if value % 2:
                            value -= 1
                            if value == 7:
                                out.append("seven")
                        else:
                            value //= 2
                    else:
                        if value < 0:
                            out.append("negative")
            except TypeError:
                out.append(f"bad row {i}")
            else:
                if not r:
                    out.append("empty row")
    return out


print(walk([[3, 4], [], [1]]))
