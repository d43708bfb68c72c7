"""pytest under rcov: the plugin, assertion rewriting, pytest-xdist.

A small sample project (a package, a conftest, test files with failing
assertions of many shapes) is run in real pytest subprocesses: plainly,
with `pytest --rcov`, with `python -m rcov.instrument -m pytest`, with
coverage.py, and with pytest-xdist. The checks:
- pytest's failure messages are byte-identical with and without rcov;
- the test files and conftest (compiled by pytest's assertion rewriting) are
  measured, with the same lines and branches as coverage.py reports, even
  when pytest's rewritten-pyc cache is warm from a run without rcov;
- `-n 2` and `-n auto` report exactly what the serial run reports;
- reports, --rcov-fail-under, and a loud warning when pytest's rewriting
  cannot be hooked.

The pytest that runs these tests runs the sample project too: CI runs this
file in a pytest 8 environment as well as a pytest 9 one.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest
from pyshim_helpers import Run, run_python, write_files

SAMPLE = {
    "calc/__init__.py": """\
    def double(x):
        if x is None:
            return 0
        return x * 2

    def classify(n):
        if n < 0:
            return "negative"
        elif n == 0:
            return "zero"
        return "positive"
    """,
    "tests/conftest.py": """\
    import pytest
    import calc

    @pytest.fixture
    def numbers():
        if calc.double(1) == 2:
            return [1, 2, 3]
        return []
    """,
    "tests/test_calc.py": """\
    import calc

    def helper(values):
        total = 0
        for v in values:
            if v % 2:
                total += v
        return total

    def test_passes(numbers):
        assert helper(numbers) == 4
        assert calc.classify(0) == "zero"

    def test_compare_call():
        assert calc.double(2) == 5

    def test_strings():
        expected = "alpha\\nbeta\\ngamma"
        assert "alpha\\nBETA\\ngamma" == expected

    def test_dict_one_line_body(numbers):
        d = {"a": 1, "b": [1, 2]}
        if numbers: assert d == {"a": 1, "b": [1, 3]}

    def test_multiline_with_message():
        value = calc.classify(-1)
        assert (
            value
            == "positive"
        ), f"classify gave {value!r}"

    def test_in_loop():
        for i in range(3):
            if i == 2:
                assert calc.double(i) in (0, 1, 2), "loop"

    class TestMethods:
        def test_walrus(self):
            assert (n := calc.double(3)) < 5
    """,
    "tests/test_more.py": """\
    import calc

    def test_negative():
        assert calc.classify(-5) == "negative"

    def test_boolop():
        a, b = 1, 0
        assert a and b
    """,
}


def _has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


needs_xdist = pytest.mark.skipif(not _has("xdist"), reason="pytest-xdist is not installed")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_files(tmp_path, SAMPLE)
    return tmp_path


def pytest_run(cwd: Path, *args: str, rcov: bool = False) -> Run:
    """`python -m pytest` (under `python -m rcov.instrument` when `rcov`)."""
    head = ["-m", "rcov.instrument", "--branch", "--no-report"] if rcov else []
    return run_python(cwd, *head, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args)


def failures(output: str) -> str:
    """pytest's FAILURES section and short summary, without rcov's section,
    the run's duration and objects' addresses (which differ from run to run)."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if " FAILURES " in line)
    kept: list[str] = []
    skipping = False
    for line in lines[start:]:
        if re.match(r"^-+ rcov: coverage -+$", line):
            skipping = True
            continue
        if line.startswith("="):
            skipping = False
        if not skipping:
            line = re.sub(r" in \d+\.\d+s", " in Ns", line)
            kept.append(re.sub(r" at 0x[0-9a-f]+>", " at 0xADDRESS>", line))
    return "\n".join(kept)


def json_files(path: Path) -> dict[str, dict[str, object]]:
    """Per file: what was executed and missed (coverage.py's JSON report)."""
    report = json.loads(path.read_text())
    keys = ("executed_lines", "missing_lines", "executed_branches", "missing_branches")
    return {
        name: {key: data[key] for key in keys} for name, data in sorted(report["files"].items())
    }


def test_failure_messages_are_byte_identical(project: Path) -> None:
    plain = pytest_run(project, "tests")
    assert plain.returncode == 1, plain.stderr
    assert "7 failed, 2 passed" in plain.stdout
    plugin = pytest_run(project, "--rcov", "--rcov-branch", "tests")
    under_rcov = pytest_run(project, "tests", rcov=True)
    assert plugin.returncode == under_rcov.returncode == 1
    assert failures(plugin.stdout) == failures(plain.stdout)
    assert failures(under_rcov.stdout) == failures(plain.stdout)
    assert "rcov: coverage" in plugin.stdout
    assert "rcov:" not in plugin.stderr + under_rcov.stderr


