"""From measured data to per-file results: the step every report starts with.

Both the at-exit report of a run and `rcov report|json|xml|lcov|html` go
through here, so a report of a run and a report of its data file are the same
report: each measured file's source is read and analysed (statements,
exclusions, branches) by `_rcov.FileAnalysis`, and combined with the file's
executed lines, or arcs, as coverage.py's `results.Analysis` does. rcov's
own data (functions that ran, line counts) is joined in when the data file
has it.

Paths in the data are absolute, or relative to the current directory when the
data was recorded with `relative_files`; report names are relative to the
current directory when the file is under it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from types import CodeType

from . import _rcov
from .filters import glob_matcher
from .importer import read_source
from .messages import say as _say
from .summary import FileReport, relative_name

# Names for annotations only: the typing module is not loaded at run time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from .functions import FunctionReport

__all__ = ["file_reports"]


def file_reports(
    data: _rcov.CoverageData,
    *,
    exclude: list[str],
    partial: list[str],
    include: Sequence[str] = (),
    omit: Sequence[str] = (),
    cwd: str | None = None,
    warn: Callable[[str], None] = _say,
    functions: bool = True,
    compiled_by: _rcov.Collector | None = None,
    compiled_as: Callable[[str], str] | None = None,
) -> list[FileReport]:
    """Each measured file's results, sorted by path.

    `include`/`omit` are glob patterns (coverage.py's report options) that
    narrow the files reported. A file that can no longer be read or parsed is
    left out with a warning. Listing a file's functions needs its code:
    without `functions` (a report that shows none) they are None, and so
    are its `def` regions.
    `compiled_by` is a collector that may know what rcov compiled a file
    to, in its run or through the code cache (then its statements and
    functions are found without compiling it), under the name
    `compiled_as(stored)` (by default, the file's path).
    """
    cwd = cwd or os.getcwd()
    included = glob_matcher(list(include))
    omitted = glob_matcher(list(omit))
    branch = bool(data.has_arcs)
    measured = sorted(data.measured_files())
    # Function data is per run: a file with none in data that has some was
    # never imported; in data without any (coverage.py's) it is unknown.
    has_functions = functions and any(data.functions(stored) is not None for stored in measured)
    reports: list[FileReport] = []
    for stored in measured:
        path = os.path.join(cwd, stored)
        if included is not None and not included.match(path):
            continue
        if omitted is not None and omitted.match(path):
            continue
        try:
            with open(path, "rb") as f:
                source = read_source(f.read())
        except (OSError, SyntaxError, UnicodeDecodeError, LookupError) as exc:
            warn(f"couldn't read {path}: {exc}")
            continue
        name = compiled_as(stored) if compiled_as else path
        try:
            known = compiled_by.raw_statements(name, source) if compiled_by else None
            analysis = _rcov.FileAnalysis(
                source, path, exclude, partial, known, definitions=functions
            )
        except _rcov.InstrumentError as exc:
            warn(f"couldn't parse {path} as Python: {exc}")
            continue
        lines = data.lines(stored) or []
        arcs = data.arcs(stored) if branch else None
        result = analysis.result(lines, arcs)
        listed = regions = None
        if functions:
            from .functions import def_regions

            regions = def_regions(analysis)
        if has_functions:
            module = compiled_by.module_code(name, source) if compiled_by else None
            called = data.functions(stored) or []
            lines_of = analysis.definition_lines or {}
            listed = _functions(source, path, called, result, warn, module, lines_of)
        counts = data.line_counts(stored)
        reports.append(FileReport(relative_name(path, cwd), path, result, listed, counts, regions))
    return reports


def _functions(
    source: str,
    path: str,
    called: list[tuple[str, int]],
    result: _rcov.FileResult,
    warn: Callable[[str], None],
    module: CodeType | None,
    definition_lines: dict[int, int],
) -> list[FunctionReport] | None:
    from .functions import file_functions  # only for reports that list functions

    try:
        return file_functions(source, path, called, result.excluded_lines, definition_lines, module)
    except (SyntaxError, ValueError) as exc:
        warn(f"couldn't list the functions of {path}: {exc}")
        return None
