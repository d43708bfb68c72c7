"""The text listings of `trace --listfuncs` and `trace --trackcalls`, rcov style.

`write_functions` follows the coverage table with the functions that never
ran (`--show-functions`); `write_calls` lists the (caller, callee) pairs
recorded with `--trackcalls`, grouped by caller file and callee file as
`python -m trace --trackcalls` groups them, functions named by qualified name
and `def` line.
"""

from __future__ import annotations

from collections.abc import Sequence

from .functions import DefinitionLines
from .summary import FileReport, relative_name

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

__all__ = ["write_calls", "write_functions"]

# A function as stored: (path, co_qualname, co_firstlineno).
StoredFunction = tuple[str, str, int]


def write_functions(files: Sequence[FileReport], out: TextIO) -> None:
    """List the functions (not excluded) that never ran, file by file."""
    known = [f for f in files if f.functions is not None]
    if not known:
        out.write("\nNo function data (the data file was not written by rcov run).\n")
        return
    total = missed = 0
    lines: list[str] = []
    for report in known:
        for function in report.functions or ():
            if function.excluded:
                continue
            total += 1
            if not function.called:
                missed += 1
                lines.append(f"{report.name}:{function.line}: {function.name}\n")
    if not missed:
        out.write(f"\nAll {total} functions were called.\n")
        return
    out.write(f"\nFunctions never called ({missed} of {total}):\n")
    out.writelines(lines)


def write_calls(
    calls: Sequence[tuple[StoredFunction, StoredFunction]], cwd: str, out: TextIO
) -> None:
    """List the calling relationships, grouped by caller file, then callee file;
    functions are named by qualified name and `def` line."""
    out.write("\nCalling relationships:\n")
    if not calls:
        out.write("(none recorded)\n")
        return
    lines = DefinitionLines()
    last_caller = last_callee = None
    for (caller_path, caller, caller_line), (callee_path, callee, callee_line) in sorted(calls):
        if caller_path != last_caller:
            out.write(f"\n*** {relative_name(caller_path, cwd)} ***\n")
            last_caller, last_callee = caller_path, None
        if callee_path != last_callee:
            out.write(f"  --> {relative_name(callee_path, cwd)}\n")
            last_callee = callee_path
        caller_def = lines.line(caller_path, caller_line)
        callee_def = lines.line(callee_path, callee_line)
        out.write(f"    {caller} ({caller_def}) -> {callee} ({callee_def})\n")
