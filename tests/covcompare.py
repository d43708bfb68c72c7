"""Run a program under coverage.py and under rcov, in the same interpreter, and compare.

This is rcov's counterpart of coverage.py's `check_coverage` test helper, except
that the expected numbers are not written by hand: they are whatever
coverage.py (the reference, pinned to `COVERAGE_VERSION`) reports for the same
program run by the same interpreter. Both tools write a JSON report in
coverage.py's layout; per file we compare

- statements: executed_lines + missing_lines,
- missing lines,
- excluded lines,
- possible branch arcs: executed_branches + missing_branches,
- missing branch arcs.

Everything runs in subprocesses (`sys.executable -m coverage` and
`sys.executable -m rcov.instrument`), so the test process itself is never
measured and the two tools never see each other.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

COVERAGE_VERSION = "7.17.3"

Arc = tuple[int, int]

# The facts compared for each file, in the order mismatches are reported.
FIELDS = ("statements", "missing", "excluded", "arcs", "missing_arcs")


@dataclass(frozen=True)
class FileFacts:
    """What a coverage JSON report says about one file."""

    statements: frozenset[int]
    missing: frozenset[int]
    excluded: frozenset[int]
    arcs: frozenset[Arc]
    missing_arcs: frozenset[Arc]

    @classmethod
    def from_json(cls, entry: Mapping[str, Any]) -> FileFacts:
        executed = frozenset(entry["executed_lines"])
        missing = frozenset(entry["missing_lines"])
        executed_arcs = frozenset((a, b) for a, b in entry.get("executed_branches", []))
        missing_arcs = frozenset((a, b) for a, b in entry.get("missing_branches", []))
        return cls(
            statements=executed | missing,
            missing=missing,
            excluded=frozenset(entry["excluded_lines"]),
            arcs=executed_arcs | missing_arcs,
            missing_arcs=missing_arcs,
        )

    def has_gaps(self) -> bool:
        """True if some line or some branch arc was not run."""
        return bool(self.missing or self.missing_arcs)


@dataclass(frozen=True)
class Measurement:
    """One run of a program under one tool."""

    command: list[str]
    returncode: int
    stdout: str
    stderr: str
    files: dict[str, FileFacts]


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for the measured runs: nothing that starts either tool by itself."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("COVERAGE_", "RCOV_", "PYTEST_"))
    }
    env["PYTHONHASHSEED"] = "0"
    env["PYTHONIOENCODING"] = "utf-8"
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if extra:
        env.update(extra)
    return env


def read_json_report(path: Path, cwd: Path) -> dict[str, FileFacts]:
    """Per-file facts of a JSON report, keyed by path relative to `cwd` (posix style).

    Both tools key files relative to the current directory when they are under it;
    normalising here keeps the comparison independent of that convention.
    """
    with path.open(encoding="utf-8") as f:
        report = json.load(f)
    result: dict[str, FileFacts] = {}
    root = cwd.resolve()
    for name, entry in report["files"].items():
        full = Path(name) if os.path.isabs(name) else root / name
        full = full.resolve()
        try:
            key = full.relative_to(root).as_posix()
        except ValueError:
            key = full.as_posix()
        result[key] = FileFacts.from_json(entry)
    return result


def comparison_rcfile(workdir: Path) -> Path:
    """The configuration file given to both tools, so that neither reads the
    measured project's own settings (setup.cfg, tox.ini, pyproject.toml,
    .coveragerc). It holds one setting: `patch = subprocess`, which makes
    coverage.py measure child Python processes as rcov does by default (a test
    suite that runs `python -m pkg` measures `pkg/__main__.py` in both);
    rcov accepts the key and needs nothing more."""
    rcfile = workdir / "coveragerc"
    rcfile.write_text("[run]\npatch = subprocess\n", encoding="utf-8")
    return rcfile


def _run(
    command: list[str], cwd: Path, env: Mapping[str, str], timeout: float
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        check=False,
        cwd=cwd,
        env=dict(env),
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="backslashreplace",
        timeout=timeout,
    )


def _source_options(source: Sequence[str]) -> list[str]:
    return [f"--source={s}" for s in source]


def run_coverage(
    args: Sequence[str],
    cwd: Path,
    workdir: Path,
    *,
    source: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    timeout: float = 300,
) -> Measurement:
    """`coverage run --branch PROGRAM` then `coverage json`; `args` is `script.py ...` or `-m mod ...`."""
    data = workdir / "coverage.data"
    report = workdir / "coverage.json"
    rcfile = comparison_rcfile(workdir)
    environment = clean_env(env)
    python = [sys.executable, "-m", "coverage"]
    command = [
        *python,
        "run",
        "--branch",
        f"--rcfile={rcfile}",
        f"--data-file={data}",
        *_source_options(source),
        *args,
    ]
    proc = _run(command, cwd, environment, timeout)
    export = _run(
        [*python, "json", f"--rcfile={rcfile}", f"--data-file={data}", "-o", str(report), "-q"],
        cwd,
        environment,
        timeout,
    )
    if export.returncode != 0 and "No data to report" not in export.stderr:
        raise RuntimeError(f"coverage json failed: {export.stderr}")
    files = read_json_report(report, cwd) if report.exists() else {}
    return Measurement(command, proc.returncode, proc.stdout, proc.stderr, files)


def rcov_command(
    args: Sequence[str],
    *,
    json_file: Path | None = None,
    source: Sequence[str] = (),
    rcfile: Path | None = None,
) -> list[str]:
    """`python -m rcov.instrument --branch --no-report [...] PROGRAM`."""
    command = [sys.executable, "-m", "rcov.instrument", "--branch", "--no-report"]
    if rcfile is not None:
        command += ["--rcfile", str(rcfile)]
    if json_file is not None:
        command += ["--json", str(json_file)]
    for s in source:
        command += ["--source", s]
    return [*command, *args]


def run_rcov(
    args: Sequence[str],
    cwd: Path,
    workdir: Path,
    *,
    source: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    timeout: float = 300,
) -> Measurement:
    """`python -m rcov.instrument --branch --no-report --json FILE PROGRAM`."""
    report = workdir / "rcov.json"
    command = rcov_command(args, json_file=report, source=source, rcfile=comparison_rcfile(workdir))
    proc = _run(command, cwd, clean_env(env), timeout)
    files = read_json_report(report, cwd) if report.exists() else {}
    return Measurement(command, proc.returncode, proc.stdout, proc.stderr, files)


def _show(items: frozenset[Any]) -> str:
    return ", ".join(_show_item(i) for i in sorted(items)) or "-"


def _show_item(item: Any) -> str:
    if isinstance(item, tuple):
        return f"{item[0]}->{item[1]}"
    return str(item)


def diff_file(path: str, expected: FileFacts, actual: FileFacts) -> list[str]:
    """One line per differing field: what only coverage.py has, what only rcov has."""
    lines = []
    for name in FIELDS:
        want = getattr(expected, name)
        got = getattr(actual, name)
        if want != got:
            lines.append(
                f"{path}: {name}: coverage.py only [{_show(want - got)}], "
                f"rcov only [{_show(got - want)}]"
            )
    return lines


def compare(expected: Mapping[str, FileFacts], actual: Mapping[str, FileFacts]) -> list[str]:
    """Every difference between coverage.py's (`expected`) and rcov's (`actual`) reports."""
    problems = []
    for path in sorted(expected.keys() | actual.keys()):
        if path not in actual:
            problems.append(f"{path}: measured by coverage.py, not by rcov")
        elif path not in expected:
            problems.append(f"{path}: measured by rcov, not by coverage.py")
        else:
            problems.extend(diff_file(path, expected[path], actual[path]))
    return problems


@dataclass
class FieldAgreement:
    """How many items of one field both tools report, out of those either reports."""

    common: int = 0
    union: int = 0
    files_equal: int = 0

    def percent(self) -> float:
        return 100.0 if self.union == 0 else 100.0 * self.common / self.union


@dataclass
class Agreement:
    """Agreement figures over many files, for the closing summary of a comparison."""

    files: int = 0
    identical: int = 0
    only_one_tool: int = 0
    fields: dict[str, FieldAgreement] = field(
        default_factory=lambda: {name: FieldAgreement() for name in FIELDS}
    )

    def add(self, expected: Mapping[str, FileFacts], actual: Mapping[str, FileFacts]) -> None:
        for path in expected.keys() | actual.keys():
            self.files += 1
            if path not in expected or path not in actual:
                self.only_one_tool += 1
                continue
            want, got = expected[path], actual[path]
            if want == got:
                self.identical += 1
            for name, tally in self.fields.items():
                a, b = getattr(want, name), getattr(got, name)
                tally.common += len(a & b)
                tally.union += len(a | b)
                tally.files_equal += a == b

    def summary(self, label: str) -> str:
        parts = [f"{label}: files identical {self.identical}/{self.files}"]
        if self.only_one_tool:
            parts.append(f"measured by one tool only {self.only_one_tool}")
        for name, tally in self.fields.items():
            parts.append(
                f"{name} {tally.common}/{tally.union} ({tally.percent():.2f}%, "
                f"files equal {tally.files_equal})"
            )
        return "; ".join(parts)


def write_summary(config: Any, line: str) -> None:
    """Show `line` on the terminal even from a fixture's teardown (where output is captured)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is None:
        return
    if capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line("")
            reporter.write_line(line)
    else:
        reporter.write_line("")
        reporter.write_line(line)
