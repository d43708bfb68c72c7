"""Words for a branch arc, as coverage.py's parser phrases them.

LCOV's BRDA records name each branch, and coverage.py names it with the
arc's "action": "jump to line 15", or for an arc leaving a code object
(negative destination) "return from function 'f'", "exit class 'C'" or
"exit the module". Tools diff LCOV files from both tools, so rcov uses the
same words; the HTML report uses them in "line 12 didn't jump to line 15".

The HTML report also says why, for the common branches: "because the
condition on line 12 was never true" (an `if`/`while` whose body never ran),
"was always true" (whose other arc never ran), "the loop on line 12 never
started" / "didn't complete" (`for`), "the pattern on line 12 never matched"
/ "always matched" (`case`), as coverage.py's HTML report words them.

Only the scopes are needed, not coverage.py's arc analysis: an exit arc
`(line, -start)` leaves the innermost function or class holding `line`
whose first line (its first decorator's, if decorated) is `start`, or the
module, whose first line coverage.py takes to be 1. `ast` is imported here
only, when a report that needs it is written; a report that also needs the
file's functions parses it once (`parse_source`).
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterator

__all__ = ["ArcPhrases", "parse_source"]

_LAST_LINE = 2**31 - 1


class _Scope:
    __slots__ = ("end", "phrase", "start")

    def __init__(self, start: int, end: int, phrase: str) -> None:
        self.start = start
        self.end = end
        self.phrase = phrase


# The fields of an ast node that hold statements (or handlers and cases,
# which hold statements).
_STATEMENT_FIELDS = frozenset({"body", "orelse", "finalbody", "handlers", "cases"})


def parse_source(source: str | None) -> ast.Module | None:
    """`source` parsed, or None if there is none or `ast` rejects it."""
    if source is None:
        return None
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError):
        return None


def _statements(tree: ast.Module) -> Iterator[ast.AST]:
    """Every statement, handler and match case of `tree` in `ast.walk`'s
    order (breadth first, fields in order), without visiting expressions,
    which hold no statements."""
    pending: deque[ast.AST] = deque([tree])
    while pending:
        node = pending.popleft()
        yield node
        for field in node._fields:
            if field in _STATEMENT_FIELDS:
                pending.extend(getattr(node, field))


def _first_line(node: ast.stmt) -> int:
    decorators: list[ast.expr] = getattr(node, "decorator_list", [])
    return decorators[0].lineno if decorators else node.lineno


# For each kind of branch: why its body was missed, why its other arc was.
_CAUSES = {
    "if": ("the condition on line {} was never true", "the condition on line {} was always true"),
    "for": ("the loop on line {} never started", "the loop on line {} didn't complete"),
    "case": ("the pattern on line {} never matched", "the pattern on line {} always matched"),
}


class ArcPhrases:
    """The phrases for the arcs of one file's source."""

    def __init__(self, tree: ast.Module | None) -> None:
        """The phrases of the source parsed to `tree` (None: a source that
        could not be read or parsed, whose exits get a generic phrase)."""
        self._scopes: dict[int, list[_Scope]] = {}
        # Branch line -> (first line of its body, kind of branch).
        self._branches: dict[int, tuple[int, str]] = {}
        if tree is None:
            return
        self._add(_Scope(1, _LAST_LINE, "exit the module"))
        for node in _statements(tree):
            if isinstance(node, (ast.If, ast.While)) and node.body:
                self._branches.setdefault(node.lineno, (_first_line(node.body[0]), "if"))
            elif isinstance(node, (ast.For, ast.AsyncFor)) and node.body:
                self._branches.setdefault(node.lineno, (_first_line(node.body[0]), "for"))
            elif isinstance(node, ast.match_case) and node.body:
                line = node.pattern.lineno
                self._branches.setdefault(line, (_first_line(node.body[0]), "case"))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                phrase = f"return from function {node.name!r}"
            elif isinstance(node, ast.ClassDef):
                phrase = f"exit class {node.name!r}"
            else:
                continue
            start = node.decorator_list[0].lineno if node.decorator_list else node.lineno
            self._add(_Scope(start, node.end_lineno or node.lineno, phrase))

    def _add(self, scope: _Scope) -> None:
        self._scopes.setdefault(scope.start, []).append(scope)

    def action(self, start: int, end: int) -> str:
        """What taking the arc does: "jump to line 15", "return from function 'f'"..."""
        if end > 0:
            return f"jump to line {end}"
        candidates = self._scopes.get(-end, [])
        holding = [s for s in candidates if s.start <= start <= s.end]
        if holding:
            return min(holding, key=lambda s: s.end - s.start).phrase
        if candidates:
            return candidates[0].phrase
        return "jump to the function exit"

    def missed(self, start: int, end: int) -> str:
        """A sentence for an arc that never ran: "line 12 didn't jump to line 15 because ..."."""
        sentence = f"line {start} didn't {self.action(start, end)}"
        body, kind = self._branches.get(start, (start, ""))
        if body != start:  # a one-line body leaves nothing to say which arc is which
            into_body, past_body = _CAUSES[kind]
            sentence += " because " + (into_body if end == body else past_body).format(start)
        return sentence
