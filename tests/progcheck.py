"""Checks one generated program (progen.py) under rcov's rewrite.

For the program of a seed:
- rcov's rewrite compiles (CPython's own `compile()` of the rewritten text);
- the line map holds together: one origin per rewritten line, original lines
  in order and all there, every probe placed;
- the compiled code-object tree is the plain compile's: names,
  `co_firstlineno`, and original lines of `co_lines()`;
- run with rcov measuring (branch mode), the program prints the same output
  and ends the same way (no exception, or the same exception with the same
  message and the same traceback: files, lines, functions, columns) as the
  plainly compiled program.

`check(seed)` returns the differences found (empty: none). The program runs
in this process (faster than a subprocess per program by a wide margin).
"""

from __future__ import annotations

import contextlib
import io
import linecache
import sys
import traceback
from collections.abc import Iterator
from types import CodeType

from progen import generate
from rcov import _rcov

Outcome = tuple[str, tuple[object, ...] | None]


def split_lines(text: str) -> list[str]:
    """Lines as CPython's tokenizer ends them (progen writes only '\\n')."""
    return text.split("\n")[:-1] if text.endswith("\n") else text.split("\n")


def line_map_problems(source: str) -> list[str]:
    version = sys.version_info[:2]
    text, origins, probes = _rcov.rewrite(source, version)
    problems = []
    try:
        compile(text, "<rewritten>", "exec", dont_inherit=True)
    except SyntaxError as exc:
        problems.append(f"rewritten text does not compile: {exc}")
    lines = split_lines(text)
    if len(lines) != len(origins):
        problems.append(f"{len(lines)} rewritten lines, {len(origins)} origins")
    previous = 0
    placed = set()
    for origin in origins:
        if origin >= _rcov.PROBE_BASE:
            placed.add(origin - _rcov.PROBE_BASE)
        elif origin not in (previous, previous + 1):
            problems.append(f"original line {origin} after {previous}")
        else:
            previous = origin
    if previous != len(split_lines(source)):
        problems.append(f"original lines end at {previous}, source has {len(split_lines(source))}")
    if placed != set(range(len(probes))):
        problems.append(f"probes placed {sorted(placed)[:10]}..., table has {len(probes)}")
    return problems


def code_tree(code: CodeType) -> Iterator[tuple[str, int, tuple[int, ...]]]:
    lines = {line for _, _, line in code.co_lines() if line is not None and line < _rcov.PROBE_BASE}
    yield code.co_qualname, code.co_firstlineno, tuple(sorted(lines))
    for const in code.co_consts:
        if isinstance(const, CodeType):
            yield from code_tree(const)


def run(code: CodeType) -> Outcome:
    """The program's output and how it ended."""
    out = io.StringIO()
    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    ended: tuple[object, ...] | None = None
    with contextlib.redirect_stdout(out):
        try:
            exec(code, namespace)  # noqa: S102 - running the program is the point
        except Exception as exc:  # noqa: BLE001 - the program's own exception
            frames = traceback.extract_tb(exc.__traceback__)[1:]
            ended = (
                type(exc).__name__,
                str(exc),
                tuple(
                    (f.filename, f.lineno, f.name, f.line, f.colno, f.end_colno, f.end_lineno)
                    for f in frames
                ),
            )
    return out.getvalue(), ended


def check(seed: int) -> list[str]:
    source = generate(seed)
    filename = f"<generated {seed}>"
    # Tracebacks read source lines through linecache.
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    problems = line_map_problems(source)
    plain = compile(source, filename, "exec", dont_inherit=True)
    collector = _rcov.Collector(branch=True)
    measured = collector.compile(source, filename)
    if list(code_tree(measured)) != list(code_tree(plain)):
        problems.append("code-object tree differs from the plain compile")
    expected = run(plain)
    collector.start()
    try:
        got = run(measured)
    finally:
        collector.stop()
    if got[0] != expected[0]:
        problems.append(f"output differs:\n--- plain\n{expected[0]}\n--- rcov\n{got[0]}")
    if got[1] != expected[1]:
        problems.append(f"ending differs: plain {expected[1]!r}, rcov {got[1]!r}")
    executed, _arcs = collector.executed()[filename]
    last = len(split_lines(source))
    if not executed or not all(1 <= line <= last for line in executed):
        problems.append(f"executed lines out of the file: {executed[:5]}...")
    del linecache.cache[filename]
    return problems
