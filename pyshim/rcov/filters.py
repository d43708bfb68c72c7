"""The source filter: which files rcov measures.

The import hook asks this filter about every module it is about to load, so the
answer must be cheap: the expensive part (is this directory the standard
library, a site-packages, a virtualenv?) depends only on the directory and is
cached per directory; only the user's glob patterns are matched per file.

The rules follow coverage.py's `InOrOut`, with rcov's default narrowed to the
current directory:

- with `--source DIR|PACKAGE`: a file is measured when it lies under one of the
  source directories or belongs to one of the source packages (by module name,
  or by location once the package has been found), unless it is third-party
  code that the source does not itself live in; `--include` is then ignored, as
  coverage.py does;
- with `--include GLOB` (and no source): exactly the files that match;
- otherwise: files under the current directory that are not in the standard
  library, a site-packages/dist-packages directory, a virtualenv, the
  interpreter's prefixes, or rcov's own package;
- `--omit GLOB` always wins.

Glob patterns have coverage.py's semantics: a pattern that does not start with
a wildcard is also tried as an absolute path relative to the current
directory; `*` and `?` do not cross a slash; `**/` matches any directories; a
pattern without a slash matches a file name anywhere in the tree.
"""

from __future__ import annotations

import importlib.machinery
import os
import re
import site
import sys
from collections.abc import Container, Iterable, Iterator, Sequence

__all__ = ["SourceFilter", "canonical_path", "glob_matcher", "split_option_list"]


def canonical_path(path: str) -> str:
    """The absolute, symlink-free form of `path`, which rcov uses as a file's key."""
    return os.path.abspath(os.path.realpath(path))


def split_option_list(values: Iterable[str]) -> list[str]:
    """Flatten repeated and comma-separated option values, dropping empty items."""
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def _is_under(path: str, tree: str) -> bool:
    """Is `path` the directory `tree` or inside it? Both must be canonical."""
    return path == tree or path.startswith(tree if tree.endswith(os.sep) else tree + os.sep)


# coverage.py's glob grammar (coverage/files.py: G2RX_TOKENS), one token per
# regex; None marks a pattern coverage.py rejects. Compiled when first used
# (by re, which keeps them): most runs have no pattern.
_GLOB_TOKENS: list[tuple[str, str | None]] = [
    (r"\*\*\*+", None),
    (r"[^/]+\*\*+", None),
    (r"\*\*+[^/]+", None),
    (r"\*\*/\*\*", None),
    (r"^\*+/", r"(.*[/\\\\])?"),
    (r"/\*+$", r"[/\\\\].*"),
    (r"\*\*/", r"(.*[/\\\\])?"),
    (r"/", r"[/\\\\]"),
    (r"\*", r"[^/\\\\]*"),
    (r"\?", r"[^/\\\\]"),
    (r"\[.*?\]", r"\g<0>"),
    (r"[a-zA-Z0-9_-]+", r"\g<0>"),
    (r"[\[\]]", None),
    (r"[\s\S]", r"\\\g<0>"),
]


def _glob_to_regex(pattern: str) -> str:
    pattern = pattern.replace("\\", "/")
    if "/" not in pattern:
        pattern = f"**/{pattern}"
    parts: list[str] = []
    pos = 0
    while pos < len(pattern):
        for rx, sub in _GLOB_TOKENS:
            if m := re.compile(rx).match(pattern, pos=pos):
                if sub is None:
                    raise ValueError(f"file pattern can't include {m[0]!r}: {pattern!r}")
                parts.append(m.expand(sub))
                pos = m.end()
                break
    return "".join(parts)


def glob_matcher(patterns: Sequence[str]) -> re.Pattern[str] | None:
    """Compile `--include`/`--omit` patterns into one regex (None if there are none).

    Like coverage.py's `prep_patterns`, a pattern not starting with a wildcard is
    used both as given and as an absolute path relative to the current directory.
    """
    prepped: list[str] = []
    for pattern in patterns:
        prepped.append(pattern)
        if not pattern.startswith(("*", "?")):
            prepped.append(canonical_path(pattern))
    if not prepped:
        return None
    return re.compile("|".join(f"(?:{_glob_to_regex(p)})" for p in prepped) + r"\Z")


