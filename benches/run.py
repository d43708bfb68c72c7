"""Overhead benchmark driver: every workload under every tool, round-robin.

    python benches/run.py --pythons PY312,PY313 [--reps N] [--quick] [--only a,b]

(`bash benches/run.sh` makes the virtualenvs and calls this.) For each
interpreter, each repetition runs every workload under every tool in turn, so
slow drifts of a shared machine spread over all tools instead of favouring
one. Medians of wall time and of peak RSS are written to benches/RESULTS.md
and benches/overhead.png, and the raw samples to benches/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from measure import Sample, run_once, tail
from report import Results, write_outputs
from tools import TOOLS, Tool
from workloads import Workload, all_workloads, clean_env

HERE = Path(__file__).resolve().parent


def python_version(python: str) -> str:
    out = subprocess.run(
        [python, "-c", "import sys; print(sys.version.split()[0])"],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def measure(
    python: str, workload: Workload, tool: Tool, scratch: Path, verbose: bool, primed: bool
) -> Sample:
    """One timed run; a warm workload not `primed` by the run just before gets an untimed one."""
    data = scratch / f"{tool.name}.data"
    argv = tool.command(python, workload.program, workload.source, workload.omit, str(data))
    env = clean_env({**workload.env, **tool.env})
    log = scratch / "out.log"
    if workload.cache == "warm" and not primed:
        run_once(argv, workload.cwd, env, log)
    workload.prepare_run(python)
    sample = run_once(argv, workload.cwd, env, log)
    data.unlink(missing_ok=True)
    if sample.status != 0:
        print(f"  FAILED ({sample.status}): {' '.join(argv)}\n{tail(log)}", file=sys.stderr)
    elif verbose:
        print(
            f"  {workload.name:16} {tool.name:17} {sample.seconds:8.3f}s cpu"
            f" {sample.wall:8.3f}s wall",
            file=sys.stderr,
        )
    return sample


def groups(workloads: list[Workload]) -> list[list[Workload]]:
    """Workloads run back to back per tool: the cold and warm import, else one each."""
    out: list[list[Workload]] = []
    for w in workloads:
        if out and w.kind == "import" and out[-1][-1].kind == "import":
            out[-1].append(w)
        else:
            out.append([w])
    return out


def run_group(
    python: str,
    results: Results,
    group: list[Workload],
    tools: list[Tool],
    verbose: bool,
) -> None:
    with tempfile.TemporaryDirectory(prefix="rcov-bench-") as tmp:
        scratch = Path(tmp)
        if group[0].kind == "tests":
            # One untimed run first, so that the first tool measured does not
            # pay alone for compiling the package and its tests to .pyc.
            measure(python, group[0], TOOLS[0], scratch, False, True)
        for _ in range(group[0].rounds):
            for tool in tools:
                # A cold import run leaves the caches warm for the same tool, so
                # the warm run right after it needs no priming run.
                previous = ""
                for workload in group:
                    primed = previous == "cold"
                    sample = measure(python, workload, tool, scratch, verbose, primed)
                    results.add(workload.name, tool.name, sample)
                    previous = workload.cache


def merge(files: list[str], out: Path, args: argparse.Namespace) -> None:
    docs = [doc for f in files for doc in json.loads(Path(f).read_text())]
    merged = Results.merged(docs)
    write_outputs(
        merged, out, reps=args.reps, quick=args.quick, scale=args.scale, elapsed=0.0, merged=True
    )
    (out / "results.json").write_text(json.dumps([r.to_json() for r in merged]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pythons", help="comma-separated interpreters")
    parser.add_argument(
        "--merge",
        help="comma-separated results.json files of earlier runs: write their combined "
        "outputs instead of running anything",
    )
    parser.add_argument("--reps", type=int, default=5, help="repetitions (default 5)")
    parser.add_argument("--quick", action="store_true", help="small sizes, 1 repetition")
    parser.add_argument(
        "--only", help="comma-separated workload names or kinds (cpu, tests, import)"
    )
    parser.add_argument(
        "--scale", type=float, default=1.0, help="multiply the CPU programs' sizes (default 1)"
    )
    parser.add_argument("--tools", help="comma-separated tool names (default: all)")
    parser.add_argument(
        "--out", default=str(HERE), help="directory for RESULTS.md and overhead.png"
    )
    parser.add_argument(
        "--parallel",
        action="store_true",
        help="measure the interpreters at the same time (CPU time stays per process; "
        "for a machine too busy to do them one after the other)",
    )
    parser.add_argument(
        "--no-chart",
        action="store_true",
        help="write no overhead.png (an interpreter without matplotlib: 3.14/3.15 in the "
        "sid root, whose results are merged and charted on the host)",
    )
    parser.add_argument(
        "--launcher",
        default="bash benches/run.sh",
        help="the command to name in RESULTS.md as the one that took the run",
    )
    parser.add_argument(
        "--commit", help="the rcov commit measured (default: this checkout's, from git)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="print every sample")
    args = parser.parse_args()

    reps = 1 if args.quick and args.reps == 5 else args.reps
    only = set(args.only.split(",")) if args.only else None
    tools = [t for t in TOOLS if not args.tools or t.name in args.tools.split(",")]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.merge:
        merge(args.merge.split(","), out, args)
        return
    if not args.pythons:
        parser.error("--pythons is required")
    started = time.time()
    plan = []
    for py in (os.path.abspath(p) for p in args.pythons.split(",")):
        workloads = all_workloads(args.quick, args.scale, py, only)
        names = [w.name for w in workloads]
        plan.append((py, workloads, Results(python_version(py), names, [t.name for t in tools])))
    # Repetitions outermost, then workloads, then interpreters, and the
    # outputs rewritten after each step: a run cut short still leaves tables
    # in which both interpreters have the same workloads.
    for rep in range(reps):
        for index in range(len(groups(plan[0][1]))):
            steps = [(py, results, groups(workloads)[index]) for py, workloads, results in plan]
            for _, results, group in steps:
                label = ", ".join(w.name for w in group)
                print(
                    f"== Python {results.version}: repetition {rep + 1}, {label}", file=sys.stderr
                )
            if args.parallel:
                # One interpreter per thread: each runs its own child processes,
                # whose CPU time os.wait4 still measures alone.
                with ThreadPoolExecutor(len(steps)) as pool:
                    done = [pool.submit(run_group, *step, tools, args.verbose) for step in steps]
                    for future in done:
                        future.result()
            else:
                for step in steps:
                    run_group(*step, tools, args.verbose)
            all_results = [r for _, _, r in plan]
            elapsed = time.time() - started
            write_outputs(
                all_results,
                out,
                reps=rep + 1,
                quick=args.quick,
                scale=args.scale,
                elapsed=elapsed,
                chart=not args.no_chart,
                launcher=args.launcher,
                commit=args.commit,
            )
            (out / "results.json").write_text(json.dumps([r.to_json() for r in all_results]))
    print(f"wrote the results in {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
