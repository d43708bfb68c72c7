"""Measurement in child processes: the `RCOV_PROCESS_START` configuration.

A measured program's children are measured by the `rcov.pth` file installed
with the package: in any Python process whose environment has
`RCOV_PROCESS_START`, it calls `start_from_env()` while `site` runs, before
the program's own modules are imported. Without the variable the .pth costs
one `os.environ.get`.

The variable holds either
- rcov's own settings (`rcov run`, the pytest plugin: see `process_config`):
  the parent's run options and its start directory, so a child that changes
  directory still measures the same files and writes its data file beside
  the parent's. They travel in the variable itself, not in a file: no
  temporary file to make (tempfile and random are costly imports at the
  start of every run) nor to remove, and a child that outlives its parent
  can still read them. They are a dict of strings, lists, booleans and None
  in `marshal`'s format, in hex after a prefix that names the format:
  marshal is built in, where `json` would be an import (and six regular
  expressions compiled) in every measured process and its every child;
- or the path of any configuration file rcov reads (`.coveragerc`,
  `pyproject.toml`, ...), as coverage.py's `COVERAGE_PROCESS_START` does.

Every child writes its own parallel data file (`.coverage.<host>.pid<pid>.X..x`)
and no report; the parent combines them (see `Session.finish`).
"""

from __future__ import annotations

import os
import sys

from .config import RunOptions

# Names for annotations only: the typing module is not loaded at run time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from .session import Session

__all__ = [
    "ENV",
    "current_session",
    "measure_children",
    "process_config",
    "register",
    "start_from_env",
    "start_session",
]

ENV = "RCOV_PROCESS_START"
_PREFIX = "rcov-process-config-2:"

# The session measuring this process, whoever started it.
_current: list[Session] = []


def current_session() -> Session | None:
    """The session measuring this process, if one was started by this module."""
    return _current[0] if _current else None


def process_config(options: RunOptions, cwd: str) -> str:
    """The value of RCOV_PROCESS_START that has children measure like `options`."""
    import marshal

    settings = marshal.dumps(
        {
            "cwd": cwd,
            "branch": options.branch,
            "source": options.source,
            "include": options.include,
            "omit": options.omit,
            "exclude": options.exclude,
            "partial": options.partial,
            "data_file": options.data_file,
            "relative_files": options.relative_files,
            "sigterm": options.sigterm,
            "count": options.count,
            "trackcalls": options.trackcalls,
        }
    )
    return _PREFIX + settings.hex()


def _child_options(value: str) -> tuple[RunOptions, str | None]:
    """The run options a child measures with, and the directory they are
    relative to: from rcov's own settings (see `process_config`), or a
    configuration file."""
    if value.startswith(_PREFIX):
        import marshal

        saved = marshal.loads(bytes.fromhex(value[len(_PREFIX) :]))
        if not isinstance(saved, dict):
            raise ValueError("not rcov's settings")
        options = RunOptions(
            branch=saved["branch"],
            source=saved["source"],
            include=saved["include"],
            omit=saved["omit"],
            exclude=saved["exclude"],
            partial=saved["partial"],
            data_file=saved["data_file"],
            relative_files=saved["relative_files"],
        )
        options.sigterm = saved["sigterm"]
        options.count = saved["count"]
        options.trackcalls = saved["trackcalls"]
        return _as_child(options), saved["cwd"]
    from .rcfile import read_settings

    settings = read_settings(value)
    options = RunOptions(
        branch=settings.branch,
        source=[*settings.source, *settings.source_pkgs],
        include=settings.run_include,
        omit=settings.run_omit,
        exclude=settings.exclude,
        partial=settings.partial,
        data_file=os.path.abspath(settings.data_file),
        relative_files=settings.relative_files,
    )
    options.sigterm = settings.sigterm
    return _as_child(options), None


