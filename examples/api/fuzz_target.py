"""The toy program `fuzz.py` fuzzes: a parser with a bug behind nested branches.

Each nested test compares one more byte, so random inputs almost never get
deep; a fuzzer that keeps every input reaching new code climbs one level at
a time.
"""


class Crash(Exception):
    """The bug the fuzzer is looking for."""


def parse(data: bytes) -> str:
    if len(data) < 4:
        return "short"
    if data[0] == ord("r"):
        if data[1] == ord("c"):
            if data[2] == ord("o"):
                if data[3] == ord("v"):
                    raise Crash(f"parse() crashed on {data!r}")
                return "rco"
            return "rc"
        return "r"
    if data[0] >= 0x80:
        return "high"
    return "other"
