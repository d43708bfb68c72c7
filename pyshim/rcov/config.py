"""Measurement and report settings, and coverage.py's default patterns.

Users move between coverage.py and rcov, so an unconfigured rcov excludes and
excuses exactly the lines coverage.py 7.17 does (`coverage/config.py`). The
patterns are regular expressions matched against source lines by `_rcov`.
"""

from __future__ import annotations

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


class RunOptions:
    """What `rcov run` / `python -m rcov.instrument` was asked to do.

    (A plain class, not a dataclass: importing dataclasses costs more start-up
    time than rcov's whole command line.)
    """

    def __init__(
        self,
        *,
        branch: bool = False,
        source: list[str] | None = None,
        include: list[str] | None = None,
        omit: list[str] | None = None,
        json_file: str | None = None,
        report: bool = True,
        report_file: str | None = None,
        precision: int = 0,
        skip_covered: bool = False,
        exclude: list[str] | None = None,
        partial: list[str] | None = None,
    ) -> None:
        self.branch = branch
        self.source = list(source or [])
        self.include = list(include or [])
        self.omit = list(omit or [])
        self.json_file = json_file
        self.report = report
        self.report_file = report_file
        self.precision = precision
        self.skip_covered = skip_covered
        self.exclude = list(DEFAULT_EXCLUDE if exclude is None else exclude)
        # coverage.py joins partial_list + partial_always_list into one regex.
        self.partial = list(
            [*DEFAULT_PARTIAL, *DEFAULT_PARTIAL_ALWAYS] if partial is None else partial
        )

    def __repr__(self) -> str:
        return f"RunOptions({vars(self)!r})"