def _as_child(options: RunOptions) -> RunOptions:
    """A child writes its own parallel data file and no report."""
    options.parallel = True
    options.append = False
    options.report = False
    options.json_file = None
    options.report_file = None
    return options


def start_session(options: RunOptions, cwd: str | None = None) -> Session:
    """Start measuring this process with `options`; it saves at exit (and at
    `os._exit`, `exec`, after `fork` in the child, and on SIGTERM if asked)."""
    import atexit

    from .session import Session

    session = Session(options, cwd=cwd)
    session.child = True
    session.start()
    atexit.register(session.finish)
    register(session)
    return session


def register(session: Session) -> None:
    """Make `session` this process's: saved on every exit (see exits.py)."""
    from .exits import install_exit_hooks

    _current[:] = [session]
    install_exit_hooks(session.options.sigterm)


def measure_children(session: Session) -> Callable[[], None]:
    """Have the children of this process measured like it, and combined into
    its data file when it finishes. Returns the clean-up to call at the end."""
    import time

    value = process_config(session.options, session.filter.cwd)
    os.environ[ENV] = value
    session.children_since = time.time()
    pid = os.getpid()

    def clean_up() -> None:
        if os.getpid() != pid:
            return  # a forked child: the run is not over
        if os.environ.get(ENV) == value:
            del os.environ[ENV]

    return clean_up


def _main_script_runner(session: Session) -> Callable[[str, tuple[object, ...]], None]:
    """An audit hook that runs the main script (`python script.py`) measured.

    CPython compiles a main script itself, outside the import system, so
    rcov's import hook never sees it. Its `cpython.run_file` audit event
    comes once `site` has finished and just before CPython reads the file:
    the hook runs the program there through rcov's runner (exactly as
    `rcov run script.py` does), then ends the run with the program's status
    by raising SystemExit, which CPython turns into the exit status as for
    any `sys.exit()`. Other events return at once.

    CPython runs audit hooks with the thread's monitoring switched off
    (`PyThreadState_EnterTracing`); the program must be monitored, so the
    hook switches it back on for its run (`PyThreadState_LeaveTracing`, the
    public C API, through ctypes) and off again before returning. Without
    ctypes, the script runs the normal way, unmeasured, with a warning.
    """
    done: list[bool] = []

    def hook(event: str, args: tuple[object, ...]) -> None:
        if event != "cpython.run_file" or done:
            return
        done.append(True)
        from .runner import Program, exit_like_python_after_sigint, run_program

        filename = args[0]
        if not isinstance(filename, str) or filename == "-":
            return
        try:
            import ctypes

            api = ctypes.pythonapi
            api.PyThreadState_Get.restype = ctypes.c_void_p
            api.PyThreadState_LeaveTracing.argtypes = [ctypes.c_void_p]
            api.PyThreadState_EnterTracing.argtypes = [ctypes.c_void_p]
            tstate = api.PyThreadState_Get()
        except Exception as exc:  # noqa: BLE001 - run unmeasured rather than not at all
            sys.stderr.write(f"rcov: not measuring the main script {filename}: {exc}\n")
            return
        import atexit

        atexit.register(exit_like_python_after_sigint)
        api.PyThreadState_LeaveTracing(tstate)
        try:
            status = run_program(Program("script", filename, sys.argv[1:]), session.compile_main)
        finally:
            api.PyThreadState_EnterTracing(tstate)
        raise SystemExit(status)

    return hook


def start_from_env() -> None:
    """Called by rcov.pth when RCOV_PROCESS_START is set; never raises."""
    value = os.environ.get(ENV)
    if not value or _current:
        return
    try:
        options, cwd = _child_options(value)
        session = start_session(options, cwd)
        sys.addaudithook(_main_script_runner(session))
    except Exception as exc:  # noqa: BLE001 - never keep the program from running
        try:
            sys.stderr.write(f"rcov: cannot measure this process ({ENV}={value}): {exc}\n")
        except Exception:  # noqa: BLE001, S110 - stderr itself is unusable
            pass
