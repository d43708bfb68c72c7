"""The import hook: measured modules are compiled by the collector.

A `sys.meta_path` finder placed first asks the finders behind it for the spec
exactly as the import system would, and returns that same spec. Only when the
spec's loader is CPython's plain `SourceFileLoader` and the source filter
selects the file does it swap the loader for `MeasuringLoader`, whose
`get_code` compiles the source through `Collector.compile`. Everything else in
the spec (origin, cached, submodule_search_locations, has_location, parent) is
left as the normal import made it, so `__file__`, `__spec__`, `__cached__`,
`importlib.resources` and `inspect.getsource` behave as without rcov.

A measured module never uses `__pycache__`: an existing .pyc would bypass the
rewrite, and a .pyc written from rewritten code would poison later runs
without rcov. When the collector cannot instrument a file, rcov warns once and
the file is imported the normal way (bytecode cache included).
"""

from __future__ import annotations

import importlib.machinery
import sys
from collections.abc import Callable, Sequence
from types import CodeType, ModuleType

from . import _rcov
from .filters import SourceFilter

__all__ = ["MeasuringFinder", "MeasuringLoader", "read_source", "warn_not_measured"]

_warned: set[str] = set()
_PYTEST_REWRITE = "_pytest.assertion.rewrite"


def warn_not_measured(path: str, reason: object) -> None:
    """Tell the user, once per file, that `path` runs unmeasured."""
    if path in _warned:
        return
    _warned.add(path)
    try:
        sys.stderr.write(f"rcov: not measuring {path}: {reason}\n")
        sys.stderr.flush()
    except Exception:  # noqa: BLE001, S110 - stderr itself is unusable
        pass


def read_source(data: bytes) -> str:
    """Decode a source file as the compiler would (PEP 263 cookie, BOM, newlines)."""
    # The common case (UTF-8, no cookie) without decode_source's Python code,
    # nor its imports (`tokenize`, and `re` from 3.15 on): measuring the
    # standard library, those would be imported, and measured, half-way
    # through the import of one of them. No module they import has a cookie.
    text = _rcov.decode_utf8(data)
    if text is None:
        import importlib.util

        text = importlib.util.decode_source(data)
    return text


def load_unchanged(collector: _rcov.Collector, path: str) -> CodeType | None:
    """The cached code of `path` if the file is unchanged since it was cached.

    Found by the file's stamp (its stat data), without reading the source;
    None means: read it and compile it (`compile_measured`).
    """
    try:
        return collector.load_unchanged(path)
    except (Exception, _rcov.PanicException):  # noqa: BLE001 - never break the program: compile instead
        return None


def compile_measured(collector: _rcov.Collector, data: bytes, path: str) -> CodeType | None:
    """The collector's code object for `data`, or None if it cannot be measured.

    None means: compile it the normal way. A file that is not valid Python gets
    no warning, because the normal compile then raises CPython's own
    SyntaxError for the original text, which is what the user must see.
    """
    try:
        text = read_source(data)
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return None
    try:
        return collector.compile(text, path)
    except (Exception, _rcov.PanicException) as exc:  # noqa: BLE001 - never break the program: fall back
        reason: BaseException = exc
    try:
        compile(data, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return None
    # Valid Python that rcov cannot measure (or a rewrite CPython rejects).
    warn_not_measured(path, reason)
    return None


# CPython hides the import machinery from tracebacks: a run of frames of
# "<frozen importlib._bootstrap*>" ending in a frame named
# `_call_with_frames_removed` is cut (Python/import.c, remove_importlib_frames).
# MeasuringLoader.get_code has that function name and, by `replace`, that
# file, and re-raises a SyntaxError without its traceback, so that a module
# with a syntax error shows CPython's own error with neither import frames nor
# rcov's frames, exactly as without rcov.
def _call_with_frames_removed(self: MeasuringLoader, fullname: str) -> CodeType:
    try:
        return self._code(fullname)
    except SyntaxError as exc:
        raise exc.with_traceback(None)


_call_with_frames_removed.__code__ = _call_with_frames_removed.__code__.replace(
    co_filename="<frozen importlib._bootstrap_external>"
)


class MeasuringLoader(importlib.machinery.SourceFileLoader):
    """A SourceFileLoader whose code comes from the collector, never from a .pyc."""

    collector: _rcov.Collector

    def __init__(self, fullname: str, path: str, collector: _rcov.Collector) -> None:
        super().__init__(fullname, path)
        self.collector = collector

    def _code(self, fullname: str) -> CodeType:
        path = self.get_filename(fullname)
        code = load_unchanged(self.collector, path)
        if code is None:
            code = compile_measured(self.collector, self.get_data(path), path)
        if code is not None:
            return code
        return importlib.machinery.SourceFileLoader.get_code(self, fullname)  # type: ignore[return-value]

    get_code = _call_with_frames_removed


class MeasuringFinder:
    """First on sys.meta_path: the normal spec, with a measuring loader when selected."""

    def __init__(self, collector: _rcov.Collector, source_filter: SourceFilter) -> None:
        self.collector = collector
        self.filter = source_filter
        self._pytest_pending = True

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if self._pytest_pending and _PYTEST_REWRITE in sys.modules:
            # pytest compiles test files itself, before this finder: hook it
            # once its module is loaded, before its hook loads any test file
            # (pytest imports other modules in between).
            self._pytest_pending = False
            from .pytest_rewrite import hook_pytest

            self._pytest_pending = not hook_pytest()
        spec = self._normal_spec(fullname, path, target)
        if spec is None:
            return None
        loader = spec.loader
        if (
            type(loader) is importlib.machinery.SourceFileLoader
            and spec.origin is not None
            and spec.origin.endswith(tuple(importlib.machinery.SOURCE_SUFFIXES))
            and self.filter.selects(spec.origin, fullname)
        ):
            spec.loader = MeasuringLoader(fullname, spec.origin, self.collector)
        return spec

    def _normal_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None,
    ) -> importlib.machinery.ModuleSpec | None:
        """The spec the rest of sys.meta_path gives, found the way the import system would."""
        seen_self = False
        for finder in list(sys.meta_path):
            if finder is self:
                seen_self = True
                continue
            if not seen_self or isinstance(finder, MeasuringFinder):
                continue
            find: Callable[..., importlib.machinery.ModuleSpec | None] | None = getattr(
                finder, "find_spec", None
            )
            if find is None:
                continue
            spec = find(fullname, path, target)
            if spec is not None:
                return spec
        return None

    def invalidate_caches(self) -> None:
        pass


def install(finder: MeasuringFinder) -> None:
    """Put `finder` first on sys.meta_path."""
    sys.meta_path.insert(0, finder)


def uninstall(finder: MeasuringFinder) -> None:
    if finder in sys.meta_path:
        sys.meta_path.remove(finder)
