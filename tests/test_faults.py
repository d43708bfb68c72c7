"""Faults of the machine around the measured program: a full disk, a
read-only data directory. rcov must keep the program's output and exit
status, say what went wrong in one `rcov: ...` line naming the data file, and
leave the previous data file as it was.

(A SIGKILL while saving is tested in test_datafile.py; corrupt and locked
data files at combine in test_combine.py; programs that use sys.monitoring
themselves in test_monitoring_conflicts.py.)
"""

from __future__ import annotations

import os
import resource
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from covcompare import clean_env

PROGRAM = """\
import sys
for i in range(3):
    if i:
        print("line", i)
sys.exit(3)
"""


def rcov(
    cwd: Path, data_file: Path, *, file_size_limit: int | None = None
) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        if file_size_limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_limit, file_size_limit))

    return subprocess.run(
        [
            sys.executable,
            "-m",
            "rcov.instrument",
            "--branch",
            "--data-file",
            str(data_file),
            "prog.py",
        ],
        cwd=cwd,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        preexec_fn=limit,
    )


def assert_program_unharmed(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 3
    assert result.stdout.startswith("line 1\n")
    assert "prog.py" in result.stdout  # the report is still printed
    assert "Traceback" not in result.stderr


def rows(data_file: Path) -> list[tuple[int, int]]:
    with closing(sqlite3.connect(data_file)) as con:
        return sorted(con.execute("SELECT fromno, tono FROM arc"))


def leftovers(directory: Path) -> list[str]:
    return [p.name for p in directory.iterdir() if p.name.startswith(".rcov-tmp-")]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "prog.py").write_text(PROGRAM, "utf-8")
    return tmp_path


def test_file_size_limit_while_saving(project: Path) -> None:
    """RLIMIT_FSIZE (EFBIG, SIGXFSZ ignored by CPython) stands for a full disk
    where no file system can be mounted."""
    data_file = project / ".coverage"
    good = rcov(project, data_file)
    assert good.returncode == 3
    before = rows(data_file)
    (project / "prog.py").write_text(PROGRAM.replace("range(3)", "range(2)"), "utf-8")
    result = rcov(project, data_file, file_size_limit=data_file.stat().st_size // 2)
    assert_program_unharmed(result)
    assert result.stderr.startswith(f"rcov: Couldn't use data file '{data_file}': ")
    assert len(result.stderr.splitlines()) == 1
    assert rows(data_file) == before
    assert leftovers(project) == []


def mount_tmpfs(target: Path, options: str) -> bool:
    target.mkdir()
    if os.geteuid() != 0:
        return False
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


@pytest.fixture
def small_disk(project: Path) -> Iterator[Path]:
    """A 256 KiB tmpfs (root only)."""
    disk = project / "disk"
    if not mount_tmpfs(disk, "size=256k"):
        pytest.skip("mounting a tmpfs needs root (the RLIMIT_FSIZE test covers a full disk)")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def test_disk_full_while_saving(project: Path, small_disk: Path) -> None:
    data_file = small_disk / ".coverage"
    assert rcov(project, data_file).returncode == 3
    before = rows(data_file)
    # Fill the disk: what is left is less than one data file.
    filler = os.open(small_disk / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(filler, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(filler)
    result = rcov(project, data_file)
    assert_program_unharmed(result)
    assert result.stderr.startswith(f"rcov: Couldn't use data file '{data_file}': ")
    assert "full" in result.stderr or "space" in result.stderr
    assert rows(data_file) == before
    assert leftovers(small_disk) == []


@pytest.fixture
def read_only_dir(project: Path) -> Iterator[Path]:
    """A directory rcov cannot write to: a read-only tmpfs as root (root
    ignores permission bits), else a directory without write permission."""
    directory = project / "ro"
    if mount_tmpfs(directory, "size=64k,ro"):
        try:
            yield directory
        finally:
            subprocess.run(["umount", str(directory)], check=True)
        return
    directory.chmod(0o555)
    try:
        yield directory
    finally:
        directory.chmod(0o755)


def test_read_only_data_directory(project: Path, read_only_dir: Path) -> None:
    data_file = read_only_dir / ".coverage"
    result = rcov(project, data_file)
    assert_program_unharmed(result)
    assert result.stderr.startswith(f"rcov: Couldn't use data file '{data_file}': ")
    assert len(result.stderr.splitlines()) == 1
    assert not data_file.exists()
