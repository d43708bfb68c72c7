"""`rcov combine`: parallel data files merged as `coverage combine` merges them.

The central test runs a program that starts several measured subprocesses
(`python -m rcov.instrument -p`), makes two copies of the parallel data files
they write, combines one copy with `rcov combine` and the other with
`coverage combine`, and compares the two results as data: files, lines, arcs.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from covcompare import clean_env
from rcov import _rcov

EMPTY_RC = "[run]\n"

WORKER = """\
import sys

def classify(n):
    if n % 3 == 0:
        return "fizz"
    elif n % 5 == 0:
        return "buzz"
    return str(n)

def run(kind):
    out = []
    for n in range(int(sys.argv[2])):
        out.append(classify(n))
    if kind == "odd":
        import helper
        helper.odd()
    elif kind == "even":
        import helper
        helper.even()
    else:
        pass
    return out

run(sys.argv[1])
"""

HELPER = """\
def odd():
    return 1

def even():
    return 2

def never():
    return 3
"""

DRIVER = """\
import subprocess, sys
jobs = [("odd", "3"), ("even", "5"), ("none", "1"), ("odd", "16")]
branch = ["--branch"] if sys.argv[1] == "branch" else []
for kind, n in jobs:
    subprocess.run(
        [sys.executable, "-m", "rcov.instrument", "-p", "--no-report", "--source=.", *branch,
         "worker.py", kind, n],
        check=True,
    )
