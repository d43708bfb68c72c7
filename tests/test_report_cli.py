"""`rcov report` and `rcov json` against `coverage report` and `coverage json`
on the same data file: same output for every option, same exit statuses.

One small project (a fully covered file, a partly covered one, an empty
package `__init__`, a never-imported module, files in a subdirectory) is run
once under `rcov run --branch --source=.`; then each option set is given to
both tools and their stdout and exit status must be identical.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from covcompare import clean_env

FILES = {
    "main.py": """\
import sys
from pkg import full, partial

full.run()
partial.run(len(sys.argv))
""",
    "pkg/__init__.py": "",
    "pkg/full.py": """\
def run():
    total = 0
    for i in range(3):
        total += i
    return total
""",
    "pkg/partial.py": """\
def run(n):
    if n > 5:
        print("many")
    elif n > 1:
        print("some")
    for i in range(n):
        if i > 10:
            break
    while n < 0:
        n += 1
    return n


def unused():
    return 1
""",
    "pkg/never.py": """\
def never():
    x = 1
    return x
""",
    "tools/helper_10.py": "A = 1\nB = 2\n",
    "tools/helper_9.py": "A = 1\n",
    "tools/__init__.py": "",
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("report_cli")
    for name, text in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "covrc").write_text("[run]\n", encoding="utf-8")
    (root / "main.py").write_text(
        FILES["main.py"] + "import tools.helper_10, tools.helper_9\n", encoding="utf-8"
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "rcov.instrument",
            "--branch",
            "--no-report",
            "--source=.",
            "main.py",
        ],
        cwd=root,
        env=clean_env(),
        check=True,
    )
    return root


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def both(project: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], ...]:
    ours = run(project, "-c", "import sys; from rcov.cli import main; main()", *args)
    theirs = run(project, "-m", "coverage", *args, "--rcfile=covrc")
    return ours, theirs


@pytest.mark.parametrize(
    "options",
    [
        [],
        ["-m"],
        ["--show-missing", "--skip-covered"],
        ["-m", "--skip-empty"],
        ["--skip-covered", "--skip-empty"],
        ["--precision=2"],
        ["-m", "--precision=3", "--skip-covered"],
        ["--sort=cover"],
        ["--sort=-cover"],
        ["--sort=stmts", "-m"],
        ["--sort=-miss"],
        ["--sort=branch"],
        ["--sort=-BrPart"],
        ["--sort=-name"],
        ["--format=markdown", "-m"],
        ["--format=markdown", "--skip-covered", "--precision=1"],
        ["--format=total"],
        ["--format=total", "--precision=2"],
        ["--include=pkg/*"],
        ["--include=*/partial.py,*/full.py", "-m"],
        ["--omit=pkg/*"],
        ["--omit=*helper*", "--omit=main.py"],
        ["--fail-under=50"],
        ["--fail-under=99"],
        ["--fail-under=100"],
        ["--fail-under=72.3", "--precision=1"],
        ["--fail-under=72.35"],
        ["--fail-under=0"],
        ["--sort=nothing"],
        ["--format=html"],
        ["--include=nothing/*"],
    ],
)
def test_report_matches_coverage(project: Path, options: list[str]) -> None:
    ours, theirs = both(project, "report", *options)
    assert ours.returncode == theirs.returncode, (ours.stderr, theirs.stdout, theirs.stderr)
    if theirs.returncode == 1:
        return  # an error: both say so, in their own words
    assert ours.stdout == theirs.stdout


def test_fail_under_exit_statuses(project: Path) -> None:
    ours, theirs = both(project, "report", "--format=total")
    total = float(ours.stdout)
    for threshold, status in [(0, 0), (total - 1, 0), (total + 1, 2), (100, 2)]:
        result, _ = both(project, "report", f"--fail-under={threshold}", "--format=total")
        assert result.returncode == status, threshold
    assert theirs.stdout == ours.stdout


@pytest.mark.parametrize(
    "options", [[], ["--pretty-print"], ["--include=pkg/*"], ["--omit=tools/*"]]
)
def test_json_matches_coverage(project: Path, options: list[str]) -> None:
    ours, theirs = both(project, "json", "-o", "-", *options)
    assert ours.returncode == theirs.returncode == 0, ours.stderr
    a, b = json.loads(ours.stdout), json.loads(theirs.stdout)
    for report in (a, b):
        del report["meta"]["timestamp"], report["meta"]["version"]
        for entry in report["files"].values():
            # Regions of format 3 that rcov does not write yet.
            entry.pop("functions", None)
            entry.pop("classes", None)
    assert a == b
    if "--pretty-print" in options:
        assert ours.stdout.startswith('{\n    "meta": {')


def test_json_output_file_and_message(project: Path) -> None:
    ours = run(
        project, "-c", "import sys; from rcov.cli import main; main()", "json", "-o", "out/r.json"
    )
    assert ours.returncode == 0
    assert ours.stderr == "Wrote JSON report to out/r.json\n"
    assert (
        json.loads((project / "out" / "r.json").read_text(encoding="utf-8"))["meta"]["format"] == 3
    )


def test_no_data_file(tmp_path: Path) -> None:
    (tmp_path / "covrc").write_text("[run]\n", encoding="utf-8")
    ours, theirs = both(tmp_path, "report")
    assert ours.returncode == theirs.returncode == 1
    assert ours.stderr == "rcov: No data to report.\n"
    assert "No data to report." in theirs.stdout + theirs.stderr
