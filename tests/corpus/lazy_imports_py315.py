"""Explicit lazy imports (PEP 810) and unpacking in comprehensions (PEP 798), Python 3.15."""

lazy import json
lazy from textwrap import dedent, indent as indent_text

rows = [[1, 2], [], [3]]
flat = [*row for row in rows]
merged = {**d for d in [{"a": 1}, {"b": 2}]}
print(flat, merged)


def dump(value: object, pretty: bool) -> str:
    if pretty:
        return indent_text(json.dumps(value, indent=1), "> ")
    return json.dumps(value)


print(dump(flat, False))
print(dedent("    done"))
if not flat:
    print(dump(merged, True))
