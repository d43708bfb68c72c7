"""Functions run, line counts, call pairs and annotated files, end to end.

Each test runs a small program under `python -m rcov.instrument` and reads
what the reports say; tests/test_trace_compare.py checks the same data
against `python -m trace` on the whole corpus.
"""

from __future__ import annotations

import ast
import json
import sqlite3
from pathlib import Path

import pytest
from pyshim_helpers import (
    Run,
    parsed_corpus_and_stdlib,
    run_coverage,
    run_python,
    run_rcov,
    write_files,
)
from rcov import _rcov

PROGRAM = """\
    import functools


    def deco(f):
        @functools.wraps(f)
        def wrapper(*args):
            return f(*args)
        return wrapper


    class Shape:
        def area(self):
            return 0

        @deco
        def scaled(self, k):
            return sum(k for _ in range(3))

        def never(self):
            return 1


    def outer():
        def inner():
            return 1
        return (lambda: inner())()


    def not_started():
        yield 1


    def excluded():  # pragma: no cover
        pass


    for _ in range(4):
        Shape().area()
    Shape().scaled(2)
    outer()
    gen = not_started()
    if len(gen.__class__.__name__) > 100:
        print("never")
"""


def rcov_command(cwd: Path, *args: str) -> Run:
    """`rcov ARGS` (the console script's entry point) in `cwd`."""
    return run_python(cwd, "-c", "from rcov.cli import main; main()", *args)


@pytest.fixture
def program(tmp_path: Path) -> Path:
    write_files(tmp_path, {"prog.py": PROGRAM})
    return tmp_path


def functions_of(report: dict, name: str = "prog.py") -> dict:
    return report["files"][name]["functions"]


def test_functions_that_ran_are_listed_with_qualified_names(program: Path) -> None:
    run = run_rcov(program, "--branch", "--json", "out.json", "--show-functions", "prog.py")
    assert run.returncode == 0, run.stderr
    functions = functions_of(json.loads((program / "out.json").read_text()))
    called = {name for name, f in functions.items() if f["called"]}
    assert called == {
        "<module>",
        "deco",
        "deco.<locals>.wrapper",
        "Shape",
        "Shape.area",
        "Shape.scaled",
        "Shape.scaled.<locals>.<genexpr>",
        "outer",
        "outer.<locals>.inner",
        "outer.<locals>.<lambda>",
    }
    # A generator function that was called but never iterated never started.
    assert functions["not_started"]["called"] is False
    assert functions["Shape.never"]["called"] is False
    assert functions["excluded"] == {
        "start_line": 33,
        "kind": "function",
        "called": False,
        "excluded": True,
    }
    # The `def` line of a decorated function, not its decorator's.
    assert functions["Shape.scaled"]["start_line"] == 16
    assert functions["Shape"]["kind"] == "class"
    assert functions["outer.<locals>.<lambda>"]["kind"] == "lambda"
    # The terminal report lists the functions that never ran (not the excluded one).
    tail = run.stdout.split("TOTAL", 1)[1]
    assert (
        "Functions never called (2 of 12):\nprog.py:19: Shape.never\nprog.py:29: not_started\n"
        in tail
    )


def test_coverage_py_reads_the_data_file_with_rcov_tables(program: Path) -> None:
    run = run_rcov(program, "--branch", "--count", "--trackcalls", "--no-report", "prog.py")
    assert run.returncode == 0, run.stderr
    tables = {
        name
        for (name,) in sqlite3.connect(program / ".coverage").execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
        )
    }
    assert {"rcov_function", "rcov_line_count", "rcov_call"} <= tables
    theirs = run_coverage(program, "report", "-m")
    ours = rcov_command(program, "report", "-m")
    assert theirs.returncode == 0, theirs.stderr
    assert ours.stdout == theirs.stdout


def test_a_plain_run_writes_only_function_data(program: Path) -> None:
    assert run_rcov(program, "--no-report", "prog.py").returncode == 0
    data = _rcov.CoverageData.read(str(program / ".coverage"))
    (path,) = data.measured_files()
    assert ("Shape.area", 12) in (data.functions(path) or [])
    assert data.line_counts(path) is None
    assert data.calls() == []


def test_line_counts_in_json_and_lcov(program: Path) -> None:
    run = run_rcov(program, "--count", "--json", "out.json", "--no-report", "prog.py")
    assert run.returncode == 0, run.stderr
    counts = json.loads((program / "out.json").read_text())["files"]["prog.py"]["line_counts"]
    assert counts["13"] == 4  # Shape.area's return, four calls
    assert counts["37"] == 5  # the for line: four rounds and the end
    assert "20" not in counts  # never ran
    lcov = rcov_command(program, "lcov", "-o", "-")
    assert "DA:13,4\n" in lcov.stdout
    assert "DA:20,0\n" in lcov.stdout
    assert "FN:19,20,Shape.never\nFNDA:0,Shape.never\n" in lcov.stdout


def test_combined_runs_unite_functions_and_add_counts(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "prog.py": """\
                import sys

                def a():
                    return 1

                def b():
                    return 2

                for _ in range(3):
                    a() if sys.argv[1] == "a" else b()
            """
        },
    )
    for arg in ("a", "b"):
        run = run_rcov(tmp_path, "--count", "-p", "--no-report", "prog.py", arg)
        assert run.returncode == 0, run.stderr
    assert rcov_command(tmp_path, "combine", "-q").returncode == 0
    data = _rcov.CoverageData.read(str(tmp_path / ".coverage"))
    (path,) = data.measured_files()
    assert {name for name, _ in data.functions(path) or []} == {"<module>", "a", "b"}
    counts = data.line_counts(path) or {}
    assert (counts[4], counts[7], counts[9]) == (3, 3, 8)


