"""CPython's own verdict on a main script that does not compile.

`python script.py` parses the script with the tokenizer reading the *file*,
which words some errors differently from `compile()` of the file's bytes
(what rcov must use, to rewrite the text first): null bytes ("source code
cannot contain null bytes", with the line), undecodable bytes ("Non-UTF-8 code
starting with ..."), unknown or violated coding cookies ("encoding problem:
..."). So when the bytes do not compile, rcov hands the file to the same C
function the interpreter runs scripts with, `PyRun_SimpleFileExFlags`, which
prints CPython's own error through `sys.excepthook`. The file failed to
compile a moment ago, so nothing of it runs; if it was fixed in between, it
runs, unmeasured, exactly as `python script.py` would have run it.
"""

from __future__ import annotations

import os

__all__ = ["run_file_like_cpython"]


def run_file_like_cpython(path: str) -> int | None:
    """Run `path` with CPython's file runner; its status (0, or 1 after it
    printed the error), or None if that runner is not reachable here."""
    try:
        import ctypes
    except ImportError:
        return None
    try:
        libc = ctypes.CDLL(None)
        fopen = libc.fopen
        run_file = ctypes.pythonapi.PyRun_SimpleFileExFlags
    except (OSError, AttributeError):
        return None
    fopen.restype = ctypes.c_void_p
    fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    run_file.restype = ctypes.c_int
    run_file.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_void_p]
    name = os.fsencode(path)
    handle = fopen(name, b"rb")
    if not handle:
        return None
    # closeit=1: the runner closes the FILE.
    return 0 if run_file(handle, name, 1, None) == 0 else 1
