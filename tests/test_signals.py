"""Every way a measured process ends saves its data, and threads are measured.

Exits: SIGTERM with `--sigterm` (saved, then the process still dies by
SIGTERM), `os._exit` and `os.exec*` (saved first), `sys.exit` and an uncaught
exception (saved, exit status kept). Threads: code that runs only in threads
(threading, ThreadPoolExecutor, a thread started before measurement began)
is measured, and many threads reaching new lines at the same moment lose
none of them.
"""

from __future__ import annotations

import json
import signal
import threading
from pathlib import Path

from pyshim_helpers import run_rcov, write_files
from rcov import _rcov

LIB = """\
def work(n):
    if n % 2:
        return n * 3
    return n
"""


def executed(report: Path) -> dict[str, list[int]]:
    files = json.loads(report.read_text())["files"]
    return {name: data["executed_lines"] for name, data in files.items()}


def test_sigterm_saves_then_dies_by_sigterm(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "lib.py": LIB,
            "prog.py": """\
            import os, signal, time, lib
            lib.work(1)
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(30)
            lib.work(2)
            """,
        },
    )
    run = run_rcov(tmp_path, "--sigterm", "--json", "out.json", "prog.py")
    assert run.returncode == -signal.SIGTERM
    assert executed(tmp_path / "out.json")["lib.py"] == [1, 2, 3]
    assert "TOTAL" in run.stdout

    (tmp_path / "out.json").unlink()
    unsaved = run_rcov(tmp_path, "--json", "out.json", "prog.py")
    assert unsaved.returncode == -signal.SIGTERM
    assert not (tmp_path / "out.json").exists()


def test_sigterm_from_the_configuration_file(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            ".coveragerc": "[run]\nsigterm = true\n",
            "prog.py": "import os, signal\nos.kill(os.getpid(), signal.SIGTERM)\n",
        },
    )
    run = run_rcov(tmp_path, "prog.py")
    assert run.returncode == -signal.SIGTERM
    assert "prog.py" in run.stdout


def test_os_exit_saves_and_keeps_the_status(tmp_path: Path) -> None:
    write_files(tmp_path, {"lib.py": LIB, "prog.py": "import os, lib\nlib.work(2)\nos._exit(3)\n"})
    run = run_rcov(tmp_path, "--branch", "--json", "out.json", "prog.py")
    assert run.returncode == 3, run.stderr
    assert executed(tmp_path / "out.json")["lib.py"] == [1, 2, 4]
    assert (tmp_path / ".coverage").exists()


def test_exec_saves_first(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "lib.py": LIB,
            "prog.py": """\
            import os, sys, lib
            lib.work(1)
            os.execl(sys.executable, sys.executable, "-c", "raise SystemExit(5)")
            """,
        },
    )
    run = run_rcov(tmp_path, "--json", "out.json", "prog.py")
    assert run.returncode == 5, run.stderr
    assert executed(tmp_path / "out.json")["prog.py"] == [1, 2, 3]


def test_sys_exit_and_uncaught_exception_keep_their_status(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "lib.py": LIB,
            "bye.py": "import sys, lib\nlib.work(1)\nsys.exit(4)\n",
            "boom.py": "import lib\nlib.work(2)\nraise ValueError('boom')\n",
        },
    )
    bye = run_rcov(tmp_path, "--json", "bye.json", "bye.py")
    assert bye.returncode == 4
    assert executed(tmp_path / "bye.json")["lib.py"] == [1, 2, 3]
    boom = run_rcov(tmp_path, "--json", "boom.json", "boom.py")
    assert boom.returncode == 1
    assert boom.stderr.rstrip().endswith("ValueError: boom")
    assert executed(tmp_path / "boom.json")["lib.py"] == [1, 2, 4]


def test_code_run_only_in_threads_is_measured(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "lib.py": LIB,
            "prog.py": """\
            import threading
            from concurrent.futures import ThreadPoolExecutor
            import lib

            def in_thread():
                lib.work(1)

            t = threading.Thread(target=in_thread)
            t.start()
            t.join()
            with ThreadPoolExecutor(4) as ex:
                list(ex.map(lib.work, [2, 4]))
            """,
        },
    )
    run = run_rcov(tmp_path, "--branch", "--json", "out.json", "prog.py")
    assert run.returncode == 0, run.stderr
    lines = executed(tmp_path / "out.json")
    assert lines["lib.py"] == [1, 2, 3, 4]
    assert 6 in lines["prog.py"]


def _module(collector: _rcov.Collector, source: str, path: Path) -> dict[str, object]:
    path.write_text(source)
    namespace: dict[str, object] = {"__name__": path.stem}
    exec(collector.compile(source, str(path)), namespace)  # noqa: S102
    return namespace


def test_thread_started_before_measurement(tmp_path: Path) -> None:
    collector = _rcov.Collector(branch=True)
    go = threading.Event()
    done: list[object] = []

    def waiting() -> None:
        go.wait(10)
        done.append(namespace["work"](3))  # type: ignore[operator]

    thread = threading.Thread(target=waiting)
    thread.start()  # before anything is measured
    path = tmp_path / "lib.py"
    collector.start()
    try:
        namespace = _module(collector, LIB, path)
        go.set()
        thread.join(10)
    finally:
        collector.stop()
    assert done == [9]
    lines, arcs = collector.executed()[str(path)]
    assert lines == [1, 2, 3]
    assert arcs is not None and (2, 3) in arcs and (2, 4) not in arcs


def test_many_threads_reaching_new_lines_at_once(tmp_path: Path) -> None:
    """64 threads, each released at the same moment into every function of a
    module of 200 functions (one branch each): every line and arc is there."""
    functions = 200
    source = "".join(
        f"def f{i}(x):\n    if x > {i}:\n        return {i}\n    return -{i}\n"
        for i in range(functions)
    )
    collector = _rcov.Collector(branch=True)
    collector.start()
    namespace = _module(collector, source, tmp_path / "many.py")
    threads = 64
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def run(t: int) -> None:
        try:
            barrier.wait(10)
            for i in range(functions):
                # Half the threads take each side of every branch.
                namespace[f"f{(i + t) % functions}"](i + (t % 2) * functions)  # type: ignore[operator]
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    try:
        workers = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(60)
    finally:
        collector.stop()
    assert not errors
    lines, arcs = collector.executed()[str(tmp_path / "many.py")]
    assert lines == list(range(1, 4 * functions + 1))
    assert arcs is not None
    for i in range(functions):
        line = 4 * i + 2
        assert (line, line + 1) in arcs and (line, line + 2) in arcs