def test_trackcalls_lists_each_pair_once(program: Path) -> None:
    run = run_rcov(program, "--trackcalls", "--json", "out.json", "prog.py")
    assert run.returncode == 0, run.stderr
    calls = json.loads((program / "out.json").read_text())["calls"]
    pairs = {(c["caller"]["function"], c["callee"]["function"]) for c in calls}
    assert len(pairs) == len(calls)
    assert {
        ("<module>", "Shape.area"),
        ("<module>", "deco.<locals>.wrapper"),
        ("deco.<locals>.wrapper", "Shape.scaled"),
        ("Shape.scaled", "Shape.scaled.<locals>.<genexpr>"),
        ("outer", "outer.<locals>.<lambda>"),
        ("outer.<locals>.<lambda>", "outer.<locals>.inner"),
        ("Shape", "deco"),
    } <= pairs
    assert ("<module>", "outer.<locals>.inner") not in pairs
    listing = run.stdout.split("Calling relationships:\n", 1)[1]
    assert "\n*** prog.py ***\n  --> prog.py\n" in listing
    assert "    outer (23) -> outer.<locals>.<lambda> (26)\n" in listing
    # Functions are shown at their `def` line, not their decorator's.
    assert "    deco.<locals>.wrapper (6) -> Shape.scaled (16)\n" in listing
    wrapper = next(c for c in calls if c["callee"]["function"] == "Shape.scaled")
    assert (wrapper["caller"]["line"], wrapper["callee"]["line"]) == (6, 16)


def test_html_marks_functions_that_never_ran(program: Path) -> None:
    assert run_rcov(program, "--no-report", "prog.py").returncode == 0
    run = rcov_command(program, "html", "-q")
    assert run.returncode == 0, run.stderr
    page = next(p for p in (program / "htmlcov").glob("*.html") if p.name != "index.html")
    html = page.read_text()
    assert html.count("was never called") == 2
    assert "function Shape.never was never called" in html
    assert '<div class="ln run uncalled" id="L19">' in html


ANNOTATED = """\
     1 > import sys
       \n\
     1 > def f(x):
     3 -     if x > 99:  # pragma: no cover
       -         return 3
     3 >     if x:
     2 >         return 1
     1 ~     if x is None:
       !         return 2
     1 >     return 4
       \n\
     4 > for x in (1, 2, 0):
     3 >     f(x)
"""


def test_annotate_marks_every_line(tmp_path: Path) -> None:
    source = "".join(line[9:] + "\n" for line in ANNOTATED.splitlines())
    (tmp_path / "prog.py").write_text(source, encoding="utf-8")
    assert run_rcov(tmp_path, "--branch", "--count", "--no-report", "prog.py").returncode == 0
    run = rcov_command(tmp_path, "annotate", "-d", "ann")
    assert run.returncode == 0, run.stderr
    expected = "".join(line.rstrip() + "\n" for line in ANNOTATED.splitlines())
    assert (tmp_path / "ann" / "prog_py,cover").read_text() == expected
    # Without counts: coverage annotate's marks alone, beside the source.
    assert run_rcov(tmp_path, "--branch", "--no-report", "prog.py").returncode == 0
    assert rcov_command(tmp_path, "annotate").returncode == 0
    plain = (tmp_path / "prog.py,cover").read_text().splitlines()
    assert plain[2:8] == [
        "> def f(x):",
        "-     if x > 99:  # pragma: no cover",
        "-         return 3",
        ">     if x:",
        ">         return 1",
        "~     if x is None:",
    ]


def test_child_processes_count_too(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "parent.py": """\
                import subprocess
                import sys

                subprocess.run([sys.executable, "child.py"], check=True)
            """,
            "child.py": """\
                def f():
                    return 1

                for _ in range(3):
                    f()
            """,
        },
    )
    run = run_rcov(tmp_path, "--count", "--trackcalls", "--no-report", "parent.py")
    assert run.returncode == 0, run.stderr
    data = _rcov.CoverageData.read(str(tmp_path / ".coverage"))
    child = next(p for p in data.measured_files() if p.endswith("child.py"))
    assert (data.line_counts(child) or {}).get(2) == 3
    assert ((child, "<module>", 1), (child, "f", 1)) in data.calls()


def ast_definition_lines(tree: ast.Module) -> dict[int, int]:
    """The reference: Python's `ast` (first decorator's line -> `lineno`)."""
    lines: dict[int, int] = {}
    for node in ast.walk(tree):
        definition = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        if isinstance(node, definition) and node.decorator_list:
            lines[min(d.lineno for d in node.decorator_list)] = node.lineno
    return lines


def test_definition_lines_are_pythons_for_the_corpus_and_standard_library() -> None:
    """Listings show a decorated definition at its `def`/`class` line, as
    Python's `ast` gives it: rcov's parser finds the same lines."""
    compared = decorated = 0
    for path, source, tree in parsed_corpus_and_stdlib():
        expected = ast_definition_lines(tree)
        assert _rcov.definition_lines(source) == expected, path
        compared += 1
        decorated += len(expected)
    assert compared > 200
    assert decorated > 500
