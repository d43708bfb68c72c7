"""Run the measured program as `python script.py args` / `python -m module args` would.

The program must not be able to tell that rcov is there: the same `sys.argv`,
`sys.path[0]`, a fresh `__main__` module with the attributes CPython gives it,
and the same exit status and stderr. What CPython does at start-up (in
`Modules/main.c` and `runpy`) is reproduced here:

- a script: `sys.argv[0]` as given, `sys.path[0]` = the script's directory
  (after following a symlinked script), `__file__` absolute, `__spec__` and
  `__cached__` None (before 3.15, which dropped it), `__loader__` a
  SourceFileLoader; a directory or zip file
  runs its `__main__` module with itself as `sys.path[0]`;
- a module: `runpy`'s module machinery (so the spec comes through rcov's
  import hook and the module is measured, packages run their `__main__`),
  `sys.argv[0]` = the module's file, `sys.path[0]` = the current directory;
- an uncaught exception is printed by `sys.excepthook` (the user's, if the
  program installed one) with a traceback that starts at the program's own
  frame, and the exit status is 1; an uncaught KeyboardInterrupt ends the
  process by SIGINT, as CPython does; SystemExit propagates untouched.
"""

from __future__ import annotations

import builtins
import importlib.machinery
import marshal
import os
import runpy
import sys
from collections.abc import Callable
from types import CodeType, ModuleType, TracebackType

from .recursion import frames_below, hide_frames

# Names for annotations only: the typing module is not loaded at run time,
# to keep rcov's start-up (which every measured run pays) short.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Literal

__all__ = ["Program", "exit_like_python_after_sigint", "run_program"]

# Compiles the main script: (source bytes, absolute path) -> code object.
MainCompiler = Callable[[bytes, str], CodeType]


class Program:
    """What to run: a script path or a module name, and its own arguments."""

    def __init__(self, kind: Literal["script", "module"], target: str, args: list[str]) -> None:
        self.kind = kind
        self.target = target
        self.args = args

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Program):
            return NotImplemented
        return (self.kind, self.target, self.args) == (other.kind, other.target, other.args)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Program({self.kind!r}, {self.target!r}, {self.args!r})"


class _ProgramFailed(Exception):
    """Start-up failed the way CPython reports it: a message (empty if already
    printed) and an exit status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


_state = {"sigint": False}


def _plain_compile(data: bytes, path: str) -> CodeType:
    return compile(data, path, "exec", dont_inherit=True)


def _fresh_main() -> ModuleType:
    """A new `__main__` module, its dict laid out as CPython's start-up makes it."""
    main = ModuleType("__main__")
    main.__loader__ = None
    if sys.version_info < (3, 14):
        main.__dict__["__annotations__"] = {}  # noqa: RUF063 - the module dict, as CPython sets it
    main.__dict__["__builtins__"] = builtins
    sys.modules["__main__"] = main
    return main


def _set_path0(entry: str) -> None:
    """Replace the entry the interpreter put first on sys.path for rcov itself."""
    if sys.flags.safe_path:
        return
    if sys.path:
        sys.path[0] = entry
    else:
        sys.path.insert(0, entry)


def _script_dir(path: str) -> str:
    """sys.path[0] for a script: its directory, after following a symlinked script."""
    seen = 0
    while os.path.islink(path) and seen < 40:
        link = os.readlink(path)
        path = link if os.path.isabs(link) else os.path.join(os.path.dirname(path), link)
        seen += 1
    return os.path.dirname(os.path.abspath(path))


def _run_script(program: Program, compile_main: MainCompiler) -> None:
    path = program.target
    if path == "-":
        _run_stdin(program)
        return
    if os.path.isdir(path) or _is_zip_app(path):
        sys.argv[:] = [path, *program.args]
        _set_path0(os.path.abspath(path))
        _run_module_code(None)
        return
    abspath = os.path.abspath(path)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        name = sys.orig_argv[0] if sys.orig_argv else sys.executable
        raise _ProgramFailed(
            f"{name}: can't open file {abspath!r}: [Errno {exc.errno}] {exc.strerror}", 2
        ) from None
    sys.argv[:] = [path, *program.args]
    _set_path0(_script_dir(path))
    main = _fresh_main()
    main.__dict__["__file__"] = abspath
    _set_cached_none(main)
    if path.endswith(".pyc") or _is_pyc_magic(data[:4]):
        # A compiled script runs as is (CPython's maybe_pyc_file): nothing to measure.
        main.__loader__ = importlib.machinery.SourcelessFileLoader("__main__", abspath)
        code = marshal.loads(data[16:])
    else:
        main.__loader__ = importlib.machinery.SourceFileLoader("__main__", abspath)
        try:
            code = compile_main(data, abspath)
        except (SyntaxError, ValueError) as exc:
            failure: BaseException = exc
        else:
            _exec(code, main.__dict__)
            return
        # Reading a file, CPython words some errors differently. Called
        # outside the except clause, so that its error has no context.
        from .filereader import run_file_like_cpython

        status = run_file_like_cpython(abspath)
        if status is None:
            raise failure
        if status:
            raise _ProgramFailed("", status)
        return
    _exec(code, main.__dict__)


def _is_pyc_magic(head: bytes) -> bool:
    """Does a file starting with `head` hold this interpreter's bytecode?"""
    # Every magic number ends in "\r\n": importlib.util, which has it (and
    # costs every run its import), is loaded only for a file that may be one.
    if head[2:] != b"\r\n":
        return False
    import importlib.util

    return head == importlib.util.MAGIC_NUMBER


