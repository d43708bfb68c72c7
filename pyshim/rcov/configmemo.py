"""Configuration files parsed before, kept between runs.

A `.coveragerc`, `setup.cfg` or `tox.ini` is parsed with `configparser`, a
TOML file with `tomllib`: importing either costs a measured program more
(configparser 1.7 ms, tomllib and its imports more) than the rest of reading
the configuration, in programs that never use them. So what the parser made
of a file's text is kept in rcov's cache directory (`config.code_cache_dir`),
keyed by the text itself: an unchanged file costs one small read and
`marshal`, a changed one is parsed again. A parse error is never kept, nor
a result `marshal` cannot store. Every I/O error only means parsing as
before.
"""

from __future__ import annotations

import marshal
import os
import sys
from collections.abc import Callable

from .config import code_cache_dir

__all__ = ["parsed"]

# Texts kept, the most recently parsed last: a few projects' files.
_KEPT = 16


def parsed(kind: str, text: str, parse: Callable[[str], dict[str, object]]) -> dict[str, object]:
    """`parse(text)`, or what it gave for the same `kind` of file and `text`
    in an earlier run. `kind` names the parser and its settings: change it
    when they change."""
    path = _memo_path()
    if path is None:
        return parse(text)
    memo = _read(path)
    found = memo.get((kind, text))
    if isinstance(found, dict):
        return found
    result = parse(text)
    memo.pop((kind, text), None)
    memo[(kind, text)] = result
    for key in list(memo)[:-_KEPT]:
        del memo[key]
    _write(path, memo)
    return result


def _memo_path() -> str | None:
    directory = code_cache_dir()
    if directory is None:
        return None
    # Per interpreter: its marshal format, and its parsers' behaviour.
    return os.path.join(directory, f"config-{sys.implementation.cache_tag}.marshal")


def _read(path: str) -> dict[object, object]:
    try:
        with open(path, "rb") as f:
            memo = marshal.loads(f.read())
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    return memo if isinstance(memo, dict) else {}


def _write(path: str, memo: dict[object, object]) -> None:
    """Replaces the memo file whole (a reader sees the old one or the new)."""
    try:
        data = marshal.dumps(memo)
    except ValueError:  # a value marshal cannot store (a TOML date)
        return
    temporary = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(temporary, "wb") as f:
            f.write(data)
        os.replace(temporary, path)
    except OSError:
        try:
            os.remove(temporary)
        except OSError:
            pass
