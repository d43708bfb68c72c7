"""Run one command and measure it: CPU time, wall time and peak RSS.

`os.wait4` returns the resource usage of exactly the process waited for, so
its CPU time (user + system) and peak RSS (ru_maxrss, KiB on Linux) are the
measured program's own. CPU time is the headline number: on a shared 2-core
machine the wall time of a single-threaded program also counts the time it
waited for a core, which says nothing about the coverage tool.
Output goes to a scratch file, kept only to show the end of it on failure.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Sample:
    seconds: float  # user + system CPU time
    wall: float
    max_rss_kib: int
    status: int


def run_once(argv: list[str], cwd: Path, env: dict[str, str], log: Path) -> Sample:
    with open(log, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return Sample(cpu, wall, usage.ru_maxrss, proc.returncode)


def tail(log: Path, lines: int = 15) -> str:
    try:
        text = log.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])
