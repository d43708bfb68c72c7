"""Measure the test files and conftests that pytest's assertion rewriting compiles.

pytest's `AssertionRewritingHook` sits before rcov's finder on
`sys.meta_path` and compiles test modules itself (source -> AST -> asserts
rewritten -> code), so rcov's loader never sees them. rcov wraps the hook's
`exec_module` (the import protocol's method, so it cannot silently vanish):
for a file the source filter selects, it gives pytest's public
`rewrite_asserts` the AST of `Collector.prepare`'s text (probes added in
branch mode; every original line keeps its bytes, so pytest's messages are
the same), compiles it and hands the code to `Collector.adopt`, which puts it
back on the original lines and measures it. Files rcov does not measure, and
any file it cannot instrument, go through pytest's own path untouched.

A measured test file never reads or writes pytest's rewritten-pyc cache, as a
measured module never uses `__pycache__`: a cached pyc would bypass the
probes, and one written from probed code would poison runs without rcov.

If pytest's hook or `rewrite_asserts` is not what rcov expects, rcov says so
on stderr, naming the pytest version, and the run goes on unmeasured for
those files: never a silent loss of measurement.
"""

from __future__ import annotations

import sys
from types import CodeType, ModuleType

from . import _rcov
from .importer import MeasuringFinder, read_source, warn_not_measured
from .messages import say as _say

# Names for annotations only: the typing module is not loaded at run time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

__all__ = ["hook_pytest", "hooked"]

REWRITE_MODULE = "_pytest.assertion.rewrite"
# rewrite_asserts(mod, source, module_path=None, config=None), pytest 6 to 9.
_EXPECTED_PARAMETERS = ("mod", "source", "module_path", "config")

_state: dict[str, bool] = {"hooked": False, "warned": False}


def hooked() -> bool:
    """Has pytest's assertion rewriting been hooked in this process?"""
    return _state["hooked"]


def _pytest_version() -> str:
    pytest = sys.modules.get("pytest") or sys.modules.get("_pytest._version")
    return str(getattr(pytest, "__version__", getattr(pytest, "version", "(unknown version)")))


def _warn_unhooked(reason: str) -> None:
    if _state["warned"]:
        return
    _state["warned"] = True
    _say(
        f"WARNING: cannot hook pytest {_pytest_version()}'s assertion rewriting ({reason}): "
        "test files and conftests that pytest rewrites are NOT measured; "
        "run pytest with `--assert=plain` to measure them, "
        "or report this to rcov"
    )


def _active_finder() -> MeasuringFinder | None:
    for finder in sys.meta_path:
        if isinstance(finder, MeasuringFinder):
            return finder
    return None


def hook_pytest() -> bool:
    """Wrap pytest's AssertionRewritingHook.exec_module, once; True if hooked.

    Call once `_pytest.assertion.rewrite` is imported (before the hook loads
    any conftest). Warns, and returns False, when pytest is not as expected.
    """
    if _state["hooked"]:
        return True
    module = sys.modules.get(REWRITE_MODULE)
    if module is None or getattr(module.__spec__, "_initializing", False):
        return False  # not imported yet, or still being imported
    hook_class = getattr(module, "AssertionRewritingHook", None)
    rewrite_asserts = getattr(module, "rewrite_asserts", None)
    original = getattr(hook_class, "exec_module", None)
    code = getattr(rewrite_asserts, "__code__", None)
    if hook_class is None or not callable(original):
        _warn_unhooked("no AssertionRewritingHook.exec_module")
        return False
    if (
        rewrite_asserts is None
        or code is None
        or code.co_varnames[: len(_EXPECTED_PARAMETERS)] != _EXPECTED_PARAMETERS
    ):
        _warn_unhooked("rewrite_asserts() has changed")
        return False

    def exec_module(self: Any, module: ModuleType) -> None:
        measured = _measured_code(self, module, rewrite_asserts)
        if measured is None:
            original(self, module)
            return
        names = getattr(self, "_rewritten_names", None)
        if isinstance(names, dict):  # what pytest's own exec_module records
            from pathlib import Path

            names[module.__name__] = Path(module.__spec__.origin)  # type: ignore[union-attr, arg-type]
        exec(measured, module.__dict__)  # noqa: S102 - executing the module is the point

    exec_module.__doc__ = original.__doc__
    exec_module.__wrapped__ = original  # type: ignore[attr-defined]
    hook_class.exec_module = exec_module
    _state["hooked"] = True
    return True


def _measured_code(
    hook: Any, module: ModuleType, rewrite_asserts: Callable[..., None]
) -> CodeType | None:
    """The module's measured, assertion-rewritten code; None: let pytest do it."""
    finder = _active_finder()
    spec = module.__spec__
    if finder is None or spec is None or spec.origin is None:
        return None
    path = spec.origin
    if not finder.filter.selects(path, module.__name__):
        return None
    config = getattr(hook, "config", None)
    if config is None:
        _warn_unhooked("the hook has no config")
        return None
    try:
        with open(path, "rb") as f:
            data = f.read()
        text = read_source(data)
    except (OSError, SyntaxError, UnicodeDecodeError, LookupError):
        return None  # pytest's own path reports it as it would without rcov
    try:
        prepared_text, prepared = finder.collector.prepare(text, path)
    except _rcov.InstrumentError as exc:
        try:
            compile(data, path, "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            return None
        warn_not_measured(path, exc)
        return None
    import ast

    try:
        tree = ast.parse(prepared_text, filename=path)
    except (SyntaxError, ValueError):
        return None
    rewrite_asserts(tree, prepared_text.encode("utf-8"), path, config)
    code = compile(tree, path, "exec", dont_inherit=True)
    return finder.collector.adopt(code, prepared)
