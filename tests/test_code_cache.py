"""The instrumented-code cache (README, "The instrumented-code cache").

Each test runs real programs under `python -m rcov.instrument` with a cache
directory of its own. A cache hit leaves its entry untouched, so the tests
tell hits from misses by the entries' modification times. That warm runs
measure exactly what cold runs do is checked over the whole corpus by
tests/test_accuracy.py, which runs every program cold and then warm.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from pyshim_helpers import clean_env, run_rcov, write_files

PROGRAM = {
    "app.py": """\
        import helper

        for n in range(4):
            print(helper.classify(n))
        """,
    "helper.py": """\
        def classify(n):
            if n % 2:
                return "odd"
            return "even"
        """,
}
LONG_AGO = 1_000_000_000  # 2001: an entry rewritten by a run gets a new time


def cache_env(cache: Path | str, **extra: str) -> dict[str, str]:
    return clean_env(RCOV_CACHE_DIR=str(cache), **extra)


def entries(cache: Path) -> dict[str, int]:
    """Each entry's name and modification time (temporary files would show too)."""
    if not cache.exists():
        return {}
    return {p.name: p.stat().st_mtime_ns for p in cache.iterdir() if p.name != ".pruned"}


def age_entries(cache: Path) -> dict[str, int]:
    for name in entries(cache):
        os.utime(cache / name, ns=(LONG_AGO * 10**9, LONG_AGO * 10**9))
    return entries(cache)


def measure(tmp_path: Path, cache: Path | str, *options: str) -> tuple[dict[str, object], str]:
    """Run app.py with --branch; its JSON report's files, and stdout + stderr."""
    report = tmp_path / "report.json"
    run = run_rcov(
        tmp_path,
        "--branch",
        "--no-report",
        f"--json={report}",
        *options,
        "app.py",
        env=cache_env(cache),
    )
    assert run.returncode == 0, run.stderr
    return json.loads(report.read_text())["files"], run.stdout + run.stderr


def test_second_run_reads_every_module_from_the_cache(tmp_path: Path) -> None:
    write_files(tmp_path, PROGRAM)
    cache = tmp_path / "cache"
    cold, cold_output = measure(tmp_path, cache)
    assert len(entries(cache)) == 2  # app.py (the main script) and helper.py
    aged = age_entries(cache)
    warm, warm_output = measure(tmp_path, cache)
    assert entries(cache) == aged  # every module was a hit
    assert (warm, warm_output) == (cold, cold_output)
    assert cold["helper.py"]["missing_lines"] == []  # type: ignore[index]


def test_a_changed_source_is_compiled_again(tmp_path: Path) -> None:
    write_files(tmp_path, PROGRAM)
    cache = tmp_path / "cache"
    measure(tmp_path, cache)
    aged = age_entries(cache)
    helper = tmp_path / "helper.py"
    helper.write_text(helper.read_text().replace("n % 2", "n > 10"))
    files, output = measure(tmp_path, cache)
    changed = {name for name, mtime in entries(cache).items() if aged.get(name) != mtime}
    assert len(changed) == 1 and len(entries(cache)) == 2
    assert output.split() == ["even"] * 4
    assert files["helper.py"]["missing_lines"] == [3]  # type: ignore[index]


def test_line_and_branch_mode_have_their_own_entries(tmp_path: Path) -> None:
    write_files(tmp_path, PROGRAM)
    cache = tmp_path / "cache"
    measure(tmp_path, cache)
    report = tmp_path / "lines.json"
    for _ in range(2):
        run = run_rcov(
            tmp_path, "--no-report", f"--json={report}", "app.py", env=cache_env(cache)
        )
        assert run.returncode == 0, run.stderr
        files = json.loads(report.read_text())["files"]
        assert "missing_branches" not in files["helper.py"]
        assert files["helper.py"]["executed_lines"] == [1, 2, 3, 4]
    assert len(entries(cache)) == 4


def test_damaged_entries_are_compiled_again(tmp_path: Path) -> None:
    write_files(tmp_path, PROGRAM)
    cache = tmp_path / "cache"
    cold, cold_output = measure(tmp_path, cache)
    for name in entries(cache):
        entry = cache / name
        data = bytearray(entry.read_bytes())
        data[len(data) // 2] ^= 0xFF  # inside the marshalled code
        entry.write_bytes(bytes(data[: len(data) - 7]))
    aged = age_entries(cache)
    files, output = measure(tmp_path, cache)
    assert (files, output) == (cold, cold_output)
    assert all(entries(cache)[name] != mtime for name, mtime in aged.items())


def test_an_unusable_cache_directory_only_means_no_caching(tmp_path: Path) -> None:
    write_files(tmp_path, PROGRAM)
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    cold, cold_output = measure(tmp_path, blocker / "cache")
    again, again_output = measure(tmp_path, blocker / "cache")
    assert (again, again_output) == (cold, cold_output)
    assert "rcov" not in cold_output  # no message: the program's output only


def test_empty_cache_variable_turns_the_cache_off(tmp_path: Path) -> None:
    write_files(tmp_path, PROGRAM)
    home = tmp_path / "home"
    home.mkdir()
    env = cache_env("", HOME=str(home))
    env.pop("XDG_CACHE_HOME", None)
    run = run_rcov(tmp_path, "--branch", "app.py", env=env)
    assert run.returncode == 0, run.stderr
    assert list(home.rglob("*")) == []
    # And without the variable, the default place is used.
    del env["RCOV_CACHE_DIR"]
    run = run_rcov(tmp_path, "--branch", "app.py", env=env)
    assert run.returncode == 0, run.stderr
    assert len(entries(home / ".cache" / "rcov")) == 2


def test_a_file_that_warns_when_compiled_warns_on_every_run(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "app.py": "import warner\n",
            "warner.py": "x = 5\nif x is 5:\n    print('five')\n",
        },
    )
    cache = tmp_path / "cache"
    for _ in range(2):
        run = run_rcov(tmp_path, "--branch", "--no-report", "app.py", env=cache_env(cache))
        assert run.returncode == 0
        assert "warner.py:2: SyntaxWarning:" in run.stderr
    assert len(entries(cache)) == 1  # app.py only


def test_processes_filling_the_cache_at_once(tmp_path: Path) -> None:
    """Eight processes start together on a cold cache: all measure the same,
    and every entry ends up whole (the next run reads all of them)."""
    write_files(tmp_path, PROGRAM)
    cache = tmp_path / "cache"
    command = [sys.executable, "-m", "rcov.instrument", "--branch", "--no-report", "-p", "app.py"]
    procs = [
        subprocess.Popen(
            command,
            cwd=tmp_path,
            env=cache_env(cache),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(8)
    ]
    outputs = {proc.communicate(timeout=120) for proc in procs}
    assert all(proc.returncode == 0 for proc in procs)
    assert len(outputs) == 1
    assert len(entries(cache)) == 2
    aged = age_entries(cache)
    measure(tmp_path, cache)
    assert entries(cache) == aged
