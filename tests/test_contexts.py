"""Contexts: `Coverage.switch_context` and `pytest --rcov-context=test`.

What ran under which context is compared with coverage.py's own: its
`Coverage.switch_context` on the same code in this process, and its
`dynamic_context = test_function` on the same pytest suite (a small local
one; toolz's own suite too, marked network). Both tools' data files are read
with coverage.py's `CoverageData`, so this also checks that rcov writes
contexts as coverage.py stores them.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import coverage
import pytest
import rcov
from covcompare import clean_env

LINES = dict[int, set[str]]

TARGET = """\
def area(kind, size):
    if kind == "square":
        return size * size
    if kind == "circle":
        return 3 * size * size
    raise ValueError(kind)


def perimeter(size):
    total = 0
    for _ in range(4):
        total += size
    return total
"""


def by_line(data: coverage.CoverageData, path: str) -> LINES:
    """Per executed line of `path`, its contexts (coverage.py records a
    "line 0" for running an empty module, which no report shows: left out)."""
    return {
        line: set(contexts) for line, contexts in data.contexts_by_lineno(path).items() if line > 0
    }


@pytest.fixture
def shapes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "shapes.py"
    path.write_text(TARGET, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield path
    sys.modules.pop("shapes", None)


def drive(cov: coverage.Coverage | rcov.Coverage) -> None:
    """A harness: imports under the static context, then three "tests"."""
    sys.modules.pop("shapes", None)
    cov.start()
    try:
        shapes = importlib.import_module("shapes")
        cov.switch_context("test_square")
        shapes.area("square", 2)
        cov.switch_context("test_circle")
        shapes.area("circle", 2)
        shapes.area("square", 3)
        cov.switch_context("test_perimeter")
        shapes.perimeter(1)
        cov.switch_context("")
        shapes.area("square", 1)
    finally:
        cov.stop()


@pytest.mark.parametrize("branch", [False, True])
@pytest.mark.parametrize("static", [None, "nightly"])
def test_switch_context_matches_coverage_py(
    shapes: Path, tmp_path: Path, branch: bool, static: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # coverage.py's sysmon core (its default from 3.14) records a line only in
    # the first context that runs it; its ctrace core is the reference here.
    monkeypatch.setenv("COVERAGE_CORE", "ctrace")
    theirs = coverage.Coverage(
        branch=branch,
        data_file=str(tmp_path / "theirs.coverage"),
        config_file=False,
        context=static,
    )
    drive(theirs)
    theirs.save()
    ours = rcov.Coverage(
        branch=branch,
        include=[str(shapes)],
        data_file=str(tmp_path / "ours.coverage"),
        config_file=False,
        context=static,
    )
    drive(ours)
    ours.save()

    expected = by_line(theirs.get_data(), str(shapes))
    assert expected[3] == {
        f"{static}|test_square" if static else "test_square",
        f"{static}|test_circle" if static else "test_circle",
        static or "",
    }
    in_memory = ours.get_data()
    assert {
        line: set(contexts) for line, contexts in in_memory.contexts_by_lineno(str(shapes)).items()
    } == expected
    assert set(in_memory.measured_contexts()) == set(theirs.get_data().measured_contexts())

    # The data file, as coverage.py reads it.
    stored = coverage.CoverageData(basename=str(tmp_path / "ours.coverage"))
    stored.read()
    assert by_line(stored, str(shapes)) == expected
    assert stored.measured_contexts() == theirs.get_data().measured_contexts()


def test_lines_run_again_after_a_switch_count_once_more(shapes: Path) -> None:
    cov = rcov.Coverage(include=[str(shapes)], data_file=None, config_file=False)
    with cov:
        shapes_module = importlib.import_module("shapes")
        for name in ("first", "second", "third"):
            cov.switch_context(name)
            shapes_module.perimeter(2)
            shapes_module.perimeter(2)
        assert cov.new_coverage()  # the lines, once
        cov.switch_context("fourth")
        shapes_module.perimeter(2)
        assert cov.new_coverage() == {}  # new to the context, not to the run
    contexts = cov.get_data().contexts_by_lineno(str(shapes))
    assert contexts[11] == ["first", "fourth", "second", "third"]
    assert contexts[1] == [""]


SUITE = {
    "calc/__init__.py": "",
    "calc/ops.py": """\
        def add(a, b):
            return a + b


        def div(a, b):
            if b == 0:
                raise ZeroDivisionError("b is 0")
            return a / b


        def mean(values):
            if not values:
                return None
            total = 0
            for v in values:
                total = add(total, v)
            return div(total, len(values))
        """,
    "tests/test_ops.py": """\
        import pytest

        from calc import ops


        @pytest.fixture
        def numbers():
            return [ops.add(1, 1), 4]


        def test_add():
            assert ops.add(2, 3) == 5


        def test_mean(numbers):
            assert ops.mean(numbers) == 3


        def test_mean_of_nothing():
            assert ops.mean([]) is None


        @pytest.mark.parametrize("b", [1, 2])
        def test_div(b):
            assert ops.div(4, b) == 4 / b


        class TestErrors:
            def test_div_by_zero(self):
                with pytest.raises(ZeroDivisionError):
                    ops.div(1, 0)
        """,
}


def write_suite(root: Path) -> None:
    for name, text in SUITE.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def run_both(root: Path, source: str, pytest_args: list[str]) -> tuple[Path, Path]:
    """The suite under coverage.py (dynamic_context = test_function) and
    under `pytest --rcov --rcov-context=test`: their data files."""
    rcfile = root.parent / "coveragerc"
    rcfile.write_text(
        f"[run]\nbranch = true\nsource = {source}\ndynamic_context = test_function\n",
        encoding="utf-8",
    )
    env = clean_env()
    common = ["-m", "pytest", "-q", "-p", "no:cacheprovider", *pytest_args]
    theirs = root.parent / "theirs.coverage"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "coverage",
            "run",
            f"--rcfile={rcfile}",
            f"--data-file={theirs}",
            *common,
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    ours = root.parent / "ours.coverage"
    ours_rc = root.parent / "ours-rc"
    ours_rc.write_text(f"[run]\ndata_file = {ours}\n", encoding="utf-8")
    proc = subprocess.run(
        [
            sys.executable,
            *common,
            f"--rcov={source}",
            "--rcov-branch",
            "--rcov-context=test",
            f"--rcov-config={ours_rc}",
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return theirs, ours


def contexts_per_statement(data_file: Path) -> dict[str, LINES]:
    """Per file, per statement (its first line), the contexts it ran in.

    coverage.py records the raw line of each event, continuation lines of a
    multi-line statement included (a lambda's body inside a long call, a
    line of a long expression); rcov records the statement's first line, as
    both tools report it. So both are put on first lines, by coverage.py's
    parser, before they are compared.
    """
    from coverage.parser import PythonParser

    data = coverage.CoverageData(basename=str(data_file))
    data.read()
    result: dict[str, LINES] = {}
    for path in data.measured_files():
        parser = PythonParser(filename=path)
        parser.parse_source()
        statements: LINES = {}
        for line, contexts in by_line(data, path).items():
            statements.setdefault(parser.first_line(line), set()).update(contexts)
        result[path] = statements
    return result


def test_pytest_test_contexts_match_coverage_py(tmp_path: Path) -> None:
    root = tmp_path / "suite"
    write_suite(root)
    theirs, ours = run_both(root, "calc", ["tests"])
    expected = contexts_per_statement(theirs)
    actual = contexts_per_statement(ours)
    assert actual == expected
    # A sample line: `total = add(total, v)` ran in test_mean only; `add`'s
    # body also in test_add, and in the fixture (no context).
    ops = str(root / "calc" / "ops.py")
    assert actual[ops][16] == {"test_ops.test_mean"}
    body = {name.rpartition(".")[2] for name in actual[ops][2]}
    assert body == {"", "test_add", "test_mean"}
    div_lines = {name.rpartition(".")[2] for name in actual[ops][6]}
    assert div_lines == {"test_mean", "test_div", "test_div_by_zero"}
    assert any(name.endswith("TestErrors.test_div_by_zero") for name in actual[ops][7])


def test_xdist_workers_keep_their_test_contexts(tmp_path: Path) -> None:
    root = tmp_path / "suite"
    write_suite(root)
    _, serial = run_both(root, "calc", ["tests"])
    rc = root.parent / "xdist-rc"
    data_file = root.parent / "xdist.coverage"
    rc.write_text(f"[run]\ndata_file = {data_file}\n", encoding="utf-8")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-n",
            "2",
            "tests",
            "--rcov=calc",
            "--rcov-branch",
            "--rcov-context=test",
            f"--rcov-config={rc}",
        ],
        cwd=root,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert contexts_per_statement(data_file) == contexts_per_statement(serial)


def test_json_and_html_of_coverage_py_show_rcovs_contexts(tmp_path: Path) -> None:
    root = tmp_path / "suite"
    write_suite(root)
    _, ours = run_both(root, "calc", ["tests"])
    env = clean_env()
    report = tmp_path / "report.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "coverage",
            "json",
            f"--data-file={ours}",
            "--show-contexts",
            "-o",
            str(report),
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    files = json.loads(report.read_text(encoding="utf-8"))["files"]
    ops = next(entry for name, entry in files.items() if name.endswith("ops.py"))
    assert {c.rpartition(".")[2] for c in ops["contexts"]["7"]} == {"test_div_by_zero"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "coverage",
            "html",
            f"--data-file={ours}",
            "--show-contexts",
            "-d",
            str(tmp_path / "html"),
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    page = next((tmp_path / "html").glob("*ops_py.html")).read_text(encoding="utf-8")
    assert "TestErrors.test_div_by_zero" in page


def test_a_one_line_lambda_called_under_a_context(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lambda whose body is on its first line is seen running under the
    test's context. (With only LINE events enabled, CPython 3.13+ reports no
    line when such a lambda runs, its only line being its RESUME's; rcov's
    PY_START events, on for every measured code object, make it report the
    line, as coverage.py sees it.)"""
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "lambdas.py").write_text("square = lambda x: x * x\n", encoding="utf-8")
    path = str(tmp_path / "lambdas.py")
    cov = rcov.Coverage(include=[path], data_file=None, config_file=False)
    with cov:
        sys.modules.pop("lambdas", None)
        lambdas = importlib.import_module("lambdas")
        cov.switch_context("test_square")
        lambdas.square(3)
    sys.modules.pop("lambdas", None)
    contexts = set(cov.get_data().contexts_by_lineno(path)[1])
    assert contexts == {"", "test_square"}


@pytest.mark.network
def test_toolz_suite_test_contexts_match_coverage_py(tmp_path: Path) -> None:
    from test_packages import SUITES, download_sdist, unpack

    toolz = next(suite for suite in SUITES if suite.name == "toolz")
    root = unpack(download_sdist(toolz), tmp_path / "src")
    theirs, ours = run_both(root, "toolz", list(toolz.pytest_args))
    expected = contexts_per_statement(theirs)
    actual = contexts_per_statement(ours)
    assert actual.keys() == expected.keys()
    different = set()
    for path, lines in expected.items():
        for line in lines.keys() | actual[path].keys():
            if actual[path].get(line, set()) != lines.get(line, set()):
                different.add((os.path.relpath(path, root), line))
    assert not different, sorted(different)[:20]
