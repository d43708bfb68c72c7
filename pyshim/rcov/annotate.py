"""`rcov annotate`: a copy of each measured file with every line marked.

The marks are `coverage annotate`'s, plus one for partial branches:

    > executed          ! missing (never ran)
    - excluded          ~ partial (ran, but some of its branches never did)

and two spaces for a line that is not a statement. With line counts (data
recorded with `--count`) a column in front gives how many times each line
ran, as `trace`'s `.cover` files do.

Without a directory each copy is written beside its source as
`name.py,cover`; with `-d DIR` it goes to DIR, named after the file's report
name with `/`, `\\`, `.` and `:` turned into `_` (`pkg/mod.py` becomes
`pkg_mod_py,cover`), as coverage.py names them.
"""

from __future__ import annotations

import os
import re

from .importer import read_source
from .summary import FileReport

__all__ = ["annotated_lines", "write_annotated"]


def annotated_lines(report: FileReport, source: str) -> list[str]:
    """The lines of the annotated copy of `source`, each ending in a newline."""
    result = report.result
    statements = set(result.statements)
    missing = set(result.missing_lines)
    excluded = set(result.excluded_lines)
    partial = {src for src, _dst in result.missing_branches}
    counts = report.line_counts
    lines = []
    for number, text in enumerate(source.splitlines(), start=1):
        if number in excluded:
            mark = "-"
        elif number in missing:
            mark = "!"
        elif number in partial:
            mark = "~"
        elif number in statements:
            mark = ">"
        else:
            mark = " "
        prefix = f"{mark} "
        if counts is not None:
            count = counts.get(number)
            prefix = f"{count if count else '':>6} {prefix}"
        lines.append(f"{prefix}{text}".rstrip() + "\n")
    return lines


def _flat_name(name: str) -> str:
    return re.sub(r"[\\/.:]", "_", name)


def write_annotated(report: FileReport, directory: str | None) -> str:
    """Write the annotated copy of one file; return its path. Raises OSError."""
    with open(report.path, "rb") as f:
        source = read_source(f.read())
    if directory is None:
        target = report.path + ",cover"
    else:
        os.makedirs(directory, exist_ok=True)
        target = os.path.join(directory, _flat_name(report.name) + ",cover")
    with open(target, "w", encoding="utf-8") as f:
        f.writelines(annotated_lines(report, source))
    return target
