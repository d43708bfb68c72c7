"""Corpus programs for newer Pythons: `tests/corpus/NAME_py3NN.py` uses syntax that
Python 3.NN introduced (t-strings and `except A, B:` are `_py314`, lazy imports
`_py315`). conftest.py skips every test parametrized over such a file on an older
interpreter, with that reason; tests that read the whole corpus at once leave
these files out there with `runs_here`.
"""

from __future__ import annotations

import re
import sys
from pathlib import PurePath

_NEWER = re.compile(r"_py3(\d+)\.py$")


def needs_minor(name: str | PurePath) -> int | None:
    """The 3.N minor version a corpus file name asks for, if any."""
    match = _NEWER.search(PurePath(name).name)
    return int(match.group(1)) if match else None


def runs_here(name: str | PurePath) -> bool:
    """Whether the running interpreter has the syntax the file name asks for."""
    minor = needs_minor(name)
    return minor is None or sys.version_info[:2] >= (3, minor)