def _scheme_trees() -> set[str]:
    """The standard library and third-party directories of the interpreter's
    installation schemes (canonical)."""
    import sysconfig  # costs a millisecond: only when a directory needs it

    trees: set[str] = set()
    # This platform's installation schemes, a virtualenv's and its base
    # interpreter's: another platform's name paths that cannot exist here,
    # and each scheme costs a variable expansion.
    schemes = {sysconfig.get_preferred_scheme(key) for key in ("prefix", "home", "user")}
    schemes |= {f"{os.name}_prefix", "venv"} & set(sysconfig.get_scheme_names())
    names = ("stdlib", "platstdlib", "purelib", "platlib", "scripts")
    for scheme in sorted(schemes):
        paths = sysconfig.get_paths(scheme)
        trees.update(paths[name] for name in names if name in paths)
    # The schemes share most of their paths: each is resolved once.
    return {canonical_path(p) for p in trees}


def _venv_root(directory: str) -> str | None:
    """The virtualenv holding `directory` (a parent with pyvenv.cfg), if any."""
    d = directory
    while True:
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent
        if os.path.isfile(os.path.join(d, "pyvenv.cfg")):
            return d


def _find_package(name: str, allow_import: bool) -> importlib.machinery.ModuleSpec | None:
    """Find a module's spec without importing it (nor, for a dotted name, its parents).

    With `allow_import`, falls back to importlib.util.find_spec (which imports
    the parents) if walking the path finder fails, e.g. for a parent whose
    __path__ is computed at import time. That is only allowed once the program
    has finished: a parent imported before it runs would never be measured.
    """
    parts = name.split(".")
    search: list[str] | None = None
    spec = None
    try:
        for i in range(len(parts)):
            spec = importlib.machinery.PathFinder.find_spec(".".join(parts[: i + 1]), search)
            if spec is None:
                break
            if i + 1 < len(parts):
                if spec.submodule_search_locations is None:
                    spec = None
                    break
                search = list(spec.submodule_search_locations)
    except (ImportError, ValueError, AttributeError):
        spec = None
    if spec is None and len(parts) > 1 and allow_import:
        from importlib.util import find_spec

        try:
            spec = find_spec(name)
        except (ImportError, ValueError, AttributeError):
            spec = None
    return spec


