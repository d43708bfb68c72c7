"""rcov's own messages to the user: one `rcov: ...` line on stderr."""

from __future__ import annotations

import sys

__all__ = ["say"]


def say(message: str) -> None:
    """Write `rcov: message` on stderr; never raises (rcov's messages must not
    break the program it measures, even when stderr is gone)."""
    try:
        sys.stderr.write(f"rcov: {message}\n")
        sys.stderr.flush()
    except Exception:  # noqa: BLE001, S110 - stderr itself is unusable
        pass
