"""`rcov combine`: merge the data files of several processes into one.

It follows coverage.py's `combine` (same files found, same path remapping,
same result) with one deliberate difference in ordering, for safety: the
combined data is written first, atomically, and only then are the inputs
deleted, so a crash half-way never loses data. As in coverage.py:

- an input that cannot be read (corrupt, not a data file, unreadable, or
  branch data among line data) is reported by name and kept on disk, and the
  others are still combined;
- inputs holding exactly the same data as one already combined (same hash in
  their name, or the same bytes) are skipped, and deleted like the others
  unless `keep`;
- without `append` the combined data replaces the data file; with it, the data
  file's current data is kept and added to.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable

from . import _rcov
from .datafiles import combinable_files
from .pathmap import PathAliases

__all__ = ["CombineError", "combine"]

# coverage.py's parallel suffix may end with a hash of the data: `.H<10 chars>h`.
_HASH_SUFFIX = re.compile(r"\.H(?P<hash>\w{10}h)$")


class CombineError(Exception):
    """Nothing could be combined; the message says why."""


def _data_hash(path: str) -> str:
    """What identifies a data file's data: the hash in its name, or its bytes'."""
    if m := _HASH_SUFFIX.search(path):
        return m["hash"]
    import hashlib

    with open(path, "rb") as f:
        return hashlib.sha3_256(f.read()).hexdigest()


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def combine(
    data_file: str,
    data_paths: list[str] | None = None,
    *,
    aliases: PathAliases | None = None,
    keep: bool = False,
    append: bool = False,
    strict: bool = True,
    meta: list[tuple[str, str]],
    message: Callable[[str], None],
    warn: Callable[[str], None],
) -> _rcov.CoverageData | None:
    """Combine the data files found for `data_file` into it; return the data.

    Returns None when there was nothing to combine and `strict` is false (the
    data file is then left as it is). Raises CombineError when `strict` and
    nothing could be combined, and DataError when the result cannot be written.
    """
    data_file = os.path.abspath(data_file)
    try:
        inputs = combinable_files(data_file, data_paths)
    except FileNotFoundError as exc:
        raise CombineError(str(exc)) from None
    inputs = [f for f in inputs if f != data_file]
    if not inputs:
        if strict:
            raise CombineError("No data to combine")
        return None

    data = _rcov.CoverageData()
    if append and os.path.exists(data_file):
        data = _rcov.CoverageData.read(data_file)

    seen_hashes: set[str] = set()
    mapped: dict[str, str] = {}
    done: list[str] = []
    combined = skipped = errored = 0
    for path in inputs:
        try:
            digest: str | None = _data_hash(path)
        except OSError:
            digest = None  # reading it will fail too, and say so
        if digest is not None and digest in seen_hashes:
            skipped += 1
            done.append(path)
            continue
        try:
            other = _rcov.CoverageData.read(path)
            path_map = {}
            for stored in other.measured_files():
                if stored not in mapped:
                    new = aliases.map(stored) if aliases is not None else stored
                    mapped[stored] = re.sub(r"[/\\]", re.escape(os.sep), new)
                path_map[stored] = mapped[stored]
            data.update(other, path_map=path_map, names=(data_file, path))
        except _rcov.DataError as exc:
            errored += 1
            warn(str(exc))
            continue
        if digest is not None:
            seen_hashes.add(digest)
        combined += 1
        done.append(path)

    if strict and not combined:
        raise CombineError("No usable data files")
    if combined or not append:
        data.write(data_file, meta)
    if not keep:
        for path in done:
            try:
                os.remove(path)
            except FileNotFoundError:
                pass
    msg = f"Combined {_plural(combined, 'file')}"
    if skipped:
        msg += f", skipped {skipped}"
    if errored:
        msg += f", {_plural(errored, 'file')} errored"
    message(msg)
    return data