def test_test_files_are_measured_like_coverage_py(project: Path) -> None:
    # A run without rcov first: pytest's rewritten pycs are cached, and must
    # not keep rcov from measuring the test files.
    assert pytest_run(project, "tests").returncode == 1
    cov = run_python(
        project, "-m", "coverage", "run", "--branch", "--source=.", "-m", "pytest", "-q", "tests"
    )
    assert cov.returncode == 1, cov.stderr
    assert run_python(project, "-m", "coverage", "json", "-o", "cov.json").returncode == 0
    plugin = pytest_run(project, "--rcov", "--rcov-branch", "--rcov-report=json:rcov.json", "tests")
    assert plugin.returncode == 1, plugin.stderr
    expected = json_files(project / "cov.json")
    got = json_files(project / "rcov.json")
    assert set(got) == {"calc/__init__.py", "tests/conftest.py", "tests/test_calc.py",
                        "tests/test_more.py"}  # fmt: skip
    assert got == expected
    assert got["tests/test_calc.py"]["executed_lines"]


def test_under_rcov_run_the_test_files_are_measured(project: Path) -> None:
    run = run_python(project, "-m", "rcov.instrument", "--branch", "--json", "out.json",
                     "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests")  # fmt: skip
    assert run.returncode == 1, run.stderr
    files = json_files(project / "out.json")
    assert files["tests/test_calc.py"]["executed_lines"]
    assert files["tests/conftest.py"]["missing_lines"] == [8]


def test_reports_and_fail_under(project: Path) -> None:
    run = pytest_run(
        project,
        "--rcov=calc",
        "--rcov-report=term-missing",
        "--rcov-report=xml:out/cov.xml",
        "--rcov-report=lcov:out/cov.lcov",
        "--rcov-fail-under=100",
        "tests/test_more.py",
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "FAIL Required test coverage not reached" in run.stdout
    table = run.stdout[run.stdout.index("rcov: coverage") :]
    assert re.search(r"calc/__init__\.py\s+10\s+6\s+40%\s+2-4, 9-11", table), table
    assert (project / "out/cov.xml").read_text().startswith("<?xml")
    assert "SF:" in (project / "out/cov.lcov").read_text()

    passing = pytest_run(project, "--rcov=calc", "--rcov-fail-under=10", "tests/test_more.py")
    assert "FAIL Required" not in passing.stdout
    assert "TOTAL" in passing.stdout


def test_without_rcov_option_the_plugin_does_nothing(project: Path) -> None:
    run = pytest_run(project, "tests/test_more.py")
    assert "rcov" not in run.stdout + run.stderr
    assert not (project / ".coverage").exists()


def test_without_rcov_option_the_plugin_loads_nothing_heavy(tmp_path: Path) -> None:
    """pytest loads the plugin in every run of a project with rcov installed:
    without `--rcov` it must not cost the extension, the source filter or the
    import hook (their imports are a few milliseconds of every test run)."""
    write_files(
        tmp_path,
        {
            "test_loaded.py": """\
            import sys

            def test_loaded_modules():
                assert "rcov.pytest_plugin" in sys.modules
                heavy = {"rcov._rcov", "rcov.session", "rcov.filters", "rcov.importer"}
                assert sorted(heavy & set(sys.modules)) == []
            """,
        },
    )
    run = pytest_run(tmp_path, "test_loaded.py")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed" in run.stdout


@needs_xdist
def test_xdist_workers_are_measured_and_combined_like_the_serial_run(project: Path) -> None:
    args = ["--rcov", "--rcov-branch", "tests"]
    serial = pytest_run(project, *args, "--rcov-report=json:serial.json")
    two = pytest_run(project, *args, "-n", "2", "--rcov-report=json:two.json")
    auto = pytest_run(project, *args, "-n", "auto", "--rcov-report=json:auto.json")
    for run in (serial, two, auto):
        assert run.returncode == 1, run.stdout + run.stderr
        assert "7 failed, 2 passed" in run.stdout
        assert "PytestAssertRewriteWarning" not in run.stdout
    expected = json_files(project / "serial.json")
    assert json_files(project / "two.json") == expected
    assert json_files(project / "auto.json") == expected
    assert expected["tests/test_more.py"]["executed_lines"]
    # Every worker's data file was combined into the data file.
    assert sorted(p.name for p in project.glob(".coverage*")) == [".coverage"]


def test_a_changed_pytest_is_reported_loudly(tmp_path: Path) -> None:
    """If what rcov hooks changes shape, rcov says so, naming pytest's version."""
    program = """\
    import _pytest.assertion.rewrite as rewrite
    from rcov.pytest_rewrite import hook_pytest
    def rewrite_asserts(tree, text, path=None, config=None):
        pass
    rewrite.rewrite_asserts = rewrite_asserts
    print(hook_pytest())
    """
    write_files(tmp_path, {"prog.py": program})
    run = run_python(tmp_path, "prog.py")
    assert run.stdout == "False\n", run.stderr
    assert re.search(
        r"rcov: WARNING: cannot hook pytest \d+\.\d+\S*'s assertion rewriting "
        r"\(rewrite_asserts\(\) has changed\)",
        run.stderr,
    ), run.stderr
