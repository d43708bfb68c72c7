"""The program runs under rcov exactly as under the plain interpreter.

Each test runs the same small program twice in real subprocesses, as
`python prog.py args` and as `python -m rcov.instrument --no-report prog.py
args`, and compares exit status, stdout and stderr byte for byte.
"""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest
from pyshim_helpers import PYTHON, Run, clean_env, run_python, run_rcov, write_files

# Prints what a program can observe about how it was started.
INTROSPECT = """\
import sys, os, pickle, inspect, importlib.machinery

class Point:
    x: int = 1

def f(x: int) -> str:
    return "f"

print("name", __name__)
print("file", __file__)
print("spec", __spec__ and (__spec__.name, __spec__.origin, __spec__.parent, __spec__.has_location))
print("cached", globals().get("__cached__", "(not set: Python 3.15+)"))
print("loader", isinstance(__loader__, importlib.machinery.SourceFileLoader))
print("builtins", type(__builtins__).__name__)
print("doc", __doc__, "package", repr(__package__))
print("globals", [k for k in globals() if k.startswith("__")])
print("argv", sys.argv)
print("path0", sys.path[0])
print("main", sys.modules["__main__"] is sys.modules[__name__])
print("annotations", f.__annotations__)
print("source", inspect.getsource(f).splitlines()[0])
print("pickle", pickle.loads(pickle.dumps(Point())).x)
print("firstlineno", f.__code__.co_firstlineno)
print("to stderr", file=sys.stderr)
"""


def both(tmp_path: Path, *args: str, rcov_args: tuple[str, ...] = ()) -> tuple[Run, Run]:
    plain = run_python(tmp_path, *args)
    measured = run_rcov(tmp_path, "--no-report", *rcov_args, *args)
    return plain, measured


def assert_same(plain: Run, measured: Run) -> None:
    assert measured.stderr == plain.stderr
    assert measured.stdout == plain.stdout
    assert measured.returncode == plain.returncode


def test_script_sees_the_same_start_up(tmp_path: Path) -> None:
    write_files(tmp_path, {"prog.py": INTROSPECT})
    plain, measured = both(tmp_path, "prog.py", "a", "--branch", "-m", "x")
    assert plain.returncode == 0, plain.stderr
    assert "argv ['prog.py', 'a', '--branch', '-m', 'x']" in plain.stdout
    assert_same(plain, measured)


def test_script_in_subdirectory_gets_its_directory_as_path0(tmp_path: Path) -> None:
    write_files(tmp_path, {"sub/prog.py": INTROSPECT, "sub/helper.py": "X = 1\n"})
    plain, measured = both(tmp_path, "sub/prog.py")
    assert f"path0 {tmp_path / 'sub'}" in plain.stdout
    assert_same(plain, measured)


def test_module_sees_the_same_start_up(tmp_path: Path) -> None:
    write_files(tmp_path, {"prog.py": INTROSPECT})
    plain, measured = both(tmp_path, "-m", "prog", "arg", "--json", "x")
    assert plain.returncode == 0, plain.stderr
    assert_same(plain, measured)


def test_package_main(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "pkg/__init__.py": "print('init', __name__)\n",
            "pkg/__main__.py": INTROSPECT,
            "pkg/sub/__init__.py": "",
            "pkg/sub/tool.py": INTROSPECT,
        },
    )
    for args in (("-m", "pkg", "x"), ("-m", "pkg.sub.tool", "-m", "y")):
        plain, measured = both(tmp_path, *args)
        assert plain.returncode == 0, plain.stderr
        assert_same(plain, measured)


def test_module_errors(tmp_path: Path) -> None:
    write_files(tmp_path, {"nomain/__init__.py": "", "pkg/__init__.py": ""})
    for args in (("-m", "nonexistent"), ("-m", "nomain"), ("-m", "pkg.missing")):
        plain = run_python(tmp_path, *args)
        measured = run_rcov(tmp_path, "--no-report", *args)
        assert plain.returncode == 1
        assert measured.returncode == 1
        # CPython names its own executable; both are the test interpreter.
        assert measured.stderr == plain.stderr


def test_directory_with_main(tmp_path: Path) -> None:
    write_files(tmp_path, {"app/__main__.py": INTROSPECT.replace('print("spec"', '("spec"')})
    plain, measured = both(tmp_path, "app", "z")
    assert plain.returncode == 0, plain.stderr
    assert_same(plain, measured)


def test_missing_script(tmp_path: Path) -> None:
    plain, measured = both(tmp_path, "nothere.py")
    assert plain.returncode == 2
    assert_same(plain, measured)


@pytest.mark.parametrize(
    "body",
    [
        "print('out')\n",
        "import sys\nprint('out')\nsys.exit(3)\n",
        "import sys\nsys.exit('goodbye')\n",
        "raise SystemExit\n",
        "import sys\nsys.stdout.write('no newline')\nsys.exit(0)\n",
        "import os\nprint('x', flush=True)\nos._exit(7)\n",
    ],
    ids=["normal", "exit3", "exit-msg", "systemexit", "partial-line", "os-exit"],
)
def test_exit_status_and_output(tmp_path: Path, body: str) -> None:
    write_files(tmp_path, {"prog.py": body})
    plain, measured = both(tmp_path, "prog.py")
    assert_same(plain, measured)


