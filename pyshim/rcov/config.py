"""Measurement and report settings, and coverage.py's default patterns.

Users move between coverage.py and rcov, so an unconfigured rcov excludes and
excuses exactly the lines coverage.py 7.17 does (`coverage/config.py`). The
patterns are regular expressions matched against source lines by `_rcov`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["DEFAULT_EXCLUDE", "DEFAULT_PARTIAL", "DEFAULT_PARTIAL_ALWAYS", "RunOptions"]

# Lines (and the blocks they start) that are not measured at all.
DEFAULT_EXCLUDE: list[str] = [
    r"#\s*(pragma|PRAGMA)[:\s]?\s*(no|NO)\s*(cover|COVER)",
    r"^\s*(((async )?def .*?)?[\])]+(\s*->.*?)?:\s*)?\.\.\.\s*(#|$)",
    r"^\s*if (typing\.)?TYPE_CHECKING:",
]

# Branch lines whose missing branches are not reported.
DEFAULT_PARTIAL: list[str] = [
    r"#\s*(pragma|PRAGMA)[:\s]?\s*(no|NO)\s*(branch|BRANCH)",
]

# Branching constructs that cannot take all their branches, by Python semantics.
DEFAULT_PARTIAL_ALWAYS: list[str] = [
    r"^\s*while (True|1|False|0):",
    r"^\s*if (True|1|False|0):",
]


@dataclass
class RunOptions:
    """What `rcov run` / `python -m rcov.instrument` was asked to do."""

    branch: bool = False
    source: list[str] = field(default_factory=list)
    include: list[str] = field(default_factory=list)
    omit: list[str] = field(default_factory=list)
    json_file: str | None = None
    report: bool = True
    report_file: str | None = None
    precision: int = 0
    skip_covered: bool = False
    exclude: list[str] = field(default_factory=lambda: list(DEFAULT_EXCLUDE))
    # coverage.py joins partial_list + partial_always_list into one regex.
    partial: list[str] = field(default_factory=lambda: [*DEFAULT_PARTIAL, *DEFAULT_PARTIAL_ALWAYS])
