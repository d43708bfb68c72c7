"""rcov's terminal and JSON reports against coverage.py 7.17's.

The formatting helpers are checked against coverage.py's own functions on many
generated inputs; the whole reports are checked end to end: the same programs
run under `coverage run` and under rcov must give the same `report -m` text and
the same JSON (apart from the version, the timestamp and the per-function and
per-class regions that rcov does not write yet).
"""

from __future__ import annotations

import io
import json
import random
from pathlib import Path
from typing import Any

import pytest
from pyshim_helpers import Run, run_coverage, run_rcov, write_files
from rcov.jsonreport import json_report
from rcov.report import format_missing, write_report
from rcov.summary import FileReport, Numbers, display_covered, human_key, relative_name

coverage_results = pytest.importorskip("coverage.results")


def random_case(rng: random.Random) -> tuple[list[int], list[int], list[tuple[int, int]]]:
    statements = sorted(rng.sample(range(1, 80), rng.randint(0, 40)))
    missing = sorted(rng.sample(statements, rng.randint(0, len(statements))))
    branches: list[tuple[int, int]] = []
    for src in rng.sample(statements, min(len(statements), rng.randint(0, 8))):
        for _ in range(rng.randint(1, 2)):
            dst = rng.choice([*statements, -1, -src])
            if (src, dst) not in branches and dst != src:
                branches.append((src, dst))
    return statements, missing, branches


def test_format_missing_matches_coverage_format_lines() -> None:
    rng = random.Random(1234)
    for _ in range(3000):
        statements, missing, branches = random_case(rng)
        by_line: dict[int, list[int]] = {}
        for src, dst in branches:
            by_line.setdefault(src, []).append(dst)
        expected_lines = coverage_results.format_lines(statements, missing)
        expected = coverage_results.format_lines(statements, missing, arcs=by_line.items())
        assert format_missing(statements, missing) == expected_lines
        assert format_missing(statements, missing, branches) == expected


def test_format_missing_examples() -> None:
    statements = [1, 2, 3, 4, 5, 10, 11, 12, 13, 14]
    assert format_missing(statements, [1, 2, 5, 10, 11, 13, 14]) == "1-2, 5-11, 13-14"
    assert format_missing([1, 2, 3, 4], [3], [(1, -1), (2, 3), (4, 1)]) == "1->exit, 3, 4->1"
    assert format_missing([], []) == ""


def test_display_covered_matches_coverage() -> None:
    rng = random.Random(99)
    values = [0.0, 100.0, 0.001, 0.5, 0.49999, 99.5, 99.9999, 99.994, 99.995, 50.0, 66.666]
    values += [rng.uniform(0, 100) for _ in range(2000)]
    for precision in range(5):
        for pc in values:
            assert display_covered(pc, precision) == coverage_results.display_covered(
                pc, precision
            ), (pc, precision)
    with pytest.raises(ValueError):
        display_covered(50.0, -1)


def test_numbers_match_coverage() -> None:
    rng = random.Random(7)
    total = Numbers()
    their_total = coverage_results.Numbers(precision=2)
    for _ in range(500):
        stmts = rng.randint(0, 50)
        branches = rng.choice([0, rng.randint(0, 30)])
        kwargs = {
            "n_files": 1,
            "n_statements": stmts,
            "n_excluded": rng.randint(0, 5),
            "n_missing": rng.randint(0, stmts),
            "n_branches": branches,
            "n_partial_branches": rng.randint(0, branches),
            "n_missing_branches": rng.randint(0, branches),
        }
        ours = Numbers(**kwargs)
        theirs = coverage_results.Numbers(precision=2, **kwargs)
        for attr in ("pc_covered", "pc_statements", "pc_branches", "n_executed"):
            assert getattr(ours, attr) == getattr(theirs, attr), attr
        assert ours.n_executed_branches == theirs.n_executed_branches
        total = total + ours
        their_total = their_total + theirs
    assert total.pc_covered == their_total.pc_covered
    assert total.n_files == 500


