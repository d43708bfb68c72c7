"""rcov's own frames do not count against the program's recursion limit.

`python -m rcov.instrument prog.py` runs the program's main module a few
frames deep (runpy's, then rcov's runner), where `python prog.py` runs it at
the bottom of the stack. A program that lowers the recursion limit and
recurses close to it (CPython's test_pathlib walks a tree deeper than a limit
of 40) would hit the limit that many frames earlier. So the real limit is
raised by the number of rcov's frames, and `sys.getrecursionlimit` /
`sys.setrecursionlimit` are wrapped to show and take the program's numbers:
the program reaches RecursionError at the same depth of its own frames.
"""

from __future__ import annotations

import sys

__all__ = ["frames_below", "hide_frames"]

_hidden = 0


def frames_below() -> int:
    """How many frames there are under the caller's frame, plus the caller's."""
    frame = sys._getframe(1)
    count = 0
    while frame is not None:
        count += 1
        frame = frame.f_back
    return count


def hide_frames(extra: int) -> None:
    """Give the program `extra` more levels than it sets (once per process)."""
    global _hidden
    if extra <= 0 or _hidden:
        return
    _hidden = extra
    real_get = sys.getrecursionlimit
    real_set = sys.setrecursionlimit

    def getrecursionlimit() -> int:
        return real_get() - extra

    def setrecursionlimit(limit: int, /) -> None:
        if type(limit) is not int or limit < 1 or limit > 2**31 - 1 - extra:
            real_set(limit)  # CPython's own error for a bad limit
        real_set(limit + extra)

    getrecursionlimit.__doc__ = real_get.__doc__
    setrecursionlimit.__doc__ = real_set.__doc__
    real_set(real_get() + extra)
    sys.getrecursionlimit = getrecursionlimit
    sys.setrecursionlimit = setrecursionlimit