def _set_cached_none(main: ModuleType) -> None:
    """A script's `__cached__` is None; Python 3.15 no longer sets it at all."""
    if sys.version_info < (3, 15):
        main.__dict__["__cached__"] = None


def _is_zip_app(path: str) -> bool:
    if path.endswith((".py", ".pyw")) or not os.path.isfile(path):
        return False
    import zipfile  # only for an unusual script: it is slow to import

    return zipfile.is_zipfile(path)


def _run_stdin(program: Program) -> None:
    """`python - args`: the program comes from stdin and has no file to measure."""
    sys.argv[:] = ["-", *program.args]
    _set_path0("")
    main = _fresh_main()
    main.__loader__ = importlib.machinery.BuiltinImporter
    main.__dict__["__file__"] = "<stdin>"
    _set_cached_none(main)
    code = compile(sys.stdin.buffer.read(), "<stdin>", "exec", dont_inherit=True)
    _exec(code, main.__dict__)


def _run_module(program: Program) -> None:
    # While the module is searched for, CPython shows "-m" as argv[0].
    sys.argv[:] = ["-m", *program.args]
    _set_path0(os.getcwd())
    _run_module_code(program.target)


def _run_module_code(modname: str | None) -> None:
    """Run a module (None: a directory's or zip file's __main__) in a fresh __main__.

    This is CPython's own path: runpy._run_module_as_main, which finds the
    module through sys.meta_path (so rcov's hook measures it), reports a missing
    module with the interpreter's message and exit status 1, and leaves its own
    two frames at the head of tracebacks, as `python -m` shows them.
    """
    _fresh_main()
    run_as_main: Callable[[str, bool], object] = runpy._run_module_as_main  # type: ignore[attr-defined]
    # `python -m` starts in runpy's frame: the frames up to this one are rcov's.
    hide_frames(frames_below())
    if modname is None:
        run_as_main("__main__", False)
    else:
        run_as_main(modname, True)


def _exec(code: CodeType, namespace: dict[str, Any]) -> None:
    # The traceback of an uncaught exception starts at this frame; the
    # program's own frames follow it (see _strip_own_frames). The frames up
    # to this one are rcov's: `python prog.py` has none.
    hide_frames(frames_below())
    exec(code, namespace)  # noqa: S102 - running the program is the point


def _strip_own_frames(tb: TracebackType | None) -> TracebackType | None:
    """Drop rcov's frames from the head of a traceback.

    It then starts at the program's frame, or for a module at runpy's
    `_run_module_as_main`, as CPython's tracebacks do.
    """
    first = tb
    run_as_main = getattr(runpy, "_run_module_as_main", None)
    while tb is not None:
        code = tb.tb_frame.f_code
        if code is _exec.__code__:
            return tb.tb_next
        if run_as_main is not None and code is run_as_main.__code__:
            return tb
        tb = tb.tb_next
    # Raised before the program ran (e.g. while compiling or finding it): keep
    # only frames that are not rcov's.
    tb = first
    own = os.path.dirname(os.path.abspath(__file__))
    while (
        tb is not None and os.path.dirname(os.path.abspath(tb.tb_frame.f_code.co_filename)) == own
    ):
        tb = tb.tb_next
    return tb


def _print_uncaught(exc: BaseException) -> None:
    """Report an uncaught exception as CPython's PyErr_Print does."""
    tb = _strip_own_frames(exc.__traceback__)
    exc.__traceback__ = tb
    typ = type(exc)
    sys.last_exc = exc
    sys.last_type, sys.last_value, sys.last_traceback = typ, exc, tb
    hook = getattr(sys, "excepthook", None)
    if hook is None:
        sys.stderr.write("sys.excepthook is missing\n")
        sys.__excepthook__(typ, exc, tb)
        return
    try:
        hook(typ, exc, tb)
    except SystemExit:
        raise
    except BaseException as hook_exc:  # noqa: BLE001 - as PyErr_Print does
        sys.stderr.write("Error in sys.excepthook:\n")
        sys.__excepthook__(type(hook_exc), hook_exc, hook_exc.__traceback__)
        sys.stderr.write("\nOriginal exception was:\n")
        sys.__excepthook__(typ, exc, tb)
    finally:
        sys.stderr.flush()


def run_program(program: Program, compile_main: MainCompiler = _plain_compile) -> int:
    """Run `program` in this process; return its exit status.

    SystemExit raised by the program propagates unchanged (the interpreter
    turns it into the exit status and message, exactly as without rcov).
    """
    try:
        if program.kind == "script":
            _run_script(program, compile_main)
        else:
            _run_module(program)
    except SystemExit:
        raise
    except _ProgramFailed as failed:
        if failed.message:
            sys.stderr.write(failed.message + "\n")
        return failed.status
    except KeyboardInterrupt as exc:
        import signal  # not at start-up: only a program stopped by Ctrl-C needs it

        _print_uncaught(exc)
        _state["sigint"] = True
        return 128 + signal.SIGINT
    except BaseException as exc:  # noqa: BLE001 - the program's uncaught exception
        _print_uncaught(exc)
        return 1
    return 0


def exit_like_python_after_sigint() -> None:
    """After an uncaught KeyboardInterrupt, end the process by SIGINT as CPython does.

    Called last at exit (after rcov's report); a no-op otherwise.
    """
    if not _state["sigint"]:
        return
    import signal

    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except Exception:  # noqa: BLE001, S110 - exiting anyway
            pass
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    except (OSError, ValueError):
        pass
