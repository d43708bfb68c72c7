"""Rewriter speed over the whole standard library of the running interpreter.

    python benches/rewriter.py [--out benches] [--passes N]

For every .py file of the standard library (tests included, site-packages
not) that CPython compiles and rcov can instrument, CPU time (process_time,
so a busy machine does not inflate it) of:

- `rcov._rcov.rewrite`: parse + analysis + rewrite to text with probes;
- `Collector(branch=True).compile`: rewrite + CPython compile + line-table
  remap + the hits map (the analysis that turns hits into lines and arcs,
  made from the rewrite's parse; until 2026-11-30 a run without a cache
  made it at exit, so this figure left it out) + registration, end to end,
  as the import hook does it;
- `Collector(branch=False).compile`: line mode (no probes to insert);
- `rcov._rcov.FileAnalysis`: the static analysis the report needs;
- plain `compile(source, path, "exec")`, the baseline an import pays anyway.

Each is the best of `--passes` passes over all files. Results go to
rewriter.json (one entry per interpreter, merged with earlier runs of other
versions) and into the "Rewriter speed" section of RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import sysconfig
import time
from collections.abc import Callable
from pathlib import Path

from rcov import _rcov

HERE = Path(__file__).resolve().parent
SECTION = "## Rewriter speed"


def stdlib_sources() -> list[tuple[str, str]]:
    root = Path(sysconfig.get_paths()["stdlib"])
    out = []
    for path in sorted(root.rglob("*.py")):
        if "site-packages" in path.parts:
            continue
        try:
            text = path.read_bytes().decode("utf-8")
            compile(text, str(path), "exec", dont_inherit=True)
            _rcov.rewrite(text, sys.version_info[:2])
        except (SyntaxError, ValueError, UnicodeDecodeError, _rcov.InstrumentError):
            continue  # test data that is not valid Python, or not for this version
        out.append((str(path), text))
    return out


def best_time(
    files: list[tuple[str, str]], step: Callable[[str, str], object], passes: int
) -> float:
    best = float("inf")
    for _ in range(passes):
        total = 0.0
        for path, text in files:
            start = time.process_time()
            step(text, path)
            total += time.process_time() - start
        best = min(best, total)
    return best


def measure(passes: int, limit: int | None) -> dict[str, object]:
    files = stdlib_sources()[:limit]
    size = sum(len(text.encode()) for _, text in files)
    version = sys.version_info[:2]
    # A collector per pass would be fairer to memory; one per step is enough
    # for speed: registration cost does not depend on how many came before.
    steps: dict[str, Callable[[str, str], object]] = {
        "rewrite": lambda text, path: _rcov.rewrite(text, version),
        "compile_branch": _rcov.Collector(branch=True).compile,
        "compile_line": _rcov.Collector(branch=False).compile,
        "analysis": lambda text, path: _rcov.FileAnalysis(text, path, [], []),
        "compile": lambda text, path: compile(text, path, "exec", dont_inherit=True),
    }
    seconds = {name: best_time(files, step, passes) for name, step in steps.items()}
    return {
        "python": sys.version.split()[0],
        "files": len(files),
        "megabytes": size / 1e6,
        "seconds": seconds,
        "passes": passes,
    }


def markdown(entries: list[dict[str, object]]) -> list[str]:
    lines = [
        (
            "CPU time over every standard-library file that rcov instruments "
            "(`python benches/rewriter.py`; best of the passes shown)."
        ),
        "",
        (
            "| Python | files | MB | rewrite MB/s | instrument+compile+remap (branch) | "
            "same, line mode | plain compile() | branch compile / plain | FileAnalysis MB/s |"
        ),
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for e in entries:
        mb = float(e["megabytes"])  # type: ignore[arg-type]
        s: dict[str, float] = e["seconds"]  # type: ignore[assignment]
        lines.append(
            f"| {e['python']} | {e['files']} | {mb:.1f} | {mb / s['rewrite']:.1f} "
            f"| {s['compile_branch']:.2f} s ({mb / s['compile_branch']:.1f} MB/s) "
            f"| {s['compile_line']:.2f} s | {s['compile']:.2f} s ({mb / s['compile']:.1f} MB/s) "
            f"| {s['compile_branch'] / s['compile']:.2f}x | {mb / s['analysis']:.1f} |"
        )
    return lines


def update_results(out: Path, lines: list[str]) -> None:
    results = out / "RESULTS.md"
    if not results.exists():
        return
    text = results.read_text()
    if SECTION in text:
        text = text[: text.index(SECTION)].rstrip("\n") + "\n"
    results.write_text(text + "\n" + "\n".join([SECTION, "", *lines, ""]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(HERE))
    parser.add_argument("--passes", type=int, default=2)
    parser.add_argument("--limit", type=int, help="only the first N files (a quick check)")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    entry = measure(args.passes, args.limit)
    store = out / "rewriter.json"
    entries: list[dict[str, object]] = []
    if store.exists():
        entries = [
            e for e in json.loads(store.read_text())["entries"] if e["python"] != entry["python"]
        ]
    entries = sorted([*entries, entry], key=lambda e: str(e["python"]))
    lines = markdown(entries)
    store.write_text(json.dumps({"entries": entries, "markdown": lines}, indent=1))
    update_results(out, lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
