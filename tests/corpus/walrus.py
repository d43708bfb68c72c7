"""Assignment expressions in conditions and comprehensions."""

import re


def parse(lines: list[str]) -> list[str]:
    out = []
    for line in lines:
        if (m := re.match(r"(\w+)=(\d+)", line)) is not None:
            out.append(f"{m.group(1)}:{m.group(2)}")
        elif (n := len(line)) > 50:
            out.append(f"long {n}")
    return out


def chunks(data: list[int], size: int) -> list[list[int]]:
    result = []
    i = 0
    while chunk := data[i : i + size]:
        result.append(chunk)
        i += size
    return result


print(parse(["a=1", "junk"]), chunks([1, 2, 3, 4, 5], 2), [y for x in range(5) if (y := x * x) > 4])
