"""Child processes: every process of a measured program's tree is measured.

Real process trees are run under `python -m rcov.instrument`: a subprocess
(`python -m module`) starting multiprocessing pools (fork, spawn,
forkserver) and a ProcessPoolExecutor whose workers fork again. Lines that
only the grandchildren run must be reported as covered, and every child's
parallel data file must have been combined into the data file.

Children are measured through rcov_process_start.pth, which an installed
rcov (the wheel, as scripts/test.sh installs it) puts in site-packages;
under an editable install without it these tests are skipped.
"""

from __future__ import annotations

import json
import os
import site
from pathlib import Path

import pytest
from pyshim_helpers import clean_env, run_python, run_rcov, write_files

PTH = "rcov_process_start.pth"


def _pth_installed() -> bool:
    dirs = [*site.getsitepackages(), site.getusersitepackages()]
    return any(os.path.exists(os.path.join(d, PTH)) for d in dirs)


pytestmark = pytest.mark.skipif(
    not _pth_installed(), reason=f"{PTH} is not installed (install rcov's wheel)"
)

TREE = {
    "leaf.py": """\
    import os

    def worker_only(x):
        return x + 1

    def grandchild_only(x):
        if x > 0:
            return x * 2
        return -x

    def never():
        return 0
    """,
    "mid.py": """\
    import concurrent.futures
    import multiprocessing
    import os
    import sys

    import leaf

    def in_worker(x):
        leaf.worker_only(x)
        pid = os.fork()
        if pid == 0:
            leaf.grandchild_only(x)
            os._exit(0)
        os.waitpid(pid, 0)
        return x

    def main(method):
        if method == "executor":
            with concurrent.futures.ProcessPoolExecutor(2) as ex:
                return list(ex.map(in_worker, [1, 2]))
        ctx = multiprocessing.get_context(method)
        with ctx.Pool(2) as pool:
            result = pool.map(in_worker, [1, 2])
            pool.close()
            pool.join()
        return result

    if __name__ == "__main__":
        print(sys.argv[1], main(sys.argv[1]), flush=True)
    """,
    "top.py": """\
    import subprocess
    import sys

    for method in sys.argv[1:]:
        subprocess.run([sys.executable, "-m", "mid", method], check=True)
    """,
}


def executed(report: Path) -> dict[str, list[int]]:
    files = json.loads(report.read_text())["files"]
    return {name: data["executed_lines"] for name, data in files.items()}


def test_grandchildren_of_every_start_method_are_measured(tmp_path: Path) -> None:
    write_files(tmp_path, TREE)
    methods = ["fork", "spawn", "forkserver", "executor"]
    run = run_rcov(tmp_path, "--branch", "--source", ".", "--json", "out.json", "top.py", *methods)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[:4] == [f"{m} [1, 2]" for m in methods]
    lines = executed(tmp_path / "out.json")
    # worker_only (4) runs in pool workers only, grandchild_only (7-8) only in
    # the processes they fork; never() (12) runs nowhere.
    assert {4, 7, 8} <= set(lines["leaf.py"])
    assert 9 not in lines["leaf.py"] and 12 not in lines["leaf.py"]
    # mid runs as `python -m mid` in a child; in_worker's body in its workers.
    assert {*range(9, 16), *range(18, 27), 28, 29} <= set(lines["mid.py"])
    assert [p.name for p in tmp_path.glob(".coverage*")] == [".coverage"]
    assert "rcov:" not in run.stderr


def test_forked_child_writes_its_own_data_file(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "prog.py": """\
            import os
            pid = os.fork()
            if pid == 0:
                child = "only the child runs this"
                raise SystemExit(0)
            os.waitpid(pid, 0)
            parent = "only the parent runs this"
            """
        },
    )
    run = run_rcov(tmp_path, "-p", "--no-report", "prog.py")
    assert run.returncode == 0, run.stderr
    files = sorted(tmp_path.glob(".coverage.*"))
    assert len(files) == 2
    from rcov import _rcov

    lines = [_rcov.CoverageData.read(str(f)).lines(str(tmp_path / "prog.py")) for f in files]
    # The child's data starts at the fork: what ran before is the parent's.
    assert sorted(lines) == [[1, 2, 3, 6, 7], [3, 4, 5]]


def test_subprocess_of_a_module_and_an_exec(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "child.py": """\
            import os, sys
            def run(how):
                if how == "exec":
                    os.execv(sys.executable, [sys.executable, "-m", "child", "done"])
                return how
            if __name__ == "__main__":
                print(run(sys.argv[1]))
            """,
            "prog.py": """\
            import subprocess, sys
            subprocess.run([sys.executable, "-m", "child", "exec"], check=True)
            """,
        },
    )
    run = run_rcov(tmp_path, "--json", "out.json", "prog.py")
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("done\n")
    # Line 4 ran before the exec, line 5 in the program exec'd.
    assert executed(tmp_path / "out.json")["child.py"] == [1, 2, 3, 4, 5, 6, 7]