"""


def run(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"{args} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def rcov(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return run(cwd, "-c", "import sys; from rcov.cli import main; main()", *args, check=check)


def coverage(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return run(cwd, "-m", "coverage", *args, "--rcfile=covrc", check=check)


def contents(path: Path) -> dict[str, object]:
    """The data of a data file, read by coverage.py: has_arcs, and per file its
    lines and arcs (the comparison is of data, not bytes)."""
    from coverage import CoverageData

    data = CoverageData(str(path), read_only=True)
    data.read()
    out: dict[str, object] = {"has_arcs": data.has_arcs()}
    for name in sorted(data.measured_files()):
        out[name] = (sorted(data.lines(name) or []), sorted(data.arcs(name) or []))
    return out


def parallel_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.name.startswith(".coverage."))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "worker.py").write_text(WORKER, encoding="utf-8")
    (root / "helper.py").write_text(HELPER, encoding="utf-8")
    (root / "driver.py").write_text(DRIVER, encoding="utf-8")
    (root / "covrc").write_text(EMPTY_RC, encoding="utf-8")
    return root


@pytest.mark.parametrize("mode", ["branch", "line"])
def test_rcov_combine_equals_coverage_combine(project: Path, tmp_path: Path, mode: str) -> None:
    run(project, "driver.py", mode)
    files = parallel_files(project)
    assert len(files) == 4
    host = os.uname().nodename.replace(".", "_")
    for f in files:
        # coverage.py's naming: .coverage.<host>.pid<pid>.X<6 random>x
        prefix, random_part = f.name.rsplit(".X", 1)
        assert prefix.startswith(f".coverage.{host}.pid")
        assert len(random_part) == 7 and random_part.endswith("x")
    twin = tmp_path / "twin"
    shutil.copytree(project, twin)

    result = rcov(project, "combine")
    assert result.stderr == "Combined 4 files\n"
    theirs = coverage(twin, "combine")
    assert theirs.stderr == "Combined 4 files\n"
    # Inputs deleted, combined file written, by both.
    assert parallel_files(project) == parallel_files(twin) == []
    ours_data = contents(project / ".coverage")
    theirs_data = contents(twin / ".coverage")
    # coverage.py writes the paths of its own directory; map twin -> project.
    theirs_data = {
        (k.replace(str(twin.resolve()), str(project.resolve())) if k != "has_arcs" else k): v
        for k, v in theirs_data.items()
    }
    assert ours_data == theirs_data
    assert ours_data["has_arcs"] is (mode == "branch")
    helper = str(project.resolve() / "helper.py")
    assert ours_data[helper] is not None
    # Both tools report the combined file the same way.
    assert rcov(project, "report", "-m").stdout == coverage(project, "report", "-m").stdout


def test_combine_keep_append_and_explicit_paths(project: Path) -> None:
    run(project, "driver.py", "branch")
    files = parallel_files(project)
    # --keep leaves the inputs.
    rcov(project, "combine", "--keep", str(files[0]))
    assert parallel_files(project) == files
    first = contents(project / ".coverage")
    # Without --append, combining again replaces the data file.
    rcov(project, "combine", "--keep", str(files[1]))
    second = contents(project / ".coverage")
    assert first != second
    # With --append, the data file's data is kept and added to.
    rcov(project, "combine", "--append", str(files[0]))
    both = contents(project / ".coverage")
    assert parallel_files(project) == files[1:]
    helper = str(project.resolve() / "helper.py")
    worker = str(project.resolve() / "worker.py")
    for data in (first, second):
        assert set(both[worker][1]) >= set(data[worker][1])  # type: ignore[index]
    assert set(both[helper][1]) >= set(first[helper][1]) | set(second[helper][1])  # type: ignore[index]
    # A directory argument combines the parallel files in it.
    rcov(project, "combine", "--append", str(project))
    assert parallel_files(project) == []


def test_a_corrupt_input_is_named_and_kept_while_the_others_combine(project: Path) -> None:
    run(project, "driver.py", "branch")
    files = parallel_files(project)
    bad = project / ".coverage.badhost.pid1.Xabcdefx"
    bad.write_bytes(b"not a database at all" * 100)
    old = project / ".coverage.oldhost.pid2.Xghijklx"
    con = sqlite3.connect(old)
    con.executescript(
        "CREATE TABLE coverage_schema (version integer); INSERT INTO coverage_schema VALUES (4);"
    )
    con.close()
    result = rcov(project, "combine")
    assert result.returncode == 0
    assert result.stderr.endswith("Combined 4 files, 2 files errored\n")
    assert f"Data file '{bad}' isn't a coverage data file" in result.stderr
    assert f"Couldn't use data file '{old}': wrong schema: 4 instead of 7" in result.stderr
    # The bad inputs stay, the good ones are gone, the data has them all.
    assert parallel_files(project) == sorted([bad, old])
    data = _rcov.CoverageData.read(str(project / ".coverage"))
    # worker.py and helper.py ran; driver.py is in the source but never ran.
    assert [os.path.basename(f) for f in data.measured_files()] == [
        "driver.py",
        "helper.py",
        "worker.py",
    ]
    assert len(files) == 4


def test_mixed_line_and_branch_inputs(project: Path) -> None:
    run(project, "driver.py", "branch")
    (project / "worker2.py").write_text("x = 1\n", encoding="utf-8")
    run(project, "-m", "rcov.instrument", "-p", "--no-report", "worker2.py")
    result = rcov(project, "combine")
    assert "Can't combine statement coverage data with branch data" in result.stderr
    assert "1 file errored" in result.stderr


def test_nothing_to_combine(tmp_path: Path) -> None:
    result = rcov(tmp_path, "combine", check=False)
    assert (result.returncode, result.stderr) == (1, "rcov: No data to combine\n")
    result = rcov(tmp_path, "combine", "nowhere", check=False)
    assert result.returncode == 1
    assert "Couldn't combine from non-existent path 'nowhere'" in result.stderr
    (tmp_path / ".coverage.x.pid1.Xaaaaaax").write_bytes(b"junk" * 300)
    result = rcov(tmp_path, "combine", check=False)
    assert result.returncode == 1
    assert result.stderr.endswith("rcov: No usable data files\n")


def test_paths_remapping(tmp_path: Path) -> None:
    """Data recorded under another root ([paths]) lands on the local files,
    as coverage.py maps it."""
    from coverage import CoverageData

    local = tmp_path / "local"
    (local / "src" / "pkg").mkdir(parents=True)
    (local / "src" / "pkg" / "mod.py").write_text("a = 1\nb = 2\nc = 3\n", encoding="utf-8")
    rc = textwrap.dedent(
        """\
        [paths]
        source =
            src/
            /ci/build/*/src/
            C:\\work\\src\\
        """
    )
    (local / ".coveragerc").write_text(rc, encoding="utf-8")
    (local / "covrc").write_text(rc, encoding="utf-8")
    inputs = {
        ".coverage.ci1.pid1.Xaaaaaax": ("/ci/build/123/src/pkg/mod.py", [1]),
        ".coverage.win.pid2.Xbbbbbbx": ("C:\\work\\src\\pkg\\mod.py", [2]),
        ".coverage.other.pid3.Xccccccx": ("/elsewhere/pkg/mod.py", [3]),
    }
    for name, (path, lines) in inputs.items():
        data = CoverageData(str(local / name))
        data.add_lines({path: lines})
        data.write()
    twin = tmp_path / "twin"
    shutil.copytree(local, twin)
    rcov(local, "combine")
    coverage(twin, "combine")
    ours = contents(local / ".coverage")
    theirs = contents(twin / ".coverage")
    mapped = str(local.resolve() / "src" / "pkg" / "mod.py")
    assert ours[mapped] == ([1, 2], [])
    assert ours["/elsewhere/pkg/mod.py"] == ([3], [])
    theirs = {k.replace(str(twin.resolve()), str(local.resolve())): v for k, v in theirs.items()}
    assert ours == theirs


def test_relative_files_combine(tmp_path: Path) -> None:
    """relative_files: data recorded in another checkout combines onto this one."""
    a, b = tmp_path / "a", tmp_path / "b"
    for root in (a, b):
        (root / "pkg").mkdir(parents=True)
        (root / "pkg" / "__init__.py").write_text("", encoding="utf-8")
        (root / "pkg" / "mod.py").write_text(
            "import sys\nif sys.argv[1:]:\n    x = 1\nelse:\n    x = 2\n", encoding="utf-8"
        )
        (root / "prog.py").write_text("import pkg.mod\n", encoding="utf-8")
        (root / ".coveragerc").write_text("[run]\nrelative_files = true\n", encoding="utf-8")
    run(a, "-m", "rcov.instrument", "-p", "--branch", "--no-report", "prog.py")
    run(b, "-m", "rcov.instrument", "-p", "--branch", "--no-report", "prog.py", "yes")
    for f in parallel_files(b):
        shutil.move(str(f), a / f.name)
    result = rcov(a, "combine")
    assert result.stderr == "Combined 2 files\n"
    data = _rcov.CoverageData.read(str(a / ".coverage"))
    assert sorted(data.measured_files()) == ["pkg/__init__.py", "pkg/mod.py", "prog.py"]
    report = rcov(a, "report", "-m").stdout
    rows = {line.split()[0]: line.split()[1:] for line in report.splitlines()[2:-2]}
    assert rows["pkg/mod.py"] == ["4", "0", "2", "0", "100%"]


def test_a_locked_input_is_named_and_kept(project: Path) -> None:
    """An input another process holds an exclusive lock on (a writer in the
    middle of a transaction) is reported by name; the others are combined."""
    run(project, "driver.py", "branch")
    files = parallel_files(project)
    locker = sqlite3.connect(files[0], isolation_level=None)
    try:
        locker.execute("PRAGMA journal_mode = DELETE")
        locker.execute("BEGIN EXCLUSIVE")
        locker.execute("INSERT INTO meta (key, value) VALUES ('locked', '1')")
        result = rcov(project, "combine")
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert result.returncode == 0
    assert f"Couldn't use data file '{files[0]}': database is locked" in result.stderr
    assert result.stderr.endswith("Combined 3 files, 1 file errored\n")
    assert parallel_files(project) == [files[0]]