class SourceFilter:
    """Decides which files are measured, and lists measurable files never imported."""

    def __init__(
        self,
        source: Sequence[str] = (),
        include: Sequence[str] = (),
        omit: Sequence[str] = (),
        cwd: str | None = None,
    ) -> None:
        self.cwd = canonical_path(cwd or os.getcwd())
        self.source_dirs: list[str] = []
        self.source_pkgs: list[str] = []
        for item in source:
            if os.path.isdir(os.path.join(self.cwd, item)):
                self.source_dirs.append(canonical_path(os.path.join(self.cwd, item)))
            else:
                self.source_pkgs.append(item)
        # Where each source package lives: whole directories for packages,
        # single files for plain modules. Found lazily: a package may only become
        # findable once the program has adjusted sys.path.
        self._pkg_dirs: dict[str, list[str]] = {}
        self._pkg_files: dict[str, str] = {}
        self.include = glob_matcher(include) if not source else None
        self.omit = glob_matcher(omit)
        self._stdlib = canonical_path(os.path.dirname(os.__file__))
        # Every installation scheme's directories are made of these bases
        # (sysconfig's `base`, `platbase`, `installed_base`,
        # `installed_platbase`, `userbase`): a directory under none of them
        # is in no scheme's, and needs no `sysconfig`.
        bases = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
        self._scheme_bases = {canonical_path(p) for p in bases | {site.getuserbase()}}
        self._scheme_trees: set[str] | None = None
        # The interpreter's prefixes, except one holding the current directory
        # (which would exclude the whole project).
        self._prefixes = {
            canonical_path(p)
            for p in {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
            if not _is_under(self.cwd, canonical_path(p))
        }
        self._own = canonical_path(os.path.dirname(__file__))
        self._resolved_with: list[str] = []
        self._seen_pkgs: set[str] = set()
        self._real_dirs: dict[str, str] = {}
        self._canonical_files: dict[str, str] = {}
        self._dir_cache: dict[str, bool] = {}
        self._third_cache: dict[str, bool] = {}
        self._source_dir_cache: dict[str, bool | None] = {}
        self._resolve_packages()

    def _resolve_packages(self, allow_import: bool = False) -> None:
        self._resolved_with = list(sys.path)
        for name in self.source_pkgs:
            if name in self._pkg_dirs or name in self._pkg_files:
                continue
            spec = _find_package(name, allow_import)
            if spec is None:
                continue
            if spec.submodule_search_locations is not None:
                dirs = [canonical_path(d) for d in spec.submodule_search_locations]
                if dirs:
                    self._pkg_dirs[name] = dirs
            elif spec.origin and spec.has_location:
                self._pkg_files[name] = canonical_path(spec.origin)

    def _is_third_party(self, directory: str) -> bool:
        """Standard library, site-packages, a virtualenv or an interpreter prefix?"""
        hit = self._third_cache.get(directory)
        if hit is None:
            parts = directory.split(os.sep)
            hit = (
                "site-packages" in parts
                or "dist-packages" in parts
                or _is_under(directory, self._stdlib)
                or any(_is_under(directory, t) for t in self._prefixes)
                or self._in_scheme_tree(directory)
                or self._in_foreign_venv(directory)
            )
            self._third_cache[directory] = hit
        return hit

    def _in_scheme_tree(self, directory: str) -> bool:
        """In an installation scheme's standard library, site-packages or scripts?"""
        if not any(_is_under(directory, base) for base in self._scheme_bases):
            return False
        if self._scheme_trees is None:
            self._scheme_trees = _scheme_trees()
        return any(_is_under(directory, tree) for tree in self._scheme_trees)

    def _in_foreign_venv(self, directory: str) -> bool:
        """Inside a virtualenv, other than one that holds the current directory."""
        root = _venv_root(directory)
        return root is not None and not _is_under(self.cwd, root)

    def _default_dir(self, directory: str) -> bool:
        """The default rule, for a whole directory: under cwd and not installed code."""
        hit = self._dir_cache.get(directory)
        if hit is None:
            hit = (
                _is_under(directory, self.cwd)
                and not _is_under(directory, self._own)
                and not self._is_third_party(directory)
            )
            self._dir_cache[directory] = hit
        return hit

    def _in_source(self, path: str, modname: str | None) -> bool:
        directory = os.path.dirname(path)
        verdict = self._in_source_dirs(directory)
        if verdict is not None:
            return verdict
        if modname is not None:
            for pkg in self.source_pkgs:
                if modname == pkg or modname.startswith(pkg + "."):
                    self._seen_pkgs.add(pkg)
                    return True
        unresolved = len(self._pkg_dirs) + len(self._pkg_files) < len(self.source_pkgs)
        if unresolved and self._resolved_with != sys.path:
            self._resolve_packages()
        for pkg, file in self._pkg_files.items():
            if path == file:
                self._seen_pkgs.add(pkg)
                return True
        for pkg, dirs in self._pkg_dirs.items():
            if any(_is_under(path, d) for d in dirs):
                self._seen_pkgs.add(pkg)
                return self._source_allows(
                    directory, [d for ds in self._pkg_dirs.values() for d in ds]
                )
        return False

    def _in_source_dirs(self, directory: str) -> bool | None:
        """For a file in `directory`: None if no source directory holds it,
        else whether it is measured there (decided once per directory, as
        every import asks)."""
        try:
            return self._source_dir_cache[directory]
        except KeyError:
            pass
        verdict = None
        if any(_is_under(directory, d) for d in self.source_dirs):
            verdict = self._source_allows(directory, self.source_dirs)
        self._source_dir_cache[directory] = verdict
        return verdict

    def _source_allows(self, directory: str, roots: list[str]) -> bool:
        """Third-party code inside a source tree is skipped, unless the source is itself there."""
        if not self._is_third_party(directory):
            return True
        return any(self._is_third_party(r) and _is_under(directory, r) for r in roots)

    def selects(self, path: str, modname: str | None = None) -> bool:
        """Should the file at `path` (module `modname`, when known) be measured?"""
        return self._selects_canonical(self.canonical_file(path), modname)

    def canonical_file(self, path: str) -> str:
        """`canonical_path(path)`, resolved once per file and directory per run
        (as coverage.py decides once per file name): every import asks, and so
        does the exit for every measured file, and most files sit in a
        directory resolved before, so one `lstat` of the file replaces one
        per component of its path."""
        # Keys are absolute and normal already: a path asked before is found
        # without `abspath` (the exit asks again for every measured file).
        canonical = self._canonical_files.get(path)
        if canonical is None:
            path = os.path.abspath(path)
            canonical = self._canonical_files.get(path)
            if canonical is None:
                canonical = self._canonical_files[path] = self._resolve_file(path)
        return canonical

    def _resolve_file(self, path: str) -> str:
        if os.path.islink(path):
            return canonical_path(path)
        directory, name = os.path.split(path)
        real = self._real_dirs.get(directory)
        if real is None:
            real = self._real_dirs[directory] = canonical_path(directory)
        return os.path.join(real, name)

    def _selects_canonical(self, path: str, modname: str | None = None) -> bool:
        if self.source_dirs or self.source_pkgs:
            if not self._in_source(path, modname):
                return False
        elif self.include is not None:
            if not self.include.match(path):
                return False
        elif not self._default_dir(os.path.dirname(path)):
            return False
        return not (self.omit is not None and self.omit.match(path))

    def unseen_packages(self) -> list[str]:
        """Source packages that no measured file belonged to (coverage.py warns of these)."""
        return [pkg for pkg in self.source_pkgs if pkg not in self._seen_pkgs]

    def unimported_files(self, measured: Container[str] = ()) -> list[str]:
        """The .py files under the source directories and packages that the filter
        selects (canonical paths), as coverage.py lists them, except the
        `measured` ones (canonical paths), which need no decision.

        Called when the program has finished.
        """
        self._resolve_packages(allow_import=True)
        roots = list(self.source_dirs)
        for dirs in self._pkg_dirs.values():
            roots.extend(dirs)
        found: list[str] = []
        seen: set[str] = set()
        for root in roots:
            for path, is_link in _python_files(root):
                # The roots are canonical and the walk follows no directory
                # link: only a file that is a link itself needs resolving.
                if is_link:
                    path = canonical_path(path)
                if path in seen or path in measured or not self._selects_canonical(path):
                    continue
                seen.add(path)
                found.append(path)
        for path in self._pkg_files.values():
            if (
                path not in seen
                and path not in measured
                and path.endswith((".py", ".pyw"))
                and self._selects_canonical(path)
            ):
                seen.add(path)
                found.append(path)
        return found


_IMPORTABLE = re.compile(r"[^.#~!$@%^&*()+=,]+\.pyw?")


def _python_files(root: str) -> Iterator[tuple[str, bool]]:
    """Importable Python files under `root`, each with whether it is a link
    itself: sub-directories need an __init__.py (coverage.py's
    find_python_files without namespace packages). Like `os.walk`, in sorted
    order, following no directory link; the scan's entries say which files are
    links, without a `stat` each."""
    pending = [(root, True)]
    while pending:
        directory, is_root = pending.pop()
        try:
            with os.scandir(directory) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except OSError:
            continue
        files: list[os.DirEntry[str]] = []
        subdirectories: list[os.DirEntry[str]] = []
        for entry in entries:
            if not _is_dir(entry):
                files.append(entry)
            elif not entry.is_symlink():
                subdirectories.append(entry)
        if not is_root and not any(entry.name == "__init__.py" for entry in files):
            continue
        for entry in files:
            if _IMPORTABLE.fullmatch(entry.name):
                yield entry.path, entry.is_symlink()
        pending.extend((entry.path, False) for entry in reversed(subdirectories))


def _is_dir(entry: os.DirEntry[str]) -> bool:
    """A directory, or a link to one (as `os.walk` sorts entries)."""
    try:
        return entry.is_dir()
    except OSError:
        return False
