"""What monitoring a code object costs it for good, on the running interpreter.

    python benches/superinstructions.py [--reps N]

CPython 3.12 quickens a new code object into superinstructions
(`LOAD_FAST__LOAD_FAST`, `STORE_FAST__LOAD_FAST`, ...) once, when it is
created. Setting any `sys.monitoring` event on it splits them again
(`_Py_Instrument`), and nothing joins them after the events are off: every
sys.monitoring tool leaves the code objects it measured slower on 3.12.
3.13 makes its superinstructions when it compiles, and keeps them.

A float loop of local variables is timed four ways, each on a fresh copy of
its code object (`code.replace()`):
- `plain`: never monitored;
- `other armed`: another function has LINE events (monitoring is active);
- `armed, disabled`: its own LINE events on, each site disabled by the
  callback at its first report (what a coverage tool leaves);
- `armed, then off`: its LINE events set, reported once, then turned off
  (what rcov does when a code object has reported every line).
Prints the best time of each, and the superinstructions its warmed-up code
holds (`dis` with `adaptive=True`).
"""

from __future__ import annotations

import argparse
import dis
import sys
import time
from collections.abc import Callable

TOOL = 4
EVENTS = sys.monitoring.events


def advance(pairs: list[tuple[list[float], list[float]]], dt: float, steps: int) -> int:
    for _ in range(steps):
        for a, b in pairs:
            dx = a[0] - b[0]
            dy = a[1] - b[1]
            d2 = dx * dx + dy * dy
            mag = dt / (d2 * d2**0.5)
            a[2] -= dx * mag
            b[2] += dx * mag
    return 1


def other() -> int:
    return 1


def bodies() -> list[tuple[list[float], list[float]]]:
    return [([1.0, 2.0, 0.0], [3.0, 5.0, 0.0]) for _ in range(10)]


def best_time(reps: int) -> float:
    best = float("inf")
    for _ in range(reps):
        start = time.perf_counter()
        advance(bodies(), 0.01, 10_000)
        best = min(best, time.perf_counter() - start)
    return best


def superinstructions() -> int:
    """Instructions that do two loads or stores (3.12's `LOAD_FAST__LOAD_CONST`,
    3.13's `STORE_FAST_LOAD_FAST`, ...)."""
    found = dis.get_instructions(advance.__code__, adaptive=True)
    return sum(ins.opname.count("FAST") + ins.opname.count("CONST") >= 2 for ins in found)


def arm_then_off() -> None:
    sys.monitoring.set_local_events(TOOL, advance.__code__, EVENTS.LINE)
    advance(bodies(), 0.01, 1)
    sys.monitoring.set_local_events(TOOL, advance.__code__, 0)


SETUPS: dict[str, Callable[[], object]] = {
    "plain": lambda: None,
    "other armed": lambda: sys.monitoring.set_local_events(TOOL, other.__code__, EVENTS.LINE),
    "armed, disabled": lambda: sys.monitoring.set_local_events(TOOL, advance.__code__, EVENTS.LINE),
    "armed, then off": arm_then_off,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=7, help="timed calls per round (best kept)")
    args = parser.parse_args()
    sys.monitoring.use_tool_id(TOOL, "superinstructions")
    sys.monitoring.register_callback(TOOL, EVENTS.LINE, lambda code, line: sys.monitoring.DISABLE)
    times: dict[str, list[float]] = {name: [] for name in SETUPS}
    kept: dict[str, int] = {}
    for _ in range(3):  # rounds, alternating the setups
        for name, setup in SETUPS.items():
            advance.__code__ = advance.__code__.replace()
            sys.monitoring.set_local_events(TOOL, other.__code__, 0)
            setup()
            times[name].append(best_time(args.reps))
            kept[name] = superinstructions()
    sys.monitoring.free_tool_id(TOOL)
    base = min(times["plain"])
    print(f"Python {sys.version.split()[0]}")
    for name, samples in times.items():
        best = min(samples)
        print(
            f"{name:16} {best * 1e3:7.2f} ms  {best / base:5.3f}x  superinstructions {kept[name]}"
        )


if __name__ == "__main__":
    main()
