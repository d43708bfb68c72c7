"""`rcov.Coverage`, used as a test harness uses coverage.py's `Coverage`.

Each test drives both tools through the same calls on the same code, in
this process: coverage.py's `Coverage` (its default core on 3.12/3.13,
ctrace) and `rcov.Coverage`, and compares what they report. The measured
package is written to a temporary directory and imported afresh under each
tool (rcov instruments at import time).
"""

from __future__ import annotations

import importlib
import io
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import coverage
import pytest
import rcov
from rcov import _rcov

TARGET = """\
def classify(n):
    if n < 0:
        kind = "negative"
    elif n == 0:
        kind = "zero"
    else:
        kind = "positive"
    return kind


def walk(items):
    total = 0
    for item in items:
        if item % 2:
            continue
        total += item
    else:
        total += 1
    while total > 10:
        total //= 2
    return total


def unused():
    return 1
"""

HELPER = """\
def shout(text, loud):
    if loud:
        return text.upper()
    return text
"""


class Project:
    """A package written under a temporary directory, importable afresh."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.pkg = root / "target"
        self.pkg.mkdir()
        (self.pkg / "__init__.py").write_text("", encoding="utf-8")
        (self.pkg / "mod.py").write_text(TARGET, encoding="utf-8")
        (self.pkg / "helper.py").write_text(HELPER, encoding="utf-8")
        # Neither tool may read a configuration file of the test run's own.
        self.rcfile = root / "coveragerc"
        self.rcfile.write_text("[run]\n", encoding="utf-8")

    def fresh(self, name: str) -> ModuleType:
        """Import `target.<name>` anew (and its package)."""
        for mod in [m for m in sys.modules if m == "target" or m.startswith("target.")]:
            del sys.modules[mod]
        __import__(f"target.{name}")
        return sys.modules[f"target.{name}"]

    @property
    def files(self) -> list[str]:
        return sorted(str(p) for p in self.pkg.glob("*.py"))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Project]:
    for name in list(os.environ):
        if name.startswith(("COVERAGE_", "RCOV_")):
            monkeypatch.delenv(name)
    proj = Project(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield proj
    for mod in [m for m in sys.modules if m == "target" or m.startswith("target.")]:
        del sys.modules[mod]


def exercise(project: Project) -> None:
    """What the harness measures: some of each function's paths."""
    mod = project.fresh("mod")
    helper = importlib.import_module("target.helper")
    mod.classify(-1)
    mod.classify(5)
    mod.walk([1, 2, 3, 4])
    helper.shout("hi", loud=True)


def by_tool(
    project: Project, run: Callable[[Project], None], *, branch: bool
) -> tuple[coverage.CoverageData, _rcov.CoverageData, coverage.Coverage, rcov.Coverage]:
    """`run` measured by coverage.py, then by rcov: both tools' data."""
    cov = coverage.Coverage(
        branch=branch, source=["target"], data_file=None, config_file=str(project.rcfile)
    )
    cov.start()
    try:
        run(project)
    finally:
        cov.stop()
    rc = rcov.Coverage(
        branch=branch, source=["target"], data_file=None, config_file=str(project.rcfile)
    )
    with rc:
        run(project)
    return cov.get_data(), rc.get_data(), cov, rc


def per_file_lines(data: coverage.CoverageData | _rcov.CoverageData) -> dict[str, list[int]]:
    """Executed lines per file (coverage.py records a "line 0" for running
    an empty module, which no report shows: left out)."""
    return {
        path: sorted(line for line in data.lines(path) or [] if line > 0)
        for path in data.measured_files()
    }


def json_of(write: Callable[[str], object], path: Path) -> dict[str, object]:
    write(str(path))
    result: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return result


@pytest.mark.parametrize("branch", [False, True])
def test_get_data_matches_coverage_py(project: Project, branch: bool) -> None:
    theirs, ours, _, _ = by_tool(project, exercise, branch=branch)
    assert sorted(ours.measured_files()) == sorted(theirs.measured_files())
    assert per_file_lines(ours) == per_file_lines(theirs)
    assert ours.has_arcs is branch
    if branch:
        for path in theirs.measured_files():
            # rcov stores (l, l) for every executed line; coverage.py stores
            # every arc that ran. The branch arcs of both must agree.
            their_arcs = set(theirs.arcs(path) or [])
            our_arcs = {arc for arc in ours.arcs(path) or [] if arc[0] != arc[1]}
            assert our_arcs <= their_arcs, path


