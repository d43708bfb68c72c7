"""CPython's own regression tests as a semantics oracle for rcov.

For each test module (`test_json`, `test_email`, ...) the interpreter's
regression-test runner runs it twice in one process each: plainly
(`python -m test --junit-xml plain.xml test_json`) and under rcov measuring
the standard-library modules that test exercises
(`python -m rcov.instrument --branch --no-report --source json -m test ...`).
Every test case must end the same way (passed, failed, errored, skipped) in
both runs. The data file of each rcov run says how much of the module was
measured, so a run that measured nothing cannot pass for a real comparison.

    python scripts/stdlib_oracle.py --python .venv-test312/bin/python
    python scripts/stdlib_oracle.py --python .venv-test313/bin/python --tests test_json,test_csv

The interpreter needs rcov installed and CPython's `test` package (pyenv's
CPython has it; Debian's is libpython3.X-testsuite). Exit status 0 when every
test case agreed and every run measured something, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

# Test module -> the standard-library modules (or packages) it exercises,
# given to rcov's --source. Modules imported by the interpreter or by rcov
# before measurement starts (enum, re, typing...) are measured only where a
# test imports a fresh copy; the count of measured lines says what was.
TESTS: dict[str, tuple[str, ...]] = {
    "test_json": ("json",),
    "test_email": ("email",),
    "test_difflib": ("difflib",),
    "test_argparse": ("argparse",),
    "test_textwrap": ("textwrap",),
    "test_fractions": ("fractions",),
    "test_decimal": ("_pydecimal",),
    "test_statistics": ("statistics",),
    "test_enum": ("enum",),
    "test_dataclasses": ("dataclasses",),
    "test_typing": ("typing",),
    "test_pathlib": ("pathlib",),
    "test_tomllib": ("tomllib",),
    "test_csv": ("csv",),
    "test_configparser": ("configparser",),
    "test_string": ("string",),
    "test_re": ("re",),
    "test_shlex": ("shlex",),
    "test_ipaddress": ("ipaddress",),
    "test_calendar": ("calendar",),
    "test_pprint": ("pprint",),
    "test_fnmatch": ("fnmatch",),
    "test_html": ("html",),
    "test_urlparse": ("urllib",),
    "test_base64": ("base64",),
    "test_gettext": ("gettext",),
    "test_zipfile": ("zipfile",),
    "test_tarfile": ("tarfile",),
    "test_graphlib": ("graphlib",),
    "test_heapq": ("heapq",),
    "test_bisect": ("bisect",),
    "test_colorsys": ("colorsys",),
    "test_dis": ("dis",),
}

# A fast slice for CI (a few seconds each).
# test_re measures `re` itself, which the interpreter imported before rcov.
FAST_TESTS = (
    "test_textwrap",
    "test_difflib",
    "test_json",
    "test_fractions",
    "test_tomllib",
    "test_re",
)


@dataclass
class Outcome:
    """One test module's run under one tool."""

    cases: dict[str, str] = field(default_factory=dict)  # test id -> passed/failed/error/skipped
    status: int = 0
    seconds: float = 0.0


@dataclass
class Comparison:
    test: str
    plain: Outcome
    measured: Outcome
    measured_files: int
    measured_lines: int

    @property
    def differences(self) -> list[tuple[str, str | None, str | None]]:
        ids = sorted(set(self.plain.cases) | set(self.measured.cases))
        return [
            (case, self.plain.cases.get(case), self.measured.cases.get(case))
            for case in ids
            if self.plain.cases.get(case) != self.measured.cases.get(case)
        ]

    @property
    def agrees(self) -> bool:
        return (
            not self.differences
            and bool(self.plain.cases)
            and self.plain.status == self.measured.status
            and self.measured_lines > 0
        )


_ADDRESS = re.compile(r" at 0x[0-9a-f]+")


def read_junit(path: Path) -> dict[str, str]:
    """Test id -> outcome, from regrtest's --junit-xml file."""
    cases: dict[str, str] = {}
    if not path.exists():
        return cases
    for case in ET.parse(path).iter("testcase"):
        name = f"{case.get('classname', '')}.{case.get('name', '')}"
        # A subtest's name may show an object's address, which differs
        # between any two runs (test_urlparse's parse=<... at 0x7f...>).
        name = _ADDRESS.sub(" at 0x...", name)
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                outcome = {"failure": "failed", "error": "error", "skipped": "skipped"}[child.tag]
                # regrtest records an unexpected success as a failure, an
                # expected failure as a pass; both are kept as they are.
                break
        cases[name] = outcome
    return cases


