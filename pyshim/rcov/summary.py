"""Counts and percentages of measured files, shared by every report.

The counts come from `_rcov.FileResult`; this module only adds them up and
turns them into percentages the way coverage.py's `results.Numbers` and
`display_covered` do, so that rcov's "Cover" column and JSON percentages are
the numbers coverage.py would print for the same data: branches count as much
as statements, an empty file is 100%, and rounding never shows "0" or "100"
for a value that is not exactly that.
"""

from __future__ import annotations

import os
import re

from ._rcov import FileResult

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .functions import DefRegion, FunctionReport

__all__ = ["FileReport", "Numbers", "display_covered", "human_key", "relative_name"]


class Numbers:
    """Statement and branch counts of one file, or of several added together.

    (Plain classes here and elsewhere in rcov, not dataclasses: importing
    dataclasses would add more to every run's start-up than all of rcov.)
    """

    __slots__ = (
        "n_branches",
        "n_excluded",
        "n_files",
        "n_missing",
        "n_missing_branches",
        "n_partial_branches",
        "n_statements",
    )

    def __init__(
        self,
        n_files: int = 0,
        n_statements: int = 0,
        n_excluded: int = 0,
        n_missing: int = 0,
        n_branches: int = 0,
        n_partial_branches: int = 0,
        n_missing_branches: int = 0,
    ) -> None:
        self.n_files = n_files
        self.n_statements = n_statements
        self.n_excluded = n_excluded
        self.n_missing = n_missing
        self.n_branches = n_branches
        self.n_partial_branches = n_partial_branches
        self.n_missing_branches = n_missing_branches

    def _counts(self) -> tuple[int, ...]:
        return (
            self.n_files,
            self.n_statements,
            self.n_excluded,
            self.n_missing,
            self.n_branches,
            self.n_partial_branches,
            self.n_missing_branches,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Numbers):
            return NotImplemented
        return self._counts() == other._counts()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Numbers{self._counts()!r}"

    @classmethod
    def of(cls, result: FileResult) -> Numbers:
        return cls(
            n_files=1,
            n_statements=len(result.statements),
            n_excluded=len(result.excluded_lines),
            n_missing=len(result.missing_lines),
            n_branches=result.num_branches,
            n_partial_branches=result.num_partial_branches,
            n_missing_branches=result.num_missing_branches,
        )

    def __add__(self, other: Numbers) -> Numbers:
        return Numbers(
            self.n_files + other.n_files,
            self.n_statements + other.n_statements,
            self.n_excluded + other.n_excluded,
            self.n_missing + other.n_missing,
            self.n_branches + other.n_branches,
            self.n_partial_branches + other.n_partial_branches,
            self.n_missing_branches + other.n_missing_branches,
        )

    @property
    def n_executed(self) -> int:
        return self.n_statements - self.n_missing

    @property
    def n_executed_branches(self) -> int:
        return self.n_branches - self.n_missing_branches

    @staticmethod
    def _percent(numerator: int, denominator: int) -> float:
        return (100.0 * numerator) / denominator if denominator > 0 else 100.0

    @property
    def pc_covered(self) -> float:
        """Statements and branches together, as coverage.py's "Cover"."""
        return self._percent(
            self.n_executed + self.n_executed_branches, self.n_statements + self.n_branches
        )

    @property
    def pc_statements(self) -> float:
        return self._percent(self.n_executed, self.n_statements)

    @property
    def pc_branches(self) -> float:
        return self._percent(self.n_executed_branches, self.n_branches)


def display_covered(pc: float, precision: int) -> str:
    """A percentage for display: "0" and "100" only when exactly so (coverage.py's rule)."""
    if precision < 0:
        raise ValueError(f"precision={precision} is invalid: it must not be negative")
    near0 = 1.0 / 10**precision
    if 0 < pc < near0:
        pc = near0
    elif (100.0 - near0) < pc < 100:
        pc = 100.0 - near0
    else:
        pc = round(pc, precision)
    return f"{pc:.{precision}f}"


def relative_name(path: str, cwd: str) -> str:
    """A file's name in reports: relative to `cwd` when inside it, else absolute."""
    prefix = cwd if cwd.endswith(os.sep) else cwd + os.sep
    if os.path.normcase(path).startswith(os.path.normcase(prefix)):
        return path[len(prefix) :]
    return path


def human_key(name: str) -> tuple[list[str | int], str]:
    """Sort key putting "file2" before "file10", as coverage.py sorts report rows."""
    chunks: list[str | int] = []
    for chunk in re.split(r"(\d+)", name):
        try:
            chunks.append(int(chunk))
        except ValueError:
            chunks.append(chunk)
    return chunks, name


class FileReport:
    """One measured file: its name in reports, its absolute path and its results.

    `functions` lists its functions and whether they ran (None when the data
    has no function data, as coverage.py's has not); `line_counts` maps each
    line that ran to how many times (None unless recorded with `--count`);
    `regions` are its `def` regions (None for a report that lists no
    functions).
    """

    def __init__(
        self,
        name: str,
        path: str,
        result: FileResult,
        functions: list[FunctionReport] | None = None,
        line_counts: dict[int, int] | None = None,
        regions: list[DefRegion] | None = None,
    ) -> None:
        self.name = name
        self.path = path
        self.result = result
        self.numbers = Numbers.of(result)
        self.functions = functions
        self.line_counts = line_counts
        self.regions = regions