def test_names_and_sorting() -> None:
    assert relative_name("/work/p/a/b.py", "/work/p") == "a/b.py"
    assert relative_name("/work/pq/b.py", "/work/p") == "/work/pq/b.py"
    names = ["file10.py", "file2.py", "File1.py", "a/x.py"]
    assert sorted(names, key=human_key) == ["File1.py", "a/x.py", "file2.py", "file10.py"]


class Result:
    """A FileResult built by hand, for the table's layout rules."""

    def __init__(self, statements: int, missing_lines: list[int], **branch: Any) -> None:
        self.statements = list(range(1, statements + 1))
        self.missing_lines = missing_lines
        self.executed_lines = [n for n in self.statements if n not in missing_lines]
        self.excluded_lines: list[int] = []
        self.executed_branches: list[tuple[int, int]] = branch.get("executed", [])
        self.missing_branches: list[tuple[int, int]] = branch.get("missing", [])
        self.num_branches = branch.get("num", 0)
        self.num_partial_branches = branch.get("partial", 0)
        self.num_missing_branches = len(self.missing_branches)


def table(files: list[FileReport], **kwargs: Any) -> str:
    out = io.StringIO()
    write_report(files, out, **kwargs)
    return out.getvalue()


def test_table_layout_and_skip_covered() -> None:
    files = [
        FileReport("full.py", "/p/full.py", Result(3, [])),  # type: ignore[arg-type]
        FileReport("a_much_longer_name.py", "/p/x.py", Result(4, [2, 3])),  # type: ignore[arg-type]
    ]
    assert table(files, branch=False) == (
        "Name                    Stmts   Miss  Cover   Missing\n"
        "-----------------------------------------------------\n"
        "a_much_longer_name.py       4      2    50%   2-3\n"
        "full.py                     3      0   100%\n"
        "-----------------------------------------------------\n"
        "TOTAL                       7      2    71%\n"
    )
    assert table(files, branch=False, skip_covered=True, precision=1) == (
        "Name                    Stmts   Miss  Cover   Missing\n"
        "-----------------------------------------------------\n"
        "a_much_longer_name.py       4      2  50.0%   2-3\n"
        "-----------------------------------------------------\n"
        "TOTAL                       7      2  71.4%\n"
        "\n"
        "1 file skipped due to complete coverage.\n"
    )
    assert table([], branch=True) == (
        "Name    Stmts   Miss Branch BrPart  Cover   Missing\n"
        "---------------------------------------------------\n"
        "TOTAL       0      0      0      0   100%\n"
    )


# Programs measured by both tools: several files and packages, names that sort
# "humanly", partial branches to other lines and to exits, missing ranges that
# span comments and blank lines, excluded lines, a never-executed file.
PROGRAMS = {
    "prog.py": """\
        import sys
        from pkg import util, file2, file10

        def classify(n):
            if n < 0:
                return "neg"
            elif n == 0:
                return "zero"
            # a comment

            return "pos"

        def loop(items):
            total = 0
            for x in items:
                if x:
                    total += x
            while total > 100:
                total -= 1
            return total

        def debug():  # pragma: no cover
            print("debugging")

        print(classify(1), classify(0))
        print(loop([1, 0, 2]))
        if len(sys.argv) > 3:
            print("never")

            print("never either")
            x = (1 +
                 2)
        util.helper(True)
        file2.go()
        """,
    "pkg/__init__.py": "",
    "pkg/util.py": """\
        def helper(flag):
            while flag:
                flag = False
            else:
                print("loop done")
            try:
                value = 1
            except ValueError:
                value = 2
            return value

        def unused(a, b):
            return a + b
        """,
    "pkg/file2.py": "def go():\n    for i in range(2):\n        pass\n",
    "pkg/file10.py": "X = 1\nif X:\n    Y = 2\n",
}


