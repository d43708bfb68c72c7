"""Python source as syntax-highlighted HTML, one string per line.

The HTML report shows each source line in a row of its own (its number, its
coverage mark, its code), so highlighting comes out line by line, a string
spanning lines cut into one `<span>` per line. rcov's parser does it from its
tokens (`_rcov.highlight_lines`, instrument/src/highlight.rs, which lists the
classes), given this Python's builtin names.

Source the parser rejects (a file that never compiled) is shown escaped and
unhighlighted.
"""

from __future__ import annotations

import builtins
from html import escape

from . import _rcov

__all__ = ["highlight_lines"]

_BUILTINS = frozenset(name for name in dir(builtins) if not name.startswith("_"))


def highlight_lines(source: str) -> list[str]:
    """HTML for each line of `source` (no newlines), escaped and with highlighting spans."""
    highlighted = _rcov.highlight_lines(source, _BUILTINS)
    if highlighted is not None:
        return highlighted
    lines = source.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [escape(line, quote=False) for line in lines]
