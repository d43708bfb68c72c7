"""Medians, overhead ratios and the outputs: RESULTS.md and overhead.png."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from measure import Sample
from tools import TOOLS

HERE = Path(__file__).resolve().parent
LABELS = {t.name: t.label for t in TOOLS}
SHORT = {
    "rcov-line": "rcov line",
    "rcov-branch": "rcov branch",
    "coverage-line": "cov line",
    "coverage-sysmon": "cov sysmon",
    "coverage-branch": "cov branch",
    "slipcover-line": "slip line",
    "slipcover-branch": "slip branch",
}


@dataclass
class Results:
    """All samples for one interpreter: (workload, tool) -> samples."""

    version: str
    workloads: list[str]
    tools: list[str]
    samples: dict[tuple[str, str], list[Sample]] = field(default_factory=dict)
    # How and when the samples were taken (`run_record`), so that a merged
    # RESULTS.md can say it of each interpreter; "" for older results.json.
    taken: str = ""

    def add(self, workload: str, tool: str, sample: Sample) -> None:
        self.samples.setdefault((workload, tool), []).append(sample)

    def ok(self, workload: str, tool: str) -> list[Sample]:
        return [s for s in self.samples.get((workload, tool), []) if s.status == 0]

    def seconds(self, workload: str, tool: str) -> float | None:
        good = self.ok(workload, tool)
        return statistics.median(s.seconds for s in good) if good else None

    def wall(self, workload: str, tool: str) -> float | None:
        good = self.ok(workload, tool)
        return statistics.median(s.wall for s in good) if good else None

    def rss_mib(self, workload: str, tool: str) -> float | None:
        good = self.ok(workload, tool)
        return statistics.median(s.max_rss_kib for s in good) / 1024 if good else None

    def ratio(self, workload: str, tool: str) -> float | None:
        """`tool`'s CPU time over no coverage's (see `paired_ratio`)."""
        return self.paired_ratio(workload, tool, "none")

    def paired_ratio(self, workload: str, tool: str, other: str) -> float | None:
        """`tool`'s CPU time over `other`'s: the median of the ratios within
        each round. The tools of a round run back to back, so when the shared
        machine changes speed between rounds (it has run at half speed for
        minutes at a time), both sides of a round's ratio change alike, where
        a ratio of medians can take its two medians from different speeds.
        The ratio of the medians when the rounds do not pair up."""
        mine, theirs = (
            self.samples.get((workload, tool), []),
            self.samples.get((workload, other), []),
        )
        if mine and len(mine) == len(theirs):
            ratios = [
                m.seconds / t.seconds
                for m, t in zip(mine, theirs)
                if m.status == 0 and t.status == 0 and t.seconds > 0
            ]
            if ratios:
                return statistics.median(ratios)
        m, t = self.seconds(workload, tool), self.seconds(workload, other)
        return m / t if m is not None and t else None

    def rss_ratio(self, workload: str, tool: str) -> float | None:
        base, t = self.rss_mib(workload, "none"), self.rss_mib(workload, tool)
        return t / base if base and t else None

    def median_ratio(self, tool: str) -> float | None:
        found = [r for w in self.workloads if (r := self.ratio(w, tool)) is not None]
        return statistics.median(found) if found else None

    @classmethod
    def merged(cls, documents: list[dict[str, Any]]) -> list[Results]:
        """Results rebuilt from results.json documents of several runs, by
        version. A later document of a version replaces an earlier one: each
        version's results come from one run, and merging a merged
        results.json again counts no sample twice."""
        latest = {doc["version"]: doc for doc in documents}
        by_version: dict[str, Results] = {}
        for version, doc in latest.items():
            res = by_version[version] = cls(version, [], [])
            res.taken = doc.get("taken", "")
            for row in doc["samples"]:
                if row["workload"] not in res.workloads:
                    res.workloads.append(row["workload"])
                if row["tool"] not in res.tools:
                    res.tools.append(row["tool"])
                sample = Sample(row["seconds"], row["wall"], row["max_rss_kib"], row["status"])
                res.add(row["workload"], row["tool"], sample)
        order = [t.name for t in TOOLS]
        for res in by_version.values():
            res.tools.sort(key=order.index)
        return sorted(by_version.values(), key=lambda r: r.version)

    def to_json(self) -> dict[str, object]:
        return {
            "version": self.version,
            "taken": self.taken,
            "samples": [
                {
                    "workload": w,
                    "tool": t,
                    "seconds": s.seconds,
                    "wall": s.wall,
                    "max_rss_kib": s.max_rss_kib,
                    "status": s.status,
                }
                for (w, t), samples in self.samples.items()
                for s in samples
            ],
        }


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def fmt(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines + [""]


def python_section(full: Results) -> list[str]:
    done = [w for w in full.workloads if any(full.ok(w, t) for t in full.tools if t != "none")]
    res = Results(full.version, done, full.tools, full.samples)
    measured = [t for t in res.tools if t != "none"]
    counts = [len(res.ok(w, t)) for w in res.workloads for t in res.tools]
    out = [f"## Python {res.version}", ""]
    if counts:
        reps = f"{min(counts)}" if min(counts) == max(counts) else f"{min(counts)} to {max(counts)}"
        out += [f"Samples per cell: {reps}.", ""]
    out += ["Median CPU time (user + system) of the measured process, seconds:", ""]
    out += table(
        ["workload", *(LABELS[t] for t in res.tools)],
        [[w, *(fmt(res.seconds(w, t), ".3f") for t in res.tools)] for w in res.workloads],
    )
    paired = (
        "Overhead: CPU time / CPU time without coverage in the same round, median over the"
        " rounds (1.00 = none; see `Results.paired_ratio` in benches/report.py):"
    )
    out += [paired, ""]
    rows = [[w, *(fmt(res.ratio(w, t), ".2f") for t in measured)] for w in res.workloads]
    rows.append(["**median over workloads**", *(fmt(res.median_ratio(t), ".2f") for t in measured)])
    out += table(["workload", *(LABELS[t] for t in measured)], rows)
    out += ["Median wall time, seconds (machine shared, so noisier than CPU time):", ""]
    out += table(
        ["workload", *(LABELS[t] for t in res.tools)],
        [[w, *(fmt(res.wall(w, t), ".2f") for t in res.tools)] for w in res.workloads],
    )
    out += ["Peak RSS, median MiB (and ratio to no coverage):", ""]
    rss_rows = []
    for w in res.workloads:
        cells = [fmt(res.rss_mib(w, "none"), ".0f")]
        for t in measured:
            mib, ratio = res.rss_mib(w, t), res.rss_ratio(w, t)
            cells.append(f"{fmt(mib, '.0f')} ({fmt(ratio, '.2f')})")
        rss_rows.append([w, *cells])
    out += table(["workload", *(LABELS[t] for t in res.tools)], rss_rows)
    out += targets(res)
    failed = [(w, t) for (w, t), s in res.samples.items() if any(x.status != 0 for x in s)]
    if failed:
        out += ["Runs that failed (left out of the medians): "]
        out += [", ".join(f"{w} under {t}" for w, t in failed), ""]
    return out


def targets(res: Results) -> list[str]:
    """The issue's targets, checked against these numbers."""
    out = ["Targets (issue 4):", ""]
    ratios = {w: res.ratio(w, "rcov-branch") for w in res.workloads}
    known = {w: r for w, r in ratios.items() if r is not None}
    if not known:
        return []
    med = statistics.median(known.values())
    worst = max(known, key=lambda w: known[w])
    out.append(
        f"- rcov branch overhead, median over workloads: {100 * (med - 1):+.1f}% "
        f"(target ≤ +3%: {'met' if med <= 1.03 else 'missed'})"
    )
    out.append(
        f"- worst workload: {worst} {100 * (known[worst] - 1):+.1f}% "
        f"(target ≤ +10% everywhere: {'met' if known[worst] <= 1.10 else 'missed'})"
    )
    for mode in ("line", "branch"):
        if f"slipcover-{mode}" not in res.tools:
            out.append(f"- rcov {mode} vs SlipCover {mode}: SlipCover not measured")
            continue
        slower = []
        for w in res.workloads:
            ratio = res.paired_ratio(w, f"rcov-{mode}", f"slipcover-{mode}")
            if ratio is not None and ratio >= 1:
                slower.append(f"{w} ({ratio:.2f}x)")
        verdict = "faster everywhere" if not slower else "not faster on " + ", ".join(slower)
        out.append(f"- rcov {mode} vs SlipCover {mode}: {verdict}")
    vs_cov = [
        f"{w} {fmt(res.paired_ratio(w, 'rcov-branch', 'coverage-branch'), '.2f')}"
        for w in res.workloads
    ]
    out.append("- rcov branch time / coverage.py branch time: " + ", ".join(vs_cov))
    return out + [""]