def run_both(tmp_path: Path, rcov_opts: list[str], cov_run: list[str]) -> tuple[Run, Run]:
    write_files(tmp_path, PROGRAMS)
    measured = run_rcov(
        tmp_path, "--report-file", "rcov.txt", "--json", "rcov.json", *rcov_opts, "prog.py"
    )
    assert measured.returncode == 0, measured.stderr
    cov = run_coverage(tmp_path, "run", *cov_run, "prog.py")
    assert cov.returncode == 0, cov.stderr
    assert measured.stdout == cov.stdout
    assert measured.stderr == ""
    return measured, cov


@pytest.mark.parametrize(
    ("rcov_opts", "cov_run", "cov_report"),
    [
        ([], [], []),
        (["--branch"], ["--branch"], []),
        (["--branch", "--precision", "2"], ["--branch"], ["--precision", "2"]),
        (["--branch", "--skip-covered"], ["--branch"], ["--skip-covered"]),
    ],
    ids=["lines", "branches", "precision", "skip-covered"],
)
def test_report_text_matches_coverage(
    tmp_path: Path, rcov_opts: list[str], cov_run: list[str], cov_report: list[str]
) -> None:
    run_both(tmp_path, rcov_opts, cov_run)
    expected = run_coverage(tmp_path, "report", "-m", *cov_report)
    assert expected.returncode == 0, expected.stderr
    assert (tmp_path / "rcov.txt").read_text() == expected.stdout


def normalise(report: dict[str, Any]) -> dict[str, Any]:
    report["meta"].pop("version")
    report["meta"].pop("timestamp")
    for entry in report["files"].values():
        entry.pop("functions", None)
        entry.pop("classes", None)
    return report


@pytest.mark.parametrize("branch", [False, True], ids=["lines", "branches"])
def test_json_matches_coverage(tmp_path: Path, branch: bool) -> None:
    flags = ["--branch"] if branch else []
    run_both(tmp_path, flags, flags)
    assert run_coverage(tmp_path, "json", "-o", "cov.json").returncode == 0
    ours = json.loads((tmp_path / "rcov.json").read_text())
    theirs = json.loads((tmp_path / "cov.json").read_text())
    assert ours["meta"]["version"] == __import__("rcov").__version__
    assert list(ours) == list(theirs)
    for name, entry in ours["files"].items():
        # rcov's "functions" (which functions ran) sits where coverage.py's does.
        assert list(entry) == [k for k in theirs["files"][name] if k != "classes"]
        assert list(entry["summary"]) == list(theirs["files"][name]["summary"])
    assert normalise(ours) == normalise(theirs)


def test_terminal_report_follows_program_output(tmp_path: Path) -> None:
    write_files(tmp_path, PROGRAMS)
    measured = run_rcov(tmp_path, "--branch", "prog.py")
    assert measured.returncode == 0, measured.stderr
    run_coverage(tmp_path, "run", "--branch", "prog.py")
    expected = run_coverage(tmp_path, "report", "-m")
    assert measured.stdout == "pos zero\n3\nloop done\n" + expected.stdout


def test_json_report_in_process_layout() -> None:
    files = [
        FileReport(
            "a.py", "/p/a.py", Result(4, [4], num=2, partial=1, missing=[(2, 4)], executed=[(2, 3)])
        )
    ]  # type: ignore[arg-type]
    data = json_report(files, branch=True, version="9.9")
    assert data["meta"]["format"] == 3
    assert data["meta"]["branch_coverage"] is True
    entry = data["files"]["a.py"]
    assert entry["executed_branches"] == [[2, 3]]
    assert entry["missing_branches"] == [[2, 4]]
    summary = entry["summary"]
    assert summary["covered_branches"] == 1
    assert summary["percent_covered"] == 100.0 * (3 + 1) / (4 + 2)
    assert summary["percent_covered_display"] == "67"
    assert data["totals"] == summary
