"""Saving the data on every way out of a measured process.

`atexit` covers a normal end, `sys.exit()` and an uncaught exception. The
other exits skip it, so rcov wraps them, once per process:
- `os._exit` (how multiprocessing's and concurrent.futures' forked workers
  end) and `os.execv`/`os.execve` (every `os.exec*` goes through one of them):
  the data is saved first;
- `fork`: the child takes the session over as its own (its own parallel data
  file, no report), so parent and child never write the same file;
- SIGTERM, when asked (`--sigterm`, `[run] sigterm`): save, then end by
  SIGTERM as the default action would. Only when the program has not set a
  handler of its own.
"""

from __future__ import annotations

import os

from .process_start import current_session

# Names for annotations only: the typing module is not loaded at run time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from types import FrameType
    from typing import Any

__all__ = ["install_exit_hooks"]

_installed: list[bool] = []


def _save() -> None:
    session = current_session()
    if session is not None:
        session.finish()


def _saving_first(real: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _save()
        return real(*args, **kwargs)

    wrapper.__name__ = real.__name__
    wrapper.__qualname__ = real.__qualname__
    wrapper.__doc__ = real.__doc__
    wrapper.__wrapped__ = real  # type: ignore[attr-defined]
    return wrapper


def _after_fork_in_child() -> None:
    session = current_session()
    if session is not None:
        session.forked()


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    import signal

    _save()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGTERM)


def install_exit_hooks(sigterm: bool) -> None:
    """Wrap the exits that skip atexit (once per process); SIGTERM when asked."""
    if not _installed:
        _installed.append(True)
        os._exit = _saving_first(os._exit)
        os.execv = _saving_first(os.execv)
        os.execve = _saving_first(os.execve)
        os.register_at_fork(after_in_child=_after_fork_in_child)
    if not sigterm:
        return
    import signal  # only with --sigterm: not a cost of every run

    if hasattr(signal, "SIGTERM"):
        try:
            if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
                signal.signal(signal.SIGTERM, _on_sigterm)
        except ValueError:
            pass  # not the main thread of the main interpreter
