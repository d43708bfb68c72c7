"""The whole standard library through rcov's compile + remap.

For every `.py` file of the running interpreter's standard library that
CPython itself compiles, rcov's branch-mode code tree must report exactly the
original lines of a plain `compile()`: the same code objects (qualified name
and `co_firstlineno`), each with the same set of original line numbers in
`co_lines()`, probe lines aside. This is what makes coverage.py's statements
(taken from `co_lines()`) the same with and without rcov, and what keeps
tracebacks, `inspect` and `f_lineno` right.

Files are checked in worker processes (one per core) so that the run stays
well under a minute per Python version in CI; `site-packages` is skipped (not
the standard library). Known exceptions: none on 3.12, 3.13 and 3.14.
"""

from __future__ import annotations

import os
import sys
import sysconfig
import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import CodeType

from rcov import _rcov

Shape = list[tuple[str, int, frozenset[int]]]


def shape(code: CodeType) -> Shape:
    """Each code object of a tree: qualified name, first line, original lines."""
    objects = []
    stack = [code]
    while stack:
        current = stack.pop()
        stack.extend(c for c in current.co_consts if isinstance(c, CodeType))
        lines = frozenset(
            line for _, _, line in current.co_lines() if line and line < _rcov.PROBE_BASE
        )
        objects.append((current.co_qualname, current.co_firstlineno, lines))
    return sorted(objects)


@dataclass
class Tally:
    checked: int = 0
    not_python: int = 0
    mismatched: list[str] = field(default_factory=list)
    not_instrumented: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.checked += other.checked
        self.not_python += other.not_python
        self.mismatched += other.mismatched
        self.not_instrumented += other.not_instrumented


def check_files(paths: list[str]) -> Tally:
    """Compare plain and instrumented code trees of `paths` (in a worker)."""
    warnings.simplefilter("ignore")  # the library's own SyntaxWarnings
    tally = Tally()
    for path in paths:
        try:
            source = Path(path).read_text(encoding="utf-8")
            plain = compile(source, path, "exec", dont_inherit=True)
        except (SyntaxError, UnicodeDecodeError, ValueError):
            tally.not_python += 1  # test data that CPython rejects too
            continue
        try:
            instrumented = _rcov.Collector(branch=True).compile(source, path)
        except _rcov.InstrumentError as err:
            tally.not_instrumented.append(f"{path}: {err}")
            continue
        tally.checked += 1
        if shape(instrumented) != shape(plain):
            tally.mismatched.append(path)
    return tally


def stdlib_files() -> list[str]:
    root = Path(sysconfig.get_paths()["stdlib"])
    return sorted(str(p) for p in root.rglob("*.py") if "site-packages" not in p.parts)


def test_stdlib_code_trees_keep_their_lines() -> None:
    files = stdlib_files()
    workers = max(1, min(4, os.cpu_count() or 1))
    chunks = [files[i :: workers * 8] for i in range(workers * 8)]
    tally = Tally()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for part in pool.map(check_files, chunks):
            tally.add(part)
    print(
        f"\n{sys.version.split()[0]}: {len(files)} files, {tally.checked} compared, "
        f"{tally.not_python} rejected by CPython, {len(tally.not_instrumented)} not instrumented"
    )
    assert tally.checked > 100  # Debian's builds ship the library without its tests
    assert tally.checked + tally.not_python == len(files)
    assert tally.mismatched == []
    assert tally.not_instrumented == []
