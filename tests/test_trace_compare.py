"""rcov's functions, line counts and call pairs against `python -m trace`.

Every corpus program runs under `python -m trace --count`, `--listfuncs` and
`--trackcalls` (three runs: trace refuses `--listfuncs` with `--count`) and
under `rcov run --count --trackcalls`, in line mode and in branch mode, with
the same interpreter. For the corpus files, the functions that ran, how many
times each line ran and the (caller, callee) pairs must be equal
(tracecompare.py explains how names are compared).

One documented difference: in branch mode the probe that rcov puts in a
one-line `while` loop (`while n: n -= 1`) makes CPython report the `while`
line once more each time such a loop ends after running its body, so rcov's
count of that line may be higher, never lower (README, "Line counts").
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from rcov import _rcov
from rcov.importer import read_source
from tracecompare import Reported, run_rcov, run_trace

CORPUS = Path(__file__).parent / "corpus"
PROGRAMS = sorted(p.name for p in CORPUS.glob("*.py") if p.name != "corpus_helper.py")

# Programs whose results `python -m trace` never saves: it saves them after
# the program ends normally (or by SystemExit) only.
TRACE_SAVES_NOTHING = {
    "traceback_carets.py": "ends by an uncaught exception",
    "traceback_nested_calls.py": "ends by an uncaught exception",
    "uncaught_exception.py": "ends by an uncaught exception",
    # A module stopped_bodies.py imports; run alone, its body raises.
    "stopped_module_helper.py": "ends by an uncaught exception",
}
if sys.version_info < (3, 13):
    # 3.12's trace runs the program from code whose class bodies
    # inspect.getsource cannot find: the program stops with an error.
    TRACE_SAVES_NOTHING["introspection.py"] = "inspect.getsource fails under 3.12's trace"

_traced: dict[str, Reported | None] = {}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the corpus (the programs run in their directory)."""
    copy = tmp_path_factory.mktemp("trace-corpus") / "corpus"
    shutil.copytree(CORPUS, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return copy.resolve()


def traced(program: Path, work: Path) -> Reported | None:
    """trace's results for a corpus program, once per test process."""
    if program.name not in _traced:
        _traced[program.name] = run_trace(sys.executable, program, work)
    return _traced[program.name]


# On Python 3.14 and later, in branch mode, rcov counts these lines once where
# `trace` (the interpreter's own line events) counts nothing: `return x` right
# after a `for` loop whose last statement is an `if ...: break`. Here rcov's
# not-taken probe runs just before the line, so the line starts anew; without
# the probe, 3.14's line events do not report it. Pinned exactly: any other
# difference fails. (Not investigated further; coverage.py and rcov agree on
# this program's lines and arcs in tests/test_accuracy.py.)
EXTRA_LINES_314: dict[str, tuple[int, ...]] = {"introspection.py": (14,)}


def one_line_whiles(path: Path) -> set[int]:
    """Lines holding a whole `while` loop that the rewrite splits."""
    source = read_source(path.read_bytes())
    _text, origins, _probes = _rcov.rewrite(source, sys.version_info[:2])
    seen: dict[int, int] = {}
    for origin in origins:
        seen[origin] = seen.get(origin, 0) + 1
    lines = source.splitlines()
    return {
        line
        for line, times in seen.items()
        if times > 1 and line <= len(lines) and lines[line - 1].lstrip().startswith("while ")
    }


@pytest.mark.parametrize("mode", ["line", "branch"])
@pytest.mark.parametrize("program", PROGRAMS)
def test_same_as_trace(
    program: str, mode: str, corpus: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    theirs = traced(corpus / program, tmp_path_factory.mktemp("trace"))
    if program in TRACE_SAVES_NOTHING:
        # Nothing to compare with; the list above must stay true.
        assert theirs is None
        return
    assert theirs is not None, "python -m trace saved no results"
    ours = run_rcov(
        sys.executable, corpus / program, tmp_path_factory.mktemp("rcov"), branch=mode == "branch"
    )
    assert ours.functions == theirs.functions
    assert ours.calls == theirs.calls
    assert theirs.counts, "trace counted nothing"
    if mode == "line":
        assert ours.counts == theirs.counts
        return
    whiles = {(str(corpus / program), line) for line in one_line_whiles(corpus / program)}
    extra = (
        {(str(corpus / program), line): 1 for line in EXTRA_LINES_314.get(program, ())}
        if sys.version_info >= (3, 14)
        else {}
    )
    assert {k: v for k, v in ours.counts.items() if k not in whiles} == {
        **{k: v for k, v in theirs.counts.items() if k not in whiles},
        **extra,
    }
    for key in whiles:
        assert ours.counts.get(key, 0) >= theirs.counts.get(key, 0)