@pytest.mark.parametrize("branch", [False, True])
def test_reports_match_coverage_py(project: Project, branch: bool, tmp_path: Path) -> None:
    _, _, cov, rc = by_tool(project, exercise, branch=branch)

    theirs_json = json_of(lambda p: cov.json_report(outfile=p), tmp_path / "theirs.json")
    ours_json = json_of(lambda p: rc.json_report(p), tmp_path / "ours.json")
    assert ours_json["totals"] == theirs_json["totals"]
    files = ours_json["files"]
    assert isinstance(files, dict)
    for name, theirs in theirs_json["files"].items():  # type: ignore[union-attr]
        for key in ("executed_lines", "missing_lines", "executed_branches", "missing_branches"):
            assert files[name].get(key) == theirs.get(key), (name, key)

    theirs_table, ours_table = io.StringIO(), io.StringIO()
    theirs_total = cov.report(file=theirs_table, show_missing=True)
    ours_total = rc.report(file=ours_table, show_missing=True)
    assert ours_table.getvalue() == theirs_table.getvalue()
    assert ours_total == pytest.approx(theirs_total)

    for kind in ("xml", "lcov"):
        theirs_file, ours_file = tmp_path / f"theirs.{kind}", tmp_path / f"ours.{kind}"
        theirs_pc = getattr(cov, f"{kind}_report")(outfile=str(theirs_file))
        ours_pc = getattr(rc, f"{kind}_report")(str(ours_file))
        assert ours_pc == pytest.approx(theirs_pc), kind
        assert ours_file.stat().st_size > 0

    total = rc.html_report(str(tmp_path / "html"))
    assert total == pytest.approx(theirs_total)
    assert (tmp_path / "html" / "index.html").exists()


def test_only_one_coverage_measures_at_a_time(project: Project) -> None:
    first = rcov.Coverage(data_file=None, config_file=False, source=["target"])
    second = rcov.Coverage(data_file=None, config_file=False, source=["target"])
    first.start()
    try:
        assert rcov.Coverage.current() is first
        first.start()  # starting the running one again is harmless
        with pytest.raises(rcov.CoverageError, match="another Coverage object is measuring"):
            second.start()
        with pytest.raises(rcov.CoverageError), second:
            pass
        assert rcov.Coverage.current() is first
    finally:
        first.stop()
    assert rcov.Coverage.current() is None
    with second:
        project.fresh("helper").shout("x", loud=False)
    path = str(project.pkg / "helper.py")
    assert second.get_data().lines(path) == [1, 2, 4]
    # Listed by `source` but never run under the first object.
    assert first.get_data().lines(path) == []


def test_stop_and_start_again_measures_only_while_running(project: Project) -> None:
    def steps(cov: coverage.Coverage | rcov.Coverage) -> None:
        cov.start()
        mod = project.fresh("mod")
        mod.classify(-1)
        cov.stop()
        mod.classify(0)  # not measured
        cov.start()
        mod.classify(1)
        cov.stop()

    theirs = coverage.Coverage(source=["target"], data_file=None, config_file=False, branch=True)
    steps(theirs)
    ours = rcov.Coverage(source=["target"], data_file=None, config_file=False, branch=True)
    steps(ours)
    path = str(project.pkg / "mod.py")
    assert ours.get_data().lines(path) == sorted(theirs.get_data().lines(path) or [])
    assert 5 not in (ours.get_data().lines(path) or [])


def test_a_function_that_restarts_measurement_is_measured_from_there(
    project: Project,
) -> None:
    # A function gets its LINE events at its first start, which here comes
    # while measurement is stopped: the restart must arm it at once.
    (project.pkg / "restarts.py").write_text(
        "def restarts(start):\n    before = 1\n    start()\n    after = 2\n    return after\n",
        encoding="utf-8",
    )
    cov = rcov.Coverage(source=["target"], data_file=None, config_file=False, branch=True)
    cov.start()
    mod = project.fresh("restarts")
    cov.stop()
    mod.restarts(cov.start)
    cov.stop()
    assert cov.get_data().lines(str(project.pkg / "restarts.py")) == [1, 4, 5]


def test_save_load_and_the_data_file_is_coverage_pys(project: Project) -> None:
    data_file = project.root / "data" / ".coverage"
    data_file.parent.mkdir()
    ours = rcov.Coverage(
        source=["target"], data_file=str(data_file), config_file=False, branch=True
    )
    with ours:
        exercise(project)
    ours.save()
    path = str(project.pkg / "mod.py")
    measured = ours.get_data().lines(path)
    assert measured

    theirs = coverage.Coverage(data_file=str(data_file), config_file=False)
    theirs.load()
    assert sorted(theirs.get_data().lines(path) or []) == measured

    again = rcov.Coverage(data_file=str(data_file), config_file=False, branch=True)
    assert again.get_data().lines(path) is None
    again.load()
    assert again.get_data().lines(path) == measured


def test_load_drops_what_was_measured(project: Project) -> None:
    data_file = project.root / ".coverage"
    cov = rcov.Coverage(source=["target"], data_file=str(data_file), config_file=False)
    with cov:
        project.fresh("helper").shout("a", loud=True)
    cov.save()
    with cov:
        sys.modules["target.helper"].shout("a", loud=False)
    path = str(project.pkg / "helper.py")
    assert cov.get_data().lines(path) == [1, 2, 3, 4]
    cov.load()
    assert cov.get_data().lines(path) == [1, 2, 3]


