"""Keeps rcov out of the way of a program that uses sys.monitoring itself.

rcov holds a sys.monitoring tool id (COVERAGE_ID when it is free) while it
measures. A measured program may want that very id: coverage.py running
inside it, a debugger or profiler, a test of a tool. Without rcov the id is
free, so the program's calls must work as if it were: while a session
measures, the functions of `sys.monitoring` that take a tool id are wrapped.

- A call that changes the state of rcov's id (`use_tool_id`,
  `free_tool_id`, `register_callback`, `set_events`, `set_local_events`,
  `clear_tool_id`) first moves rcov to another free id, says so on stderr,
  then runs as the program wrote it. Nothing the program registers ever sees
  rcov's events, and rcov's callback is never replaced.
- A query of rcov's id (`get_tool`, `get_events`, `get_local_events`)
  answers what it would without rcov: free, no events.
- When no other id is free, rcov stops measuring and says so: its data then
  holds what ran before, never lines it did not see.

`restart_events()` is left alone: it makes rcov's callback see lines again
that it already recorded, which changes no data. rcov's own calls go to the
functions it captured before these wrappers existed (runtime/src/monitor.rs).
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from . import _rcov
from .messages import say as _say

# Names for annotations only: the typing module is not loaded at run time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["guard", "unguard"]

_CHANGING = (
    "use_tool_id",
    "free_tool_id",
    "clear_tool_id",
    "register_callback",
    "set_events",
    "set_local_events",
)
_QUERIES: dict[str, object] = {"get_tool": None, "get_events": 0, "get_local_events": 0}

_collectors: list[_rcov.Collector] = []
_originals: dict[str, Callable[..., Any]] = {}


def _holder(tool_id: object) -> _rcov.Collector | None:
    for collector in _collectors:
        if tool_id is not None and collector.tool_id == tool_id:
            return collector
    return None


def _make_way(collector: _rcov.Collector, tool_id: int, name: str) -> None:
    """The program changes tool id `tool_id`, which `collector` holds."""
    try:
        moved_to = collector.move_tool()
    except RuntimeError:
        collector.stop()
        _say(
            f"the program calls sys.monitoring.{name}() on tool id {tool_id}, which rcov "
            "was using, and no other tool id is free: rcov stopped measuring; "
            "what runs from here on is not recorded"
        )
        return
    _say(
        f"the program calls sys.monitoring.{name}() on tool id {tool_id}, which rcov "
        f"was using; rcov moved to tool id {moved_to}"
    )


def _changing(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(tool_id: int, *args: Any) -> Any:
        collector = _holder(tool_id)
        if collector is not None:
            _make_way(collector, tool_id, name)
        return original(tool_id, *args)

    wrapper.__name__ = wrapper.__qualname__ = name
    wrapper.__doc__ = original.__doc__
    return wrapper


def _query(name: str, original: Callable[..., Any], free: object) -> Callable[..., Any]:
    def wrapper(tool_id: int, *args: Any) -> Any:
        if _holder(tool_id) is not None:
            original(tool_id, *args)  # the same errors for bad arguments
            return free
        return original(tool_id, *args)

    wrapper.__name__ = wrapper.__qualname__ = name
    wrapper.__doc__ = original.__doc__
    return wrapper


def guard(collector: _rcov.Collector) -> None:
    """Wrap sys.monitoring's functions while `collector` measures."""
    _collectors.append(collector)
    if _originals:
        return
    monitoring = sys.monitoring
    for name in (*_CHANGING, *_QUERIES):
        original = getattr(monitoring, name, None)
        if original is None:
            continue  # clear_tool_id is 3.14's
        _originals[name] = original
        if name in _QUERIES:
            setattr(monitoring, name, _query(name, original, _QUERIES[name]))
        else:
            setattr(monitoring, name, _changing(name, original))


def unguard(collector: _rcov.Collector) -> None:
    """`collector` stopped: the last one out puts the functions back."""
    if collector in _collectors:
        _collectors.remove(collector)
    if _collectors or not _originals:
        return
    monitoring = sys.monitoring
    for name, original in _originals.items():
        # A program that put its own wrapper over rcov's keeps it.
        current = getattr(monitoring, name, None)
        if getattr(current, "__module__", None) == __name__:
            setattr(monitoring, name, original)
    _originals.clear()
