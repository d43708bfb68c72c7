"""What the first LINE events of a long function cost, on the running interpreter.

    python benches/far_lines.py [--reps N]

CPython 3.12 and 3.13 keep each instruction's line, for LINE events, as an
8-bit difference from `co_firstlineno + offset // 16` (`compute_line_delta`
in Python/instrumentation.c). A line outside that window is looked up when
its event fires, by walking the code object's location table from its
start (`_PyCode_CheckLineNumber`), so its cost grows with the line's
position in its code object: a long function pays for its first events
about the square of its size. Ordinary lines leave the window once a
function drifts more than about 127 lines from it; rcov's probes (lines
`PROBE_BASE + k`) are always outside it. 3.14 and 3.15 do not walk (flat,
about 0.04 us per event here).

Functions of 250 to 4,000 `if` statements are each called once under a
minimal LINE tool whose callback disables every site at its first report,
on a fresh copy of the code object each time. Prints the best time per
line event: flat if a first event cost the same everywhere, growing with
the size when it walks.
"""

from __future__ import annotations

import argparse
import sys
import time
from types import CodeType, FunctionType

TOOL = 4
EVENTS = sys.monitoring.events


def function_source(statements: int) -> str:
    """`def f(x):` with `statements` ifs, none of which is taken for x = -1."""
    lines = ["def f(x):", "    r = 0"]
    for i in range(statements):
        lines.append(f"    if x == {i}:")
        lines.append(f"        r += {i}")
    lines.append("    return r")
    return "\n".join(lines) + "\n"


def function_code(source: str) -> CodeType:
    module = compile(source, "<far_lines>", "exec")
    return next(c for c in module.co_consts if isinstance(c, CodeType))


def first_call_time(code: CodeType, reps: int) -> float:
    """Best time of a first call of a fresh copy of `code`, LINE events on."""
    best = float("inf")
    for _ in range(reps):
        fresh = code.replace()
        function = FunctionType(fresh, {})
        sys.monitoring.set_local_events(TOOL, fresh, EVENTS.LINE)
        start = time.perf_counter()
        function(-1)
        best = min(best, time.perf_counter() - start)
        sys.monitoring.set_local_events(TOOL, fresh, 0)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    disable = sys.monitoring.DISABLE
    sys.monitoring.use_tool_id(TOOL, "far_lines")
    sys.monitoring.register_callback(TOOL, EVENTS.LINE, lambda code, line: disable)
    print(f"Python {sys.version.split()[0]}: first call, LINE events on, best of {args.reps}")
    try:
        for statements in (250, 500, 1000, 2000, 4000):
            code = function_code(function_source(statements))
            events = statements + 2  # the ifs, `r = 0` and `return r`
            seconds = first_call_time(code, args.reps)
            print(f"  {statements:5d} ifs: {seconds / events * 1e6:6.2f} us per line event")
    finally:
        sys.monitoring.register_callback(TOOL, EVENTS.LINE, None)
        sys.monitoring.free_tool_id(TOOL)


if __name__ == "__main__":
    main()