def run_tests(command: list[str], junit: Path, cwd: Path, timeout: float) -> Outcome:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COVERAGE_", "RCOV_"))}
    started = time.monotonic()
    try:
        proc = subprocess.run(
            [*command[:-1], "--junit-xml", str(junit), command[-1]],
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=timeout,
            check=False,
        )
        status = proc.returncode
    except subprocess.TimeoutExpired:
        status = -1
    return Outcome(read_junit(junit), status, time.monotonic() - started)


def measured_counts(data_file: Path) -> tuple[int, int]:
    """(files, executed lines) in an rcov branch data file."""
    if not data_file.exists():
        return 0, 0
    with closing(sqlite3.connect(data_file)) as con:
        files = con.execute("SELECT count(*) FROM file").fetchone()[0]
        lines = con.execute(
            "SELECT count(DISTINCT file_id || ':' || fromno) FROM arc WHERE fromno > 0"
        ).fetchone()[0]
    return files, lines


def drive(modules: list[str], test_args: list[str]) -> None:
    """Run regrtest (`python -m test TEST_ARGS`) in this process after
    forgetting `modules`, so that the test imports them afresh and, under
    rcov, measured: the interpreter and rcov import some (enum, re,
    argparse...) before measurement starts. Both runs go through here, so
    anything the fresh import changes changes it in both."""
    import runpy

    for name in list(sys.modules):
        if any(name == m or name.startswith(m + ".") for m in modules):
            del sys.modules[name]
    sys.argv[:] = [sys.argv[0], *test_args]
    runpy.run_module("test", run_name="__main__", alter_sys=True)


def compare(python: str, test: str, work: Path, timeout: float) -> Comparison:
    """Run `test` plainly and under rcov with `python`."""
    sources = TESTS.get(test, (test.removeprefix("test_"),))
    driver = [os.path.abspath(__file__), "--drive", ",".join(sources), "--", test]
    plain_command = [python, *driver]
    data_file = work / f"{test}.coverage"
    rcov_command = [python, "-m", "rcov.instrument", "--branch", "--no-report"]
    rcov_command += ["--data-file", str(data_file)]
    for source in sources:
        rcov_command += ["--source", source]
    rcov_command += driver
    plain = run_tests(plain_command, work / f"{test}.plain.xml", work, timeout)
    measured = run_tests(rcov_command, work / f"{test}.rcov.xml", work, timeout)
    files, lines = measured_counts(data_file)
    return Comparison(test, plain, measured, files, lines)


def tally(outcome: Outcome) -> str:
    counts: dict[str, int] = {}
    for value in outcome.cases.values():
        counts[value] = counts.get(value, 0) + 1
    return " ".join(f"{k}={counts[k]}" for k in sorted(counts))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--drive"]:
        drive(argv[1].split(","), argv[3:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", default=sys.executable, help="interpreter with rcov installed")
    parser.add_argument("--tests", help="comma-separated test modules (default: all known)")
    parser.add_argument("--fast", action="store_true", help="only the fast CI slice")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per run")
    parser.add_argument("--work", help="directory for the XML and data files (default: temporary)")
    args = parser.parse_args(argv)
    args.python = os.path.abspath(args.python)  # not resolved: a virtualenv's python is a link
    tests = args.tests.split(",") if args.tests else list(FAST_TESTS if args.fast else TESTS)
    with tempfile.TemporaryDirectory(prefix="rcov-oracle-") as tmp:
        work = Path(args.work or tmp)
        work.mkdir(parents=True, exist_ok=True)
        version = subprocess.run(
            [args.python, "-c", "import sys; print(sys.version.split()[0])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        print(f"CPython {version}: {args.python}", flush=True)
        failed = 0
        total_cases = 0
        for test in tests:
            result = compare(args.python, test, work, args.timeout)
            total_cases += len(result.plain.cases)
            verdict = "same" if result.agrees else "DIFFERENT"
            print(
                f"{test:20} {verdict:9} cases={len(result.plain.cases):5} "
                f"plain[{tally(result.plain)} exit={result.plain.status} {result.plain.seconds:.0f}s] "
                f"rcov[{tally(result.measured)} exit={result.measured.status} "
                f"{result.measured.seconds:.0f}s] measured {result.measured_files} files, "
                f"{result.measured_lines} lines",
                flush=True,
            )
            for case, plain, measured in result.differences[:20]:
                print(f"    {case}: plain {plain}, rcov {measured}", flush=True)
            failed += not result.agrees
        print(
            f"{len(tests) - failed}/{len(tests)} test modules agree, {total_cases} test cases",
            flush=True,
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