UNCAUGHT = {
    "plain": """\
        def inner(n):
            return 10 / n

        def outer():
            return inner(0)

        print("start")
        outer()
        """,
    "chained": """\
        class Boom(Exception):
            pass

        def load(d):
            try:
                return d["key"]
            except KeyError as exc:
                raise Boom("no key") from exc

        try:
            load({})
        except Boom:
            raise ValueError("while handling")
        """,
    "in-import": """\
        import helper
        """,
    "group": """\
        raise ExceptionGroup("many", [ValueError(1), TypeError(2)])
        """,
    "syntax": """\
        x = (
        """,
    "syntax-in-import": """\
        import broken
        """,
}


@pytest.mark.parametrize("name", list(UNCAUGHT))
def test_uncaught_exception_traceback(tmp_path: Path, name: str) -> None:
    write_files(
        tmp_path,
        {
            "prog.py": UNCAUGHT[name],
            "helper.py": "def f():\n    raise RuntimeError('in helper')\n\nf()\n",
            "broken.py": "def f(:\n    pass\n",
        },
    )
    plain, measured = both(tmp_path, "prog.py")
    assert plain.returncode == 1
    assert "Traceback" in plain.stderr or "SyntaxError" in plain.stderr
    assert_same(plain, measured)


def test_uncaught_exception_in_module_mode(tmp_path: Path) -> None:
    write_files(tmp_path, {"prog.py": UNCAUGHT["plain"]})
    plain, measured = both(tmp_path, "-m", "prog")
    assert plain.returncode == 1
    assert_same(plain, measured)


def test_user_excepthook(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "prog.py": """\
            import sys

            def hook(typ, value, tb):
                frames = []
                while tb is not None:
                    frames.append(tb.tb_frame.f_code.co_name)
                    tb = tb.tb_next
                print("hook", typ.__name__, value, frames)
                print("last", sys.last_value is value, file=sys.stderr)

            sys.excepthook = hook

            def g():
                raise LookupError("lost")

            g()
            """
        },
    )
    plain, measured = both(tmp_path, "prog.py")
    assert "hook LookupError lost ['<module>', 'g']" in plain.stdout
    assert_same(plain, measured)


def test_keyboard_interrupt(tmp_path: Path) -> None:
    write_files(tmp_path, {"prog.py": "print('working')\nraise KeyboardInterrupt\n"})
    plain, measured = both(tmp_path, "prog.py")
    assert plain.returncode == -2  # killed by SIGINT, as CPython does
    assert_same(plain, measured)


def test_threads_and_atexit_before_report(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "prog.py": """\
            import atexit, threading, time

            def work():
                time.sleep(0.2)
                print("thread done")

            def late():
                print("program atexit")

            atexit.register(late)
            threading.Thread(target=work).start()
            print("main done")
            """
        },
    )
    plain = run_python(tmp_path, "prog.py")
    measured = run_rcov(tmp_path, "prog.py")
    assert measured.returncode == plain.returncode == 0
    assert measured.stdout.startswith(plain.stdout)
    report = measured.stdout[len(plain.stdout) :]
    assert report.startswith("Name ")
    # The thread's body and the program's atexit handler ran before the report:
    # every line of prog.py is covered.
    assert [line.split() for line in report.splitlines() if line.startswith("prog.py")] == [
        ["prog.py", "9", "0", "100%"]
    ]


def test_report_never_changes_exit_status(tmp_path: Path) -> None:
    # A program that closes stdout: the report cannot be printed, the status stays.
    write_files(
        tmp_path,
        {"prog.py": "import sys\nprint('bye')\nsys.stdout.close()\nsys.exit(4)\n"},
    )
    measured = run_rcov(tmp_path, "prog.py")
    plain = run_python(tmp_path, "prog.py")
    assert measured.returncode == plain.returncode == 4
    assert measured.stdout == plain.stdout == "bye\n"


def test_zip_application(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "app.zip", "w") as zf:
        zf.writestr("__main__.py", INTROSPECT.replace('print("source"', '("source"'))
    plain, measured = both(tmp_path, "app.zip", "q")
    assert plain.returncode == 0, plain.stderr
    assert_same(plain, measured)


def test_program_from_stdin(tmp_path: Path) -> None:
    program = "import sys\nprint(sys.argv, repr(sys.path[0]), __file__, __name__)\n1/0\n"
    runs = []
    for prefix in ([], ["-m", "rcov.instrument", "--no-report"]):
        proc = subprocess.run(
            [PYTHON, *prefix, "-", "a"],
            input=program,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            env=clean_env(),
            check=False,
        )
        runs.append(Run(proc.returncode, proc.stdout, proc.stderr))
    assert runs[0].returncode == 1
    assert_same(runs[0], runs[1])


def test_compiled_script(tmp_path: Path) -> None:
    write_files(tmp_path, {"src.py": INTROSPECT.replace('print("source"', '("source"')})
    assert run_python(tmp_path, "-m", "py_compile", "src.py").returncode == 0
    pyc = next((tmp_path / "__pycache__").iterdir())
    pyc.rename(tmp_path / "compiled.pyc")
    plain, measured = both(tmp_path, "compiled.pyc", "x")
    assert plain.returncode == 0, plain.stderr
    assert_same(plain, measured)


def test_program_still_runs_when_measurement_cannot_start(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "wrapper_main.py": """\
            import sys
            for tool in range(6):
                sys.monitoring.use_tool_id(tool, f"other{tool}")
            from rcov import cli
            cli.run_main(sys.argv[1:])
            """,
            "prog.py": "import sys\nprint('ran', sys.argv[1:])\nsys.exit(3)\n",
        },
    )
    result = run_python(tmp_path, "wrapper_main.py", "prog.py", "x")
    assert result.returncode == 3
    assert result.stdout == "ran ['x']\n"
    assert result.stderr.startswith("rcov: cannot measure: ")
