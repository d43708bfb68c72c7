"""Words for a branch arc, as coverage.py's parser phrases them.

LCOV's BRDA records name each branch, and coverage.py names it with the
arc's "action": "jump to line 15", or for an arc leaving a code object
(negative destination) "return from function 'f'", "exit class 'C'" or
"exit the module". Tools diff LCOV files from both tools, so rcov uses the
same words; the HTML report uses them in "line 12 didn't jump to line 15".

Only the scopes are needed, not coverage.py's arc analysis: an exit arc
`(line, -start)` leaves the innermost function or class holding `line`
whose first line (its first decorator's, if decorated) is `start`, or the
module, whose first line coverage.py takes to be 1. `ast` is imported here
only, when a report that needs it is written.
"""

from __future__ import annotations

import ast

__all__ = ["ArcPhrases"]

_LAST_LINE = 2**31 - 1


class _Scope:
    __slots__ = ("end", "phrase", "start")

    def __init__(self, start: int, end: int, phrase: str) -> None:
        self.start = start
        self.end = end
        self.phrase = phrase


class ArcPhrases:
    """The phrases for the arcs of one file's source."""

    def __init__(self, source: str | None) -> None:
        self._scopes: dict[int, list[_Scope]] = {}
        if source is None:
            return
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            return
        self._add(_Scope(1, _LAST_LINE, "exit the module"))
        for node in ast.walk(tree):
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
        """A sentence for an arc that never ran: "line 12 didn't jump to line 15"."""
        return f"line {start} didn't {self.action(start, end)}"