def test_the_pth_costs_nothing_without_the_variable(tmp_path: Path) -> None:
    probe = "import sys; print(sorted(m for m in sys.modules if m.startswith('rcov')))"
    plain = run_python(tmp_path, "-c", probe, env=clean_env())
    assert plain.stdout == "[]\n", plain.stderr
    config = tmp_path / ".coveragerc"
    config.write_text("[run]\nbranch = True\n")
    started = run_python(tmp_path, "-c", probe, env=clean_env(RCOV_PROCESS_START=str(config)))
    assert "'rcov.process_start'" in started.stdout, started.stderr


def test_a_child_reads_back_the_settings_its_parent_passed() -> None:
    from rcov.config import RunOptions
    from rcov.process_start import _child_options, process_config

    parent = RunOptions(
        branch=True,
        source=["src", "pkg.sub"],
        include=[],
        omit=["*/vendored/*"],
        exclude=["pragma: no cover", "if TYPE_CHECKING:", "h\u00e9 \\d+"],
        partial=["pragma: no branch"],
        data_file="/work/d\u00e9p\u00f4t/.coverage",
        relative_files=True,
        sigterm=True,
        count=True,
        trackcalls=False,
    )
    child, cwd = _child_options(process_config(parent, "/start dir"))
    assert cwd == "/start dir"
    for name in ["branch", "source", "include", "omit", "exclude", "partial", "data_file"]:
        assert getattr(child, name) == getattr(parent, name), name
    assert (child.relative_files, child.sigterm, child.count, child.trackcalls) == (
        True,
        True,
        True,
        False,
    )
    # A child writes a parallel data file of its own, and no report.
    assert (child.parallel, child.append, child.report) == (True, False, False)


@pytest.mark.parametrize("value", ["rcov-process-config-2:zz", "rcov-process-config-2:4e"])
def test_a_child_with_unreadable_settings_runs_unmeasured_and_says_so(
    tmp_path: Path, value: str
) -> None:
    run = run_python(tmp_path, "-c", "print('ran')", env=clean_env(RCOV_PROCESS_START=value))
    assert run.returncode == 0, run.stderr
    assert run.stdout == "ran\n"
    assert "rcov: cannot measure this process" in run.stderr


def test_a_child_run_from_another_directory_measures_the_parents_files(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/work.py": """\
            def f():
                return 1
            if __name__ == "__main__":
                f()
            """,
            "prog.py": """\
            import os, subprocess, sys
            env = dict(os.environ, PYTHONPATH=os.getcwd())
            subprocess.run([sys.executable, "-m", "pkg.work"], cwd="/", env=env, check=True)
            """,
        },
    )
    run = run_rcov(tmp_path, "--json", "out.json", "prog.py")
    assert run.returncode == 0, run.stderr
    assert executed(tmp_path / "out.json")["pkg/work.py"] == [1, 2, 3, 4]


def test_no_child_file_is_left_behind_by_sys_executable_c(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {"prog.py": "import subprocess, sys\nsubprocess.run([sys.executable, '-c', 'pass'])\n"},
    )
    run = run_rcov(tmp_path, "prog.py")
    assert run.returncode == 0, run.stderr
    assert [p.name for p in tmp_path.glob(".coverage*")] == [".coverage"]


def test_a_child_script_is_measured_and_behaves_as_without_rcov(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "child.py": """\
            import sys
            def f(x):
                if x:
                    return 1
                return 2
            f(int(sys.argv[1]))
            if len(sys.argv) > 2:
                raise ValueError("child failed")
            """,
            "prog.py": """\
            import subprocess, sys
            subprocess.run([sys.executable, "child.py", "1"], check=True)
            failed = subprocess.run(
                [sys.executable, "child.py", "0", "fail"], capture_output=True, text=True
            )
            print(failed.returncode)
            print(failed.stderr, end="")
            """,
        },
    )
    plain = run_python(tmp_path, "prog.py")
    run = run_rcov(tmp_path, "--branch", "--no-report", "--json", "out.json", "prog.py")
    assert run.returncode == 0, run.stderr
    assert run.stdout == plain.stdout
    assert run.stdout.startswith("1\nTraceback (most recent call last):\n")
    child = json.loads((tmp_path / "out.json").read_text())["files"]["child.py"]
    assert child["missing_lines"] == []
    assert child["missing_branches"] == []
