"""What a same-line jump target costs while its code object stays armed.

    python benches/quiet_targets.py [--reps N]

A function with a conditional expression, an `or` and a line that never runs
(so its code object keeps LINE events on, as in a real program) is timed
three ways on the running interpreter:
- `none`: no monitoring;
- `plain`: compiled by CPython, LINE events on with a callback that returns
  DISABLE (what any LINE-based tool gets, and what rcov got before it made
  jump targets quiet);
- `quiet`: the same, compiled by rcov in line mode (`runtime/src/quiet_targets.rs`).
Prints the best time of each and the INSTRUMENTED_LINE sites left after a
warm-up (only the line that never runs should stay in `quiet`).
"""

from __future__ import annotations

import argparse
import dis
import sys
import time
from types import CodeType

from rcov import _rcov

SOURCE = """\
def work(n, task):
    total = 0
    for _ in range(n):
        packet = task.take() if task.waiting or task.pending else None
        size = packet if packet else 0
        total += size
        if total < 0:
            print("never")
    return total
"""


class Task:
    waiting = False
    pending = True

    def take(self) -> int:
        return 1


def armed_lines(code: CodeType) -> list[int | None]:
    marker = dis.opmap["INSTRUMENTED_LINE"]
    raw = code._co_code_adaptive  # type: ignore[attr-defined]
    return [
        ins.positions.lineno if ins.positions else None
        for ins in dis.get_instructions(code)
        if raw[ins.offset] == marker
    ]


def measure(module: CodeType, monitor: bool, reps: int) -> tuple[float, list[int | None]]:
    namespace: dict[str, object] = {}
    exec(module, namespace)  # noqa: S102 - the measured function
    work = namespace["work"]
    code = work.__code__  # type: ignore[attr-defined]
    mon = sys.monitoring
    tool = mon.PROFILER_ID
    if monitor:
        mon.use_tool_id(tool, "quiet-targets bench")
        mon.register_callback(tool, mon.events.LINE, lambda code, line: mon.DISABLE)
        mon.set_local_events(tool, code, mon.events.LINE)
    try:
        work(10, Task())  # type: ignore[operator]
        left = armed_lines(code)
        best = float("inf")
        for _ in range(reps):
            started = time.perf_counter()
            work(1_000_000, Task())  # type: ignore[operator]
            best = min(best, time.perf_counter() - started)
    finally:
        if monitor:
            mon.set_local_events(tool, code, 0)
            mon.register_callback(tool, mon.events.LINE, None)
            mon.free_tool_id(tool)
    return best, left


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=7)
    args = parser.parse_args()
    plain = compile(SOURCE, "quiet_targets_work.py", "exec", dont_inherit=True)
    quiet = _rcov.Collector(branch=False).compile(SOURCE, "quiet_targets_work.py")
    print(f"Python {sys.version.split()[0]}, best of {args.reps}, 1,000,000 iterations")
    for name, module, monitor in [
        ("none", plain, False),
        ("plain", plain, True),
        ("quiet", quiet, True),
    ]:
        best, left = measure(module, monitor, args.reps)
        print(f"{name:6} {best:.3f} s  armed sites left on lines {left}")


if __name__ == "__main__":
    main()
