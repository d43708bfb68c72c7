"""Measurement and report settings, and coverage.py's default patterns.

Users move between coverage.py and rcov, so an unconfigured rcov excludes and
excuses exactly the lines coverage.py 7.17 does (`coverage/config.py`). The
patterns are regular expressions matched against source lines by `_rcov`.
"""

from __future__ import annotations

import os

__all__ = [
    "DEFAULT_EXCLUDE",
    "DEFAULT_PARTIAL",
    "DEFAULT_PARTIAL_ALWAYS",
    "RunOptions",
    "Settings",
    "code_cache_dir",
]

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


def code_cache_dir() -> str | None:
    """Where instrumented code is kept between runs: `$RCOV_CACHE_DIR` (set
    but empty: no cache), else `rcov` in the user's cache directory
    (`$XDG_CACHE_HOME`, else `~/.cache`); None when there is no home."""
    configured = os.environ.get("RCOV_CACHE_DIR")
    if configured is not None:
        return os.path.abspath(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "rcov") if os.path.isabs(base) else None


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
        data_file: str | None = None,
        parallel: bool = False,
        append: bool = False,
        relative_files: bool = False,
        sigterm: bool = False,
        count: bool = False,
        trackcalls: bool = False,
        show_functions: bool = False,
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
        # The data file to write (an absolute path), or None to write none.
        self.data_file = data_file
        self.parallel = parallel
        self.append = append
        self.relative_files = relative_files
        # Save the data on SIGTERM, then end as SIGTERM does.
        self.sigterm = sigterm
        # Count every run of every line (slower: line events stay on).
        self.count = count
        # Record (caller, callee) pairs of measured functions.
        self.trackcalls = trackcalls
        # List the functions that never ran after the table.
        self.show_functions = show_functions
        # Instrumented code from earlier runs (None: no cache).
        self.cache_dir = code_cache_dir()

    @property
    def reports(self) -> bool:
        """Does the run end with a report (terminal or JSON)?"""
        return self.report or self.json_file is not None

    def __repr__(self) -> str:
        return f"RunOptions({vars(self)!r})"


class Settings:
    """Every setting a configuration file can give, with coverage.py's defaults.

    `rcfile.read_settings` fills it from the configuration file in effect; the
    command line then overrides what it was given. Attribute names follow
    coverage.py's `CoverageConfig`.
    """

    def __init__(self) -> None:
        self.config_file: str | None = None
        # [run]
        self.branch = False
        self.source: list[str] = []
        self.source_pkgs: list[str] = []
        self.run_include: list[str] = []
        self.run_omit: list[str] = []
        self.parallel = False
        self.data_file = ".coverage"
        self.relative_files = False
        self.sigterm = False
        # [paths]: local root -> [local root, other roots...]
        self.paths: dict[str, list[str]] = {}
        # [report]
        self.exclude_lines: list[str] = list(DEFAULT_EXCLUDE)
        self.exclude_also: list[str] = []
        self.partial_branches: list[str] = list(DEFAULT_PARTIAL)
        self.partial_branches_always: list[str] = list(DEFAULT_PARTIAL_ALWAYS)
        self.partial_also: list[str] = []
        self.fail_under = 0.0
        self.precision = 0
        self.show_missing = False
        self.skip_covered = False
        self.skip_empty = False
        self.sort: str | None = None
        self.format: str | None = None
        self.report_include: list[str] = []
        self.report_omit: list[str] = []
        # [html], [xml], [json], [lcov]
        self.html_dir = "htmlcov"
        self.html_title = "Coverage report"
        self.html_skip_covered: bool | None = None
        self.html_skip_empty: bool | None = None
        self.xml_output = "coverage.xml"
        self.xml_package_depth = 99
        self.json_output = "coverage.json"
        self.json_pretty_print = False
        self.lcov_output = "coverage.lcov"
        self.lcov_line_checksums = False

    @property
    def exclude(self) -> list[str]:
        """The exclusion regexes in effect (coverage.py adds exclude_also)."""
        return [*self.exclude_lines, *self.exclude_also]

    @property
    def partial(self) -> list[str]:
        """The partial-branch regexes in effect, "always" ones included."""
        return [*self.partial_branches, *self.partial_also, *self.partial_branches_always]

    def __repr__(self) -> str:
        return f"Settings({vars(self)!r})"
