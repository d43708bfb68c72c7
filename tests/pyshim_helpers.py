"""Helpers for the tests of rcov's Python package (test_cli, test_runner, ...).

Programs are written to a temporary directory and run in real subprocesses:
with the plain interpreter, under `python -m rcov.instrument`, and under
coverage.py, so that tests compare what a user would see.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import sysconfig
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PYTHON = sys.executable


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


def write_files(root: Path, files: dict[str, str]) -> None:
    """Write `files` (relative path -> dedented text) under `root`."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def clean_env(drop: tuple[str, ...] = (), **extra: str) -> dict[str, str]:
    """The test's environment without anything that would change how rcov or
    coverage.py start, minus `drop`, plus `extra`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("COVERAGE_", "RCOV_")) and k not in ("PYTHONSAFEPATH", *drop)
    }
    env.update(extra)
    return env


def run_python(cwd: Path, *args: str, env: dict[str, str] | None = None) -> Run:
    """Run the test interpreter with `args` in `cwd`."""
    proc = subprocess.run(
        [PYTHON, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env if env is not None else clean_env(),
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def run_rcov(cwd: Path, *args: str, env: dict[str, str] | None = None) -> Run:
    """`python -m rcov.instrument args` in `cwd`."""
    return run_python(cwd, "-m", "rcov.instrument", *args, env=env)


def run_coverage(cwd: Path, *args: str) -> Run:
    """`python -m coverage args` in `cwd` (coverage.py 7.17, the reference)."""
    return run_python(cwd, "-m", "coverage", *args)


def parsed_corpus_and_stdlib() -> Iterator[tuple[Path, str, ast.Module]]:
    """Every file of tests/corpus and the standard library's top level that
    Python's `ast` parses, with its text and tree (the references that rcov's
    own parser is checked against)."""
    corpus = Path(__file__).resolve().parent / "corpus"
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    for path in sorted([*corpus.rglob("*.py"), *stdlib.glob("*.py")]):
        source = path.read_text(encoding="utf-8", errors="replace")
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        yield path, source, tree
