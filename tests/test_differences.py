"""Deliberate differences from an uninstrumented run, pinned (see README,
"Differences from coverage.py").

In branch mode the probe statements rcov inserts keep line numbers of their
own, `PROBE_BASE + k`, so that the LINE callback can tell them apart: tools
that read line tables or trace line events see those numbers. Original lines,
tracebacks, `co_firstlineno` and `inspect` are unaffected (tests/test_runtime.py,
tests/test_semantics.py).
"""

from __future__ import annotations

import sys
from types import CodeType, FrameType
from typing import Any

from rcov import _rcov

SOURCE = "def f(x):\n    if x:\n        x += 1\n    return x\n"


def function_code(collector: _rcov.Collector) -> CodeType:
    module = collector.compile(SOURCE, "<differences>")
    return next(c for c in module.co_consts if isinstance(c, CodeType))


def line_table_lines(code: CodeType) -> set[int]:
    return {line for _, _, line in code.co_lines() if line is not None}


def test_branch_mode_line_tables_hold_probe_lines() -> None:
    lines = line_table_lines(function_code(_rcov.Collector(branch=True)))
    probes = {line for line in lines if line >= _rcov.PROBE_BASE}
    assert probes, "the `if` without `else` gets a trampoline probe"
    assert lines - probes == {1, 2, 3, 4}


def test_line_mode_line_tables_are_the_originals() -> None:
    lines = line_table_lines(function_code(_rcov.Collector(branch=False)))
    assert lines == {1, 2, 3, 4}


def test_trace_functions_see_probe_lines_in_branch_mode() -> None:
    namespace: dict[str, Any] = {}
    exec(_rcov.Collector(branch=True).compile(SOURCE, "<differences>"), namespace)  # noqa: S102 - the test program
    seen: list[int] = []

    def tracer(frame: FrameType, event: str, arg: object) -> Any:
        if event == "line":
            seen.append(frame.f_lineno)
        return tracer

    sys.settrace(tracer)
    try:
        namespace["f"](0)
    finally:
        sys.settrace(None)
    assert [line for line in seen if line < _rcov.PROBE_BASE] == [2, 4]
    assert any(line >= _rcov.PROBE_BASE for line in seen)
