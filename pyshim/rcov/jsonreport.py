"""`--json FILE`: the report in coverage.py's JSON layout (format 3).

Tools written for `coverage json` read this file unchanged: the same keys in
the same order, files keyed by their name relative to the current directory,
branches as `[from, to]` pairs with exits as negative line numbers, and
percentages computed and rounded as coverage.py does. The per-function and
per-class regions of format 3 ("functions", "classes") are not written yet:
they need the code regions of each file, which `_rcov` does not expose.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence

from .summary import FileReport, Numbers, display_covered

# Names for annotations only: the typing module is not loaded at run time,
# to keep rcov's start-up (which every measured run pays) short.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TextIO

__all__ = ["FORMAT_VERSION", "json_report", "write_json"]

FORMAT_VERSION = 3

JsonObj = dict[str, "Any"]


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


def json_report(
    files: Sequence[FileReport], *, branch: bool, version: str, precision: int = 0
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
        measured[report.name] = entry
    data["files"] = measured
    data["totals"] = _summary(total, precision)
    if branch:
        data["totals"].update(_branch_summary(total, precision))
    return data


def write_json(
    files: Sequence[FileReport],
    out: TextIO,
    *,
    branch: bool,
    version: str,
    precision: int = 0,
    pretty: bool = False,
) -> None:
    """Write the JSON report to `out` (compact, as `coverage json` writes it by default)."""
    data = json_report(files, branch=branch, version=version, precision=precision)
    json.dump(data, out, indent=4 if pretty else None)