def rewriter_section(path: Path) -> list[str]:
    if not path.exists():
        return []
    return ["## Rewriter speed", "", *json.loads(path.read_text())["markdown"], ""]


def run_record(*, reps: int, quick: bool, scale: float, launcher: str, commit: str | None) -> str:
    """The command, time, repetitions and rcov commit of a run, in one line
    (`commit` None: this checkout's, from git)."""
    options = (
        f"{' --quick' if quick else ''}"
        f"{f' --reps {reps}' if not quick and reps != 5 else ''}"
        f"{f' --scale {scale:g}' if scale != 1.0 else ''}"
    )
    date = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    if commit is None:
        try:
            commit = subprocess.run(
                ["git", "-C", str(HERE), "describe", "--always", "--dirty"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            commit = "unknown"
    plural = "s" if reps != 1 else ""
    return f"`{launcher}{options}`, {date}, {reps} repetition{plural}, rcov {commit}"


def write_outputs(
    all_results: list[Results],
    out: Path,
    *,
    reps: int,
    quick: bool,
    scale: float,
    elapsed: float,
    chart: bool = True,
    merged: bool = False,
    launcher: str = "bash benches/run.sh",
    commit: str | None = None,
) -> None:
    date = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    if merged:
        sources = "; ".join(
            f"Python {res.version}: {res.taken or 'an earlier run (not recorded)'}"
            for res in all_results
        )
        taken = (
            f"Merged {date} by `benches/run.py --merge` from runs of `bash benches/run.sh` "
            f"and `bash benches/run_sid.sh` (3.14 and later, in the Debian sid root), "
            f"round-robin over tools. {sources}."
        )
    else:
        record = run_record(reps=reps, quick=quick, scale=scale, launcher=launcher, commit=commit)
        for res in all_results:
            res.taken = record
        taken = f"Taken by {record} ({elapsed / 60:.0f} min in all)."
    lines = [
        "# rcov overhead benchmark",
        "",
        taken,
        (
            f"Machine: {os.cpu_count()} CPUs, {cpu_model()}, {platform.system()} "
            f"{platform.release()}; shared with other work while it ran (see the notes "
            "on noise at the end, if any)."
        ),
        "Tools: coverage.py 7.17.3, SlipCover 1.1.0, rcov from this checkout (release build).",
        "Every tool is given the workload's own source with `--source` (and the same `--omit`).",
        (
            "Since 2026-11-29 16:05 UTC the test suites and imports, which take 0.2-1.5 s "
            "without coverage, are sampled three times per repetition (three round-robin "
            "passes over the tools) and the CPU programs once; each section says how many "
            "samples its cells hold."
        ),
        "",
    ]
    if scale != 1.0 and not quick:
        lines += [
            f"CPU programs run at {scale:g} times their default size (`--scale {scale:g}`).",
            "",
        ]
    if quick:
        lines += ["**Quick mode: small sizes, for checking the harness only.**", ""]
    for res in all_results:
        lines += python_section(res)
    lines += rewriter_section(out / "rewriter.json")
    notes = HERE / "analysis.md"
    if notes.exists():
        lines += ["", notes.read_text()]
    (out / "RESULTS.md").write_text("\n".join(lines))
    if chart:
        plot(all_results, out / "overhead.png")


TICKS = [1.0, 1.1, 1.25, 1.5, 2.0, 3.0, 5.0, 10.0, 20.0, 50.0]


def top(res: Results) -> float:
    found = [r for w in res.workloads for t in res.tools if (r := res.ratio(w, t)) is not None]
    return max(found, default=1.0)


def plot(all_results: list[Results], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(all_results), 1, figsize=(14, 5 * len(all_results)), squeeze=False)
    for ax, res in zip(axes[:, 0], all_results):
        measured = [t for t in res.tools if t != "none"]
        width = 0.8 / max(1, len(measured))
        for i, tool in enumerate(measured):
            xs = [j + (i - (len(measured) - 1) / 2) * width for j in range(len(res.workloads))]
            ys = [(res.ratio(w, tool) or float("nan")) for w in res.workloads]
            # Bars grow from 1.0 (no overhead), down for the rare faster run.
            ax.bar(xs, [y - 1 for y in ys], width, bottom=1.0, label=SHORT.get(tool, tool))
        ax.axhline(1.0, color="black", linewidth=0.8)
        ax.axhline(1.1, color="grey", linewidth=0.6, linestyle="--")
        ax.axhline(1.03, color="grey", linewidth=0.6, linestyle=":")
        ax.set_yscale("log")
        ticks = [t for t in TICKS if t <= max(2.0, top(res)) * 1.2]
        ax.set_yticks(ticks, [f"{100 * (t - 1):+.0f}%" for t in ticks])
        ax.minorticks_off()
        ax.set_ylim(0.85, max(2.0, top(res)) * 1.2)
        ax.set_ylabel("CPU time overhead vs no coverage (log scale)")
        ax.set_xticks(range(len(res.workloads)), res.workloads, rotation=30, ha="right")
        ax.set_title(
            f"Coverage overhead per workload, Python {res.version} (dotted: +3%, dashed: +10%)"
        )
        ax.legend(ncol=4, fontsize=8)
        ax.grid(axis="y", which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
