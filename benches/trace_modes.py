"""What rcov's opt-in recording modes cost, next to its default mode.

    python benches/trace_modes.py --pythons PY[,PY...] [--labels A,B] [--only richards,nbody]
                                  [--reps 5] [--scale 0.5]

Runs CPU workloads of `workloads.py` with no coverage, `rcov` line and
branch (the default mode: every line, probe and function recorded once), and
`rcov --count` and `rcov --trackcalls` (line mode), round-robin over tools and
interpreters within each repetition, and prints the median CPU time of each
and its ratio to the run without coverage. Give two interpreters with rcov
builds of two commits (`--labels before,after`) to compare the default mode
across a change: the `none` column tells the machine's noise.

The interpreters need only rcov installed (no matplotlib: nothing is drawn).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from measure import run_once
from tools import RCOV_MODES, TOOLS
from workloads import clean_env, cpu_workloads

DEFAULT_MODE = [t for t in TOOLS if t.name in ("none", "rcov-line", "rcov-branch")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pythons", required=True, help="comma-separated interpreters")
    parser.add_argument("--labels", help="comma-separated names for the interpreters")
    parser.add_argument("--only", default="richards,nbody", help="CPU workload names")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--scale", type=float, default=0.5)
    parser.add_argument(
        "--modes-on",
        type=int,
        default=-1,
        help="index of the interpreter that also runs --count/--trackcalls (default: the last)",
    )
    args = parser.parse_args()
    pythons = args.pythons.split(",")
    labels = args.labels.split(",") if args.labels else pythons
    only = set(args.only.split(","))
    workloads = [w for w in cpu_workloads(False, args.scale) if w.name in only]
    modes_on = pythons[args.modes_on]
    plan = [(py, label, tool) for py, label in zip(pythons, labels) for tool in DEFAULT_MODE]
    plan += [(modes_on, labels[pythons.index(modes_on)], tool) for tool in RCOV_MODES]
    times: dict[tuple[str, str, str], list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="rcov-modes-") as tmp:
        scratch = Path(tmp)
        for rep in range(args.reps):
            print(f"== repetition {rep + 1}", file=sys.stderr)
            for workload in workloads:
                for py, label, tool in plan:
                    data = scratch / "data"
                    argv = tool.command(py, workload.program, workload.source, [], str(data))
                    sample = run_once(argv, workload.cwd, clean_env(tool.env), scratch / "log")
                    if sample.status != 0:
                        sys.exit(f"failed: {' '.join(argv)}\n{(scratch / 'log').read_text()}")
                    times.setdefault((workload.name, label, tool.name), []).append(sample.seconds)
    print(f"median CPU seconds of {args.reps} runs (ratio to no coverage), scale {args.scale:g}")
    for workload in workloads:
        for py, label, tool in plan:
            median = statistics.median(times[(workload.name, label, tool.name)])
            base = statistics.median(times[(workload.name, label, "none")])
            print(
                f"{workload.name:10} {label:10} {tool.name:16} {median:7.3f}s  x{median / base:.2f}"
            )


if __name__ == "__main__":
    main()
