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


TIME = "/usr/bin/time"


def run_once(argv: list[str], cwd: Path, env: dict[str, str], log: Path) -> Sample:
    """Run `argv`; CPU time from wait4, peak RSS from /usr/bin/time when there is one.

    A child forked from this (large, matplotlib-loaded) process inherits its
    pages until exec, and Linux counts that in the child's ru_maxrss. GNU
    time is small, so the program it forks reports its own peak; wait4's CPU
    time includes the grandchild that time waited for.
    """
    rss_file = log.with_suffix(".rss")
    wrapped = [TIME, "-f", "%M", "-o", str(rss_file), *argv] if os.path.exists(TIME) else argv
    with open(log, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(wrapped, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    rss = usage.ru_maxrss
    if wrapped is not argv:
        try:
            rss = int(rss_file.read_text().split()[-1])
        except (OSError, ValueError, IndexError):
            pass
    return Sample(cpu, wall, rss, proc.returncode)


def tail(log: Path, lines: int = 15) -> str:
    try:
        text = log.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])
