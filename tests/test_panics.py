"""A Rust panic never reaches the measured program.

Every entry point of the extension turns a panic into InstrumentError or
DataError (`catch_panic` in runtime/src/error.rs); where one could still
escape as PyO3's PanicException (a BaseException, which `except Exception`
does not catch), the import hook catches it too. The rewriter itself is
fuzzed (fuzz/, see README), so no panic is known; this test makes one.
"""

from __future__ import annotations

from pathlib import Path

from pyshim_helpers import run_python, write_files

WRAPPER = """\
import sys
from rcov import _rcov, cli

Real = _rcov.Collector

class Panicking:
    def __init__(self, *, branch, **options):
        self._real = Real(branch=branch, **options)

    def compile(self, source, filename):
        if "PANIC" in source:
            raise _rcov.PanicException("index out of bounds")
        return self._real.compile(source, filename)

    def __getattr__(self, name):
        return getattr(self._real, name)

_rcov.Collector = Panicking
cli.run_main(sys.argv[1:])
"""


def test_a_panic_while_compiling_imports_the_file_normally(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "wrapper_main.py": WRAPPER,
            "prog.py": "import odd, plain\nprint(odd.f(), plain.g())\n",
            "odd.py": "# PANIC\ndef f():\n    return 'odd'\n",
            "plain.py": "def g():\n    return 'plain'\n",
        },
    )
    result = run_python(tmp_path, "wrapper_main.py", "--no-report", "prog.py")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "odd plain\n"
    assert result.stderr == f"rcov: not measuring {tmp_path / 'odd.py'}: index out of bounds\n"


def test_panic_exception_is_not_an_exception() -> None:
    """Why the import hook names it: `except Exception` would let it through."""
    from rcov import _rcov

    assert issubclass(_rcov.PanicException, BaseException)
    assert not issubclass(_rcov.PanicException, Exception)
