"""`--json FILE`: the report in coverage.py's JSON layout (format 3).

Tools written for `coverage json` read this file unchanged: the same keys in
the same order, files keyed by their name relative to the current directory,
branches as `[from, to]` pairs with exits as negative line numbers, and
percentages computed and rounded as coverage.py does. The per-class regions
of format 3 ("classes") are not written. rcov's "functions" section is keyed
like coverage.py's (a qualified name, `@line` added to a repeated one), but
lists every code object (module, class bodies, lambdas too) by whether it
ran: `{"start_line": 12, "kind": "function", "called": true, "excluded":
false}`. With `--count` a file also has "line_counts" (`{"12": 40}`), and
with `--trackcalls` the report has "calls", a list of `{"caller": ...,
"callee": ...}` pairs of `{"file", "function", "line"}` (the `def` line).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence

from .functions import DefinitionLines, FunctionReport
from .summary import FileReport, Numbers, display_covered, relative_name

# Names for annotations only: the typing module is not loaded at run time,
# to keep rcov's start-up (which every measured run pays) short.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TextIO

__all__ = ["FORMAT_VERSION", "json_report", "write_json"]

FORMAT_VERSION = 3

JsonObj = dict[str, "Any"]

# A function as stored: (path, co_qualname, co_firstlineno).
StoredFunction = tuple[str, str, int]


def _summary(nums: Numbers, precision: int) -> JsonObj:
    return {
        "covered_lines": nums.n_executed,
        "num_statements": nums.n_statements,
        "percent_covered": nums.pc_covered,
        "percent_covered_display": display_covered(nums.pc_covered, precision),
        "missing_lines": nums.n_missing,
        "excluded_lines": nums.n_excluded,
        "percent_statements_covered": nums.pc_statements,
        "percent_statements_covered_display": display_covered(nums.pc_statements, precision),
    }


def _branch_summary(nums: Numbers, precision: int) -> JsonObj:
    return {
        "num_branches": nums.n_branches,
        "num_partial_branches": nums.n_partial_branches,
        "covered_branches": nums.n_executed_branches,
        "missing_branches": nums.n_missing_branches,
        "percent_branches_covered": nums.pc_branches,
        "percent_branches_covered_display": display_covered(nums.pc_branches, precision),
    }


def _functions(functions: Sequence[FunctionReport]) -> JsonObj:
    entries: JsonObj = {}
    for function in functions:
        name = function.name
        if name in entries:
            name += f"@{function.line}"
        entries[name] = {
            "start_line": function.line,
            "kind": function.kind,
            "called": function.called,
            "excluded": function.excluded,
        }
    return entries


def _calls(calls: Sequence[tuple[StoredFunction, StoredFunction]], cwd: str) -> list[JsonObj]:
    lines = DefinitionLines()

    def named(function: StoredFunction) -> JsonObj:
        path, name, first_line = function
        line = lines.line(path, first_line)
        return {"file": relative_name(path, cwd), "function": name, "line": line}

    return [{"caller": named(a), "callee": named(b)} for a, b in sorted(calls)]


def json_report(
    files: Sequence[FileReport],
    *,
    branch: bool,
    version: str,
    precision: int = 0,
    calls: Sequence[tuple[StoredFunction, StoredFunction]] | None = None,
    cwd: str = "",
) -> JsonObj:
    """The report as a JSON-ready dict."""
    data: JsonObj = {
        "meta": {
            "format": FORMAT_VERSION,
            "version": version,
            "timestamp": datetime.datetime.now().isoformat(),
            "branch_coverage": branch,
            "show_contexts": False,
        }
    }
    total = Numbers()
    measured: JsonObj = {}
    for report in files:
        nums = report.numbers
        total = total + nums
        result = report.result
        summary = _summary(nums, precision)
        entry: JsonObj = {
            "executed_lines": sorted(result.executed_lines),
            "summary": summary,
            "missing_lines": sorted(result.missing_lines),
            "excluded_lines": sorted(result.excluded_lines),
        }
        if branch:
            summary.update(_branch_summary(nums, precision))
            entry["executed_branches"] = [list(arc) for arc in sorted(result.executed_branches)]
            entry["missing_branches"] = [list(arc) for arc in sorted(result.missing_branches)]
        if report.functions is not None:
            entry["functions"] = _functions(report.functions)
        if report.line_counts is not None:
            entry["line_counts"] = {
                str(n): report.line_counts[n] for n in sorted(report.line_counts)
            }
        measured[report.name] = entry
    data["files"] = measured
    data["totals"] = _summary(total, precision)
    if branch:
        data["totals"].update(_branch_summary(total, precision))
    if calls:
        data["calls"] = _calls(calls, cwd)
    return data


def write_json(
    files: Sequence[FileReport],
    out: TextIO,
    *,
    branch: bool,
    version: str,
    precision: int = 0,
    pretty: bool = False,
    calls: Sequence[tuple[StoredFunction, StoredFunction]] | None = None,
    cwd: str = "",
) -> None:
    """Write the JSON report to `out` (compact, as `coverage json` writes it by default)."""
    data = json_report(
        files, branch=branch, version=version, precision=precision, calls=calls, cwd=cwd
    )
    json.dump(data, out, indent=4 if pretty else None)
