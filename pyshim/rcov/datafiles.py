"""Where data files live and what they are called.

rcov's data files are coverage.py's, named as coverage.py names them, so that
the two tools find each other's files: `.coverage` (or `[run] data_file`), and
in parallel mode `.coverage.<host>.pid<pid>.X<random>x` (coverage.py's
`filename_suffix`), one per process, which `combine` gathers with the glob
`<data file>.*`. Reading, writing and merging are `_rcov.CoverageData`'s job;
this module only deals in names.

Kept free of heavy imports (no glob, socket or random at import time): the
measured program pays for whatever rcov imports before it starts.
"""

from __future__ import annotations

import os
import sys

__all__ = [
    "DEFAULT_DATA_FILE",
    "combinable_files",
    "erase",
    "parallel_filename",
    "run_meta",
]

DEFAULT_DATA_FILE = ".coverage"

# coverage.py's alphabet and length for the random part of a parallel suffix.
_ASCII = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_NRAND = 6

# The prefix of a data file being written (see runtime/src/datafile.rs): a
# save killed half-way leaves `<dir>/.rcov-tmp-<pid>-<random>-<name>` behind.
TEMP_PREFIX = ".rcov-tmp-"


def _hostname() -> str:
    try:
        return os.uname().nodename
    except AttributeError:  # not POSIX
        import socket

        return socket.gethostname()


def parallel_filename(base: str) -> str:
    """`base` with this process's parallel suffix: `.coverage.host.pid123.Xa1B2c3x`.

    Computed when the data is saved, so that a forked child gets its own pid.
    """
    rolls = "".join(_ASCII[b % len(_ASCII)] for b in os.urandom(_NRAND))
    host = _hostname().replace(".", "_")
    return f"{base}.{host}.pid{os.getpid()}.X{rolls}x"


def run_meta(version: str) -> list[tuple[str, str]]:
    """The `meta` rows of a data file written by a run (coverage.py's keys)."""
    import time

    return [
        ("version", version),
        ("sys_argv", str(getattr(sys, "argv", None))),
        ("when", time.strftime("%Y-%m-%d %H:%M:%S")),
    ]


def combinable_files(data_file: str, data_paths: list[str] | None = None) -> list[str]:
    """The data files `combine` reads, as coverage.py finds them.

    Each of `data_paths` is a data file, or a directory searched for
    `<data file name>.*`; with none, the data file's own directory is searched.
    Raises FileNotFoundError for a path that does not exist.
    """
    data_dir, local = os.path.split(os.path.abspath(data_file))
    found: list[str] = []
    for path in data_paths or [data_dir]:
        if os.path.isfile(path):
            found.append(os.path.abspath(path))
        elif os.path.isdir(path):
            # What glob `<name>.*` finds, without importing glob at every run's end.
            directory = os.path.abspath(path)
            try:
                names = os.listdir(directory)
            except OSError:
                continue
            prefix = local + "."
            found.extend(os.path.join(directory, n) for n in names if n.startswith(prefix))
        else:
            raise FileNotFoundError(f"Couldn't combine from non-existent path '{path}'")
    return sorted(f for f in found if not f.endswith("-journal"))


def erase(data_file: str, *, parallel: bool) -> list[str]:
    """Delete the data file and leftovers of killed saves, and with `parallel`
    its parallel files too (as coverage.py's erase does under `[run] parallel`).

    Returns the files deleted.
    """
    import glob

    path = os.path.abspath(data_file)
    directory, name = os.path.split(path)
    candidates = [path]
    if parallel:
        candidates += glob.glob(glob.escape(path) + ".*")
    candidates += glob.glob(
        os.path.join(glob.escape(directory), TEMP_PREFIX + "*-" + glob.escape(name) + "*")
    )
    deleted = []
    for candidate in candidates:
        try:
            os.remove(candidate)
        except FileNotFoundError:
            continue
        deleted.append(candidate)
    return deleted
