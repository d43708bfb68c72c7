"""`[paths]` remapping for `combine`: data recorded elsewhere, reported here.

Data files made on CI machines, in containers or on other OSes name the same
source tree by different roots (`/home/ci/build/src/`, `C:\\work\\src\\`). A
`[paths]` entry lists the local root first and the other roots after it; on
combine, a recorded path that starts with one of the other roots (glob
patterns allowed) has that root replaced by the local one, provided the file
exists there. The rules are coverage.py's `PathAliases`, so a project's
existing `[paths]` section gives the same combined data under both tools:

- a pattern is made absolute (relative to the current directory) unless it
  starts with a wildcard or is already absolute on some OS, and always matches
  a whole leading directory, case-insensitively, with either slash;
- only the first matching rule whose result exists is used;
- the result takes the separator style of the local root;
- with `relative_files`, paths are stored relative to the current directory,
  and a relative path `dir1/...` also matches `*/dir1/...` anywhere.
"""

from __future__ import annotations

import ntpath
import os
import posixpath
import re
from collections.abc import Callable

from .filters import _glob_to_regex, canonical_path

__all__ = ["PathAliases"]


def _sep(path: str) -> str:
    """The separator used in `path`, or os.sep if it has none."""
    m = re.search(r"[\\/]", path)
    return m[0] if m else os.sep


def _isabs_anywhere(path: str) -> bool:
    return ntpath.isabs(path) or posixpath.isabs(path)


def _relative_to_cwd(path: str) -> str:
    cwd = canonical_path(os.curdir)
    prefix = os.path.normcase(cwd if cwd.endswith(os.sep) else cwd + os.sep)
    if os.path.normcase(path).startswith(prefix):
        return path[len(prefix) :]
    return path


class PathAliases:
    """An ordered list of (pattern, local root) rules."""

    def __init__(self, *, relative: bool = False) -> None:
        self.relative = relative
        self.rules: list[tuple[str, re.Pattern[str], str]] = []

    def add(self, pattern: str, result: str) -> None:
        """Map paths starting with `pattern` (a glob) to start with `result`.

        Raises ValueError for a pattern ending in a wildcard (it would match a
        whole tree, not its root) or that is not a valid file pattern.
        """
        original = pattern
        pattern_sep = _sep(pattern)
        if len(pattern) > 1:
            pattern = pattern.rstrip(r"\/")
        if pattern.endswith("*"):
            raise ValueError(f"[paths] pattern {original!r} must not end with wildcards")
        if (
            not self.relative
            and not pattern.startswith("*")
            and not _isabs_anywhere(pattern + pattern_sep)
        ):
            pattern = canonical_path(pattern)
        if not pattern.endswith(pattern_sep):
            pattern += pattern_sep
        regex = re.compile(_glob_to_regex(pattern), flags=re.IGNORECASE)
        result = result.rstrip(r"\/") + _sep(result)
        self.rules.append((original, regex, result))

    def map(self, path: str, exists: Callable[[str], bool] = os.path.exists) -> str:
        """`path` through the first rule that matches and gives an existing file."""
        for _original, regex, result in self.rules:
            m = regex.match(path)
            if m is None:
                continue
            new = path.replace(m[0], result, 1)
            new = new.replace(_sep(path), _sep(result))
            if not self.relative:
                new = canonical_path(new)
            dot_start = result.startswith(("./", ".\\")) and len(result) > 2
            if new.startswith(("./", ".\\")) and not dot_start:
                new = new[2:]
            if not exists(new):
                continue
            return new

        if self.relative:
            path = _relative_to_cwd(path)
            if not _isabs_anywhere(path):
                # A relative path "dir1/..." also matches "*/dir1/..." recorded
                # elsewhere: add that rule once, and try again.
                parts = re.split(r"[/\\]", path)
                if len(parts) > 1:
                    dir1 = parts[0]
                    pattern = f"*/{dir1}"
                    if not any(rule[0] == pattern for rule in self.rules):
                        regex = re.compile(rf"^(.*[\\/])?{re.escape(dir1)}[\\/]")
                        self.rules.append((pattern, regex, f"{dir1}{os.sep}"))
                        return self.map(path, exists=exists)
        return path
