"""Overhead of per-test contexts: rcov's `--rcov-context=test` and
coverage.py's `dynamic_context = test_function`, against the same tool
without contexts, on real test suites.

    python benches/contexts.py [--reps N] [--suites toolz,boltons] [--write]

Run it with an interpreter that has rcov, coverage.py and pytest installed
(the test virtualenv, `.venv-test312`). Each suite's sdist is downloaded and
unpacked as `benches/run.sh` does (benches/.cache); every mode runs the
suite with branch coverage and `--source` on the package, in turn
(round-robin), `--reps` times; the number is the median CPU time (user +
system) of the pytest process. `--write` puts the table into the "Contexts"
section of RESULTS.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from measure import run_once, tail
from workloads import TEST_SUITES, clean_env, unpack

HERE = Path(__file__).resolve().parent
SECTION = "## Contexts"
MODES = ["rcov", "rcov + contexts", "coverage.py", "coverage.py + contexts"]


def command(mode: str, package: str, tests: list[str], scratch: Path) -> list[str]:
    pytest = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", *tests]
    if mode.startswith("rcov"):
        rc = scratch / "rcov-rc"
        rc.write_text(f"[run]\ndata_file = {scratch / 'rcov.coverage'}\n", encoding="utf-8")
        args = [f"--rcov={package}", "--rcov-branch", f"--rcov-config={rc}"]
        if mode.endswith("contexts"):
            args.append("--rcov-context=test")
        return [sys.executable, *pytest, *args]
    rc = scratch / ("cov-ctx-rc" if mode.endswith("contexts") else "cov-rc")
    rc.write_text(
        "[run]\nbranch = true\n"
        + ("dynamic_context = test_function\n" if mode.endswith("contexts") else ""),
        encoding="utf-8",
    )
    return [
        sys.executable,
        *("-m", "coverage", "run", f"--rcfile={rc}", f"--source={package}"),
        f"--data-file={scratch / 'cov.coverage'}",
        *pytest,
    ]


def measure(suites: list[str], reps: int) -> dict[str, dict[str, float]]:
    results: dict[str, dict[str, float]] = {}
    for suite in suites:
        requirement, package, tests, _omit = TEST_SUITES[suite]
        root = unpack(requirement, sys.executable)
        samples: dict[str, list[float]] = {mode: [] for mode in MODES}
        with tempfile.TemporaryDirectory() as tmp:
            scratch = Path(tmp)
            for rep in range(reps + 1):  # the first round warms up, untimed
                for mode in MODES:
                    argv = command(mode, package, tests, scratch)
                    log = scratch / "log.txt"
                    sample = run_once(argv, root, clean_env({}), log)
                    if sample.status != 0:
                        raise SystemExit(f"{suite} under {mode} failed:\n{tail(log)}")
                    if rep:
                        samples[mode].append(sample.seconds)
        results[suite] = {mode: statistics.median(values) for mode, values in samples.items()}
    return results


def table(results: dict[str, dict[str, float]], reps: int) -> str:
    version = sys.version.split()[0]
    lines = [
        (
            f"Python {version}, median CPU seconds of {reps} runs (branch coverage, `--source` "
            "on the package); the overhead of contexts is against the same tool without them."
        ),
        "",
        (
            "| suite | rcov | rcov + contexts | overhead "
            "| coverage.py | coverage.py + contexts | overhead |"
        ),
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for suite, by_mode in results.items():
        rcov, rcov_ctx = by_mode["rcov"], by_mode["rcov + contexts"]
        cov, cov_ctx = by_mode["coverage.py"], by_mode["coverage.py + contexts"]
        lines.append(
            f"| {suite} | {rcov:.2f} | {rcov_ctx:.2f} | {rcov_ctx / rcov - 1:+.0%} "
            f"| {cov:.2f} | {cov_ctx:.2f} | {cov_ctx / cov - 1:+.0%} |"
        )
    return "\n".join(lines) + "\n"


def write_section(text: str) -> None:
    path = HERE / "RESULTS.md"
    results = path.read_text(encoding="utf-8")
    section = (
        f"{SECTION}\n\nPer-test contexts (`pytest --rcov-context=test`, coverage.py's "
        "`dynamic_context = test_function`), measured by `benches/contexts.py`:\n\n" + text
    )
    start = results.find(SECTION)
    if start < 0:
        anchor = results.find("## How these numbers were taken")
        results = results[:anchor] + section + "\n" + results[anchor:]
    else:
        end = results.find("\n## ", start + len(SECTION))
        results = results[:start] + section + (results[end + 1 :] if end >= 0 else "")
    path.write_text(results, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--suites", default="toolz,boltons")
    parser.add_argument("--write", action="store_true", help="update RESULTS.md")
    args = parser.parse_args()
    results = measure(args.suites.split(","), args.reps)
    text = table(results, args.reps)
    print(text)
    if args.write:
        write_section(text)


if __name__ == "__main__":
    main()
