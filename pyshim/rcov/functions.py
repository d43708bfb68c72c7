"""The functions of a source file, and which of them ran.

A function here is any code object: the module, each class body, `def`,
`lambda` and generator expression, as CPython compiles the file. That is the
unit rcov records at run time (one PY_START event per code object), named by
`(co_qualname, co_firstlineno)`. To list the functions that never ran, a
report walks the code tree rcov compiled (the run's, or the code cache's,
whose code objects are a plain compile's), or compiles the file again: the
same names come out, and no second parser can disagree with CPython about
what a code object is.

`co_firstlineno` of a decorated function or class is its first decorator's
line; reports show the `def`/`class` line, as coverage.py's regions and
`trace` do (Python's `ast` `lineno`), found by rcov's parser.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from types import CodeType

from . import _rcov

__all__ = [
    "DefRegion",
    "DefinitionLines",
    "FunctionReport",
    "def_regions",
    "file_functions",
    "function_kind",
]

# co_flags bit: a function's own namespace (class bodies and modules lack it).
_CO_NEWLOCALS = 0x2


class FunctionReport:
    """One function of a file: its qualified name, where it is, whether it ran."""

    __slots__ = ("called", "excluded", "first_line", "kind", "line", "name")

    def __init__(
        self, name: str, first_line: int, line: int, kind: str, called: bool, excluded: bool
    ) -> None:
        self.name = name
        # co_firstlineno: the first decorator's line of a decorated definition.
        self.first_line = first_line
        # The `def` / `class` line (the first line, for a module or lambda).
        self.line = line
        self.kind = kind
        self.called = called
        self.excluded = excluded

    def __repr__(self) -> str:
        state = "called" if self.called else "excluded" if self.excluded else "not called"
        return f"FunctionReport({self.name!r}, line {self.line}, {self.kind}, {state})"


def function_kind(code: CodeType, is_module: bool) -> str:
    """ "module", "class", "lambda", "genexpr" or "function"."""
    if is_module:
        return "module"
    if not code.co_flags & _CO_NEWLOCALS:
        return "class"
    if code.co_name == "<lambda>":
        return "lambda"
    if code.co_name == "<genexpr>":
        return "genexpr"
    return "function"


def _code_tree(code: CodeType) -> Iterator[CodeType]:
    yield code
    for const in code.co_consts:
        if isinstance(const, CodeType):
            yield from _code_tree(const)


def _definition_lines(source: str) -> dict[int, int]:
    """First decorator line -> `def`/`class` line, for decorated definitions
    (none for a file rcov's parser rejects: their first lines are shown)."""
    try:
        return _rcov.definition_lines(source)
    except _rcov.InstrumentError:
        return {}


class DefinitionLines:
    """`def` lines of stored functions, for listings: `co_firstlineno` (what
    the data keeps) moved from a decorator to its `def`, each file read once.
    A file that cannot be read or parsed keeps `co_firstlineno`."""

    def __init__(self) -> None:
        self._files: dict[str, dict[int, int]] = {}

    def line(self, path: str, first_line: int) -> int:
        if path not in self._files:
            from .importer import read_source

            try:
                with open(path, "rb") as f:
                    self._files[path] = _definition_lines(read_source(f.read()))
            except (OSError, SyntaxError, UnicodeDecodeError, LookupError):
                self._files[path] = {}
        return self._files[path].get(first_line, first_line)


def file_functions(
    source: str,
    path: str,
    called: Sequence[tuple[str, int]],
    excluded_lines: Sequence[int],
    definition_lines: dict[int, int],
    module: CodeType | None = None,
) -> list[FunctionReport]:
    """Every function of `source`, in source order, marked called when its
    `(co_qualname, co_firstlineno)` is in `called`. A function whose first
    line or `def` line is excluded is excluded (a pragma on a decorator or a
    `def` excludes the whole definition). `definition_lines` are the
    source's (`FileAnalysis(..., definitions=True)`). `module` is the
    source's module code when rcov compiled it already (its code objects are
    a plain compile's, on the same lines); otherwise the source is compiled,
    which raises SyntaxError (or ValueError) if CPython cannot compile it."""
    if module is None:
        with warnings.catch_warnings():
            # Its SyntaxWarnings were shown when the program ran, if ever.
            warnings.simplefilter("ignore")
            module = compile(source, path, "exec", dont_inherit=True)
    ran = set(called)
    excluded = set(excluded_lines)
    functions = []
    for code in _code_tree(module):
        if code.co_name == "__annotate__":
            # Python 3.14+'s deferred annotations: compiler-made, not a
            # function the user wrote (coverage.py leaves them out too).
            continue
        kind = function_kind(code, code is module)
        first = code.co_firstlineno
        line = definition_lines.get(first, first) if kind in ("function", "class") else first
        functions.append(
            FunctionReport(
                code.co_qualname,
                first,
                line,
                kind,
                called=(code.co_qualname, first) in ran,
                excluded=kind != "module" and (first in excluded or line in excluded),
            )
        )
    functions.sort(key=lambda f: (f.line, f.first_line, f.name))
    return functions


class DefRegion:
    """A `def` as coverage.py's reports see it (its `code_regions`): named by
    the names of the definitions around it joined with dots, owning the lines
    of its body less the bodies of the functions nested in it."""

    __slots__ = ("lines", "name", "start")

    def __init__(self, name: str, start: int, lines: set[int]) -> None:
        self.name = name
        self.start = start
        self.lines = lines


def def_regions(analysis: _rcov.FileAnalysis) -> list[DefRegion]:
    """The `def` regions of an analysis made with `definitions`, in the order
    the definitions start (none for one made without)."""
    return [DefRegion(name, start, set(lines)) for name, start, lines in analysis.def_regions or ()]
