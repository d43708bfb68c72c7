"""Run a program under `python -m trace` and under rcov; what each reports.

`python -m trace` refuses `--listfuncs` with `--count`, and `--trackcalls`
replaces the other two, so it runs three times (`--count`, `--listfuncs`,
`--trackcalls`), each saving its results with `--file` (a pickle of counts,
functions and callers). rcov runs once with `--count --trackcalls` and its
data file is read back. Both are reduced to the files of one directory.

Names: `trace` names a function by `co_name`, prefixed with its class name
when it finds the class through the garbage collector; rcov by
`co_qualname`. Both are compared by their last dotted part (`co_name`), per
file: a set of such names, so two functions of one name in a file count once
(the line-level counts catch what that could hide).
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import sysconfig
from pathlib import Path

Counts = dict[tuple[str, int], int]
Functions = set[tuple[str, str]]
Calls = set[tuple[tuple[str, str], tuple[str, str]]]


def short(name: str) -> str:
    return name.rsplit(".", 1)[-1]


class Reported:
    """Line counts, functions run and call pairs, restricted to one directory."""

    def __init__(self, counts: Counts, functions: Functions, calls: Calls) -> None:
        self.counts = counts
        self.functions = functions
        self.calls = calls


def _inside(directory: Path):
    prefix = str(directory.resolve()) + os.sep
    return lambda path: os.path.abspath(path).startswith(prefix)


def run_trace(python: str, program: Path, work: Path) -> Reported | None:
    """`python -m trace` three times; None if it saved no results (the
    program ended by an uncaught exception, which trace does not catch)."""
    ignored = os.pathsep.join({sys.base_prefix, sys.prefix, sysconfig.get_paths()["stdlib"]})
    results = []
    for option in ("--count", "--listfuncs", "--trackcalls"):
        out = work / f"trace{option}.pickle"
        subprocess.run(
            [
                python,
                "-m",
                "trace",
                option,
                "--file",
                str(out),
                "--coverdir",
                str(work / "cover"),
                "--ignore-dir",
                ignored,
                str(program),
            ],
            cwd=program.parent,
            capture_output=True,
            timeout=300,
            check=False,
        )
        if not out.exists():
            return None
        with out.open("rb") as f:
            results.append(pickle.load(f))
    inside = _inside(program.parent)
    counts = {(os.path.abspath(f), n): c for (f, n), c in results[0][0].items() if inside(f)}
    functions = {
        (os.path.abspath(f), short(name)) for (f, _mod, name) in results[1][1] if inside(f)
    }
    calls = {
        ((os.path.abspath(a[0]), short(a[2])), (os.path.abspath(b[0]), short(b[2])))
        for a, b in results[2][2]
        if a[0] and b[0] and inside(a[0]) and inside(b[0])
    }
    return Reported(counts, functions, calls)


def run_rcov(python: str, program: Path, work: Path, *, branch: bool = False) -> Reported:
    """rcov with `--count --trackcalls`; its data file read back."""
    from rcov import _rcov

    data_file = work / "rcov.coverage"
    options = ["--count", "--trackcalls", "--no-report", "--data-file", str(data_file)]
    if branch:
        options.append("--branch")
    subprocess.run(
        [python, "-m", "rcov.instrument", *options, str(program)],
        cwd=program.parent,
        capture_output=True,
        timeout=300,
        check=False,
    )
    data = _rcov.CoverageData.read(str(data_file))
    inside = _inside(program.parent)
    counts: Counts = {}
    functions: Functions = set()
    for path in data.measured_files():
        if not inside(path):
            continue
        for line, count in (data.line_counts(path) or {}).items():
            counts[(path, line)] = count
        functions |= {(path, short(name)) for name, _line in data.functions(path) or []}
    calls = {
        ((a[0], short(a[1])), (b[0], short(b[1])))
        for a, b in data.calls()
        if inside(a[0]) and inside(b[0])
    }
    return Reported(counts, functions, calls)
