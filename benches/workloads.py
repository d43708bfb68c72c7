"""The workloads: CPU-bound programs, real test suites, an import storm.

CPU programs live in benches/workloads/<name>/ and take one size argument.
Test suites and the import workload use source distributions downloaded from
PyPI with pip at bench time (pinned versions, cached in benches/.cache), run
from their unpacked source so each tool measures that source and nothing
else.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

from tools import Program

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"


@dataclass
class Workload:
    name: str
    kind: str  # "cpu", "tests" or "import"
    program: Program
    cwd: Path
    source: list[str]
    omit: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    # "cold": bytecode caches (and rcov's instrumented-code cache, which
    # `env` points at RCOV_CACHE_DIR) removed before every timed run; "warm":
    # one untimed run of the same tool first.
    cache: str = ""
    sdist: str = ""  # "name==version" to download and unpack before running
    # Samples per tool per repetition, taken round-robin over the tools. The
    # suites and imports take 0.2-1.5 s without coverage, where a few ms of a
    # busy machine are several percent: they get more samples than the CPU
    # programs (2.3-2.7 s), whose every sample costs seconds per tool.
    rounds: int = 1

    def prepare_run(self, python: str) -> None:
        """Put the files in the state this workload measures."""
        if self.cache == "cold":
            for root in self.source:
                for pyc in Path(root).rglob("__pycache__"):
                    shutil.rmtree(pyc, ignore_errors=True)
            if "RCOV_CACHE_DIR" in self.env:
                shutil.rmtree(self.env["RCOV_CACHE_DIR"], ignore_errors=True)


# name: (full size, quick size, power); full sizes take 2.3-2.7 s of CPU
# without coverage on the machine the results were taken on (AMD EPYC, 3.12),
# as the performance issue asks (2-10 s). Time grows as size**power, so
# --scale divides time, not size.
CPU_SIZES: dict[str, tuple[int, int, int]] = {
    "richards": (72, 1, 1),
    "nbody": (840_000, 8_000, 1),
    "raytrace": (520, 40, 2),
    "fannkuch": (65, 1, 1),
    "spectral_norm": (700, 50, 2),
    "sudoku": (2_100, 15, 1),
    "chaos": (4_800_000, 40_000, 1),
}

# sdist, directory of the package inside it, pytest arguments, omit patterns.
TEST_SUITES: dict[str, tuple[str, str, list[str], list[str]]] = {
    "toolz": ("toolz==1.2.0", "toolz", ["toolz/tests"], ["*/tests/*"]),
    "boltons": ("boltons==26.2.0", "boltons", ["tests"], []),
    "docutils": ("docutils==0.23", "docutils", ["test/test_parsers"], []),
}
QUICK_TESTS: dict[str, list[str]] = {
    "toolz": ["toolz/tests/test_itertoolz.py"],
    "boltons": ["tests/test_iterutils.py"],
    "docutils": ["test/test_parsers/test_rst/test_tables.py"],
}
IMPORT_SDIST = "pygments==2.21.0"
# Samples per repetition of the suites and imports (Workload.rounds).
SHORT_ROUNDS = 3


def unpack(requirement: str, python: str) -> Path:
    """Download `name==version`'s sdist with pip (once) and unpack it in the cache."""
    name, version = requirement.split("==")
    downloads = CACHE / "sdist"
    downloads.mkdir(parents=True, exist_ok=True)
    stem = f"{name.replace('-', '_')}-{version}"
    # One copy per interpreter: bytecode caches are removed and rebuilt per run.
    unpacked = CACHE / "src" / Path(python).parent.parent.name
    target = unpacked / stem
    if target.is_dir():
        return target
    archive = downloads / f"{stem}.tar.gz"
    if not archive.exists():
        subprocess.run(
            [python, "-m", "pip", "download", "--quiet", "--disable-pip-version-check"]
            + ["--no-deps", "--no-binary", ":all:", "-d", str(downloads), requirement],
            check=True,
        )
    with tarfile.open(archive) as tar:
        tar.extractall(unpacked, filter="data")
    return target


def cpu_workloads(quick: bool, scale: float) -> list[Workload]:
    out = []
    for name, sizes in CPU_SIZES.items():
        directory = HERE / "workloads" / name
        full, small, power = sizes
        size = small if quick else max(small, round(full * scale ** (1 / power)))
        program = Program(args=[str(size)], script=str(directory / f"{name}.py"))
        out.append(Workload(name, "cpu", program, directory, [str(directory)]))
    return out


def test_workloads(quick: bool, python: str) -> list[Workload]:
    out = []
    for name, (req, package, tests, omit) in TEST_SUITES.items():
        root = unpack(req, python)
        args = [
            "-q",
            "-p",
            "no:cacheprovider",
            "-W",
            "ignore::pytest.PytestAssertRewriteWarning",
            *(QUICK_TESTS[name] if quick else tests),
        ]
        program = Program(args=args, module="pytest")
        env = {"PYTHONPATH": str(root)}
        out.append(
            Workload(
                f"{name}-tests",
                "tests",
                program,
                root,
                [str(root / package)],
                omit,
                env,
                rounds=1 if quick else SHORT_ROUNDS,
            )
        )
    return out


def import_workloads(quick: bool, python: str) -> list[Workload]:
    root = unpack(IMPORT_SDIST, python)
    package = IMPORT_SDIST.split("==")[0]
    script = str(HERE / "workloads" / "import_all.py")
    out = []
    for cache in ("cold", "warm"):
        args = [str(root), package] + (["60"] if quick else [])
        out.append(
            Workload(
                f"import-{cache}",
                "import",
                Program(args=args, script=script),
                root,
                [str(root / package)],
                cache=cache,
                env={"PYTHONPATH": str(root), "RCOV_CACHE_DIR": str(root.parent / "rcov-code")},
                rounds=1 if quick else SHORT_ROUNDS,
            )
        )
    return out


def all_workloads(quick: bool, scale: float, python: str, only: set[str] | None) -> list[Workload]:
    found = (
        cpu_workloads(quick, scale)
        + test_workloads(quick, python)
        + import_workloads(quick, python)
    )
    if only:
        found = [w for w in found if w.name in only or w.kind in only]
    return found


def clean_env(extra: dict[str, str]) -> dict[str, str]:
    """The parent's environment without anything that steers a coverage tool."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("COVERAGE_", "RCOV_", "PYTHON")) and k != "VIRTUAL_ENV"
    }
    env.update(extra)
    return env