def test_erase_forgets_and_deletes_and_lines_count_again(project: Project) -> None:
    data_file = project.root / ".coverage"
    cov = rcov.Coverage(source=["target"], data_file=str(data_file), config_file=False)
    path = str(project.pkg / "helper.py")
    with cov:
        helper = project.fresh("helper")
        helper.shout("a", loud=True)
        cov.save()
        assert data_file.exists()
        cov.erase()
        assert not data_file.exists()
        assert cov.get_data().lines(path) in (None, [])
        # Lines that already ran are recorded again once they run again.
        helper.shout("a", loud=False)
    assert cov.get_data().lines(path) == [2, 4]


def test_no_data_file(project: Project) -> None:
    cov = rcov.Coverage(source=["target"], data_file=None, config_file=False)
    with cov:
        project.fresh("helper").shout("a", loud=True)
    cov.save()
    assert not list(project.root.glob(".coverage*"))
    with pytest.raises(rcov.CoverageError, match="no data file"):
        cov.combine()


def test_combine_parallel_files(project: Project) -> None:
    rcfile = project.root / ".coveragerc"
    rcfile.write_text("[run]\nparallel = true\n", encoding="utf-8")
    path = str(project.pkg / "helper.py")
    for loud in (True, False):
        cov = rcov.Coverage(source=["target"], config_file=str(rcfile))
        with cov:
            project.fresh("helper").shout("a", loud=loud)
        cov.save()
    assert len(list(project.root.glob(".coverage.*"))) == 2

    ours = rcov.Coverage(config_file=str(rcfile))
    ours.combine()
    assert ours.get_data().lines(path) == [1, 2, 3, 4]
    assert not list(project.root.glob(".coverage.*"))
    theirs = coverage.Coverage(config_file=str(rcfile))
    theirs.load()
    assert sorted(theirs.get_data().lines(path) or []) == [1, 2, 3, 4]
    with pytest.raises(rcov.CoverageError, match="No data to combine"):
        ours.combine(strict=True)


def test_get_data_while_measuring(project: Project) -> None:
    cov = rcov.Coverage(source=["target"], data_file=None, config_file=False)
    path = str(project.pkg / "helper.py")
    with cov:
        helper = project.fresh("helper")
        helper.shout("a", loud=False)
        assert cov.get_data().lines(path) == [1, 2, 4]
        helper.shout("a", loud=True)
        assert cov.get_data().lines(path) == [1, 2, 3, 4]


def test_report_with_nothing_measured_is_an_error(project: Project) -> None:
    cov = rcov.Coverage(include=["nothing/*"], data_file=None, config_file=False)
    with pytest.raises(rcov.CoverageError, match="No data to report"):
        cov.report(file=io.StringIO())


def test_importing_rcov_loads_nothing_until_used() -> None:
    code = textwrap.dedent(
        """
        import sys, rcov
        print(sorted(m for m in sys.modules if m.startswith("rcov")))
        print(rcov.__version__ == rcov._rcov.__version__, "rcov._rcov" in sys.modules)
        rcov.Coverage
        print("rcov.session" in sys.modules)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert out[0] == "['rcov']"
    assert out[1] == "True True"
    assert out[2] == "True"


def _data_sets(cov: rcov.Coverage) -> dict[str, tuple[set[int], set[tuple[int, int]]]]:
    data = cov.get_data()
    return {
        path: (set(data.lines(path) or []), {a for a in data.arcs(path) or [] if a[0] != a[1]})
        for path in data.measured_files()
    }


@pytest.mark.parametrize("branch", [False, True])
def test_new_coverage_returns_each_line_and_arc_once(project: Project, branch: bool) -> None:
    cov = rcov.Coverage(branch=branch, source=["target"], data_file=None, config_file=False)
    with cov:
        mod = project.fresh("mod")
        mod.classify(1)
        first = cov.new_coverage()
        # The first call: everything measured so far.
        assert first == {
            path: (sorted(lines), sorted(arcs))
            for path, (lines, arcs) in _data_sets(cov).items()
            if lines
        }
        assert cov.new_coverage() == {}
        mod.classify(2)  # the same paths again: nothing new
        assert cov.new_coverage() == {}

        before = _data_sets(cov)
        mod.classify(-5)
        after = _data_sets(cov)
        path = str(project.pkg / "mod.py")
        lines, arcs = cov.new_coverage()[path]
        assert set(lines) == after[path][0] - before[path][0] == {3}
        assert set(arcs) == after[path][1] - before[path][1]
        if branch:
            assert (2, 3) in arcs
        else:
            assert arcs == []

        cov.erase()  # forgets what was returned, too
        mod.classify(-5)
        assert cov.new_coverage()[path][0] == [2, 3, 8]
