"""`rcov.Coverage`: rcov as a library, for test harnesses and fuzzers.

Shaped like coverage.py's `Coverage` class, so a harness written for one
works with the other: `start()`/`stop()` (or `with`), `save()`, `load()`,
`erase()`, `combine()`, `get_data()` and the reports. It is glue over the
pieces the command line uses: a `Session` measures (collector, import hook,
source filter), `rcfile`/`config` give the settings, `combine` merges data
files and the report modules write the reports, all from one
`_rcov.CoverageData`.

Like every rcov measurement, a `Coverage` measures the modules imported while
it runs (rcov instruments at import time): start it before importing the code
under test. Several `Coverage` objects may exist, but only one measures at a
time; each keeps the modules it instrumented, so stopping and starting the
same object again goes on measuring them.
"""

from __future__ import annotations

import os
import sys
import threading

from . import _rcov
from .config import RunOptions, Settings
from .messages import say as _say
from .session import Session

# Names for annotations only: the typing module is not loaded at run time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Self, TextIO

    from .summary import FileReport

__all__ = ["Coverage", "CoverageError"]


class CoverageError(Exception):
    """A `Coverage` call could not be done; the message says why."""


class _Default:
    """The "not given" value of `data_file` (None means: no data file)."""

    def __repr__(self) -> str:
        return "DEFAULT"


DEFAULT = _Default()

# The Coverage object measuring now, if any (one at a time: each owns a
# sys.monitoring tool id and an import hook while it measures).
_measuring: list[Coverage] = []
_measuring_lock = threading.Lock()


def _settings(config_file: str | bool) -> Settings:
    from .rcfile import ConfigError, read_settings

    if config_file is False:
        return Settings()
    try:
        return read_settings(config_file if isinstance(config_file, str) else None)
    except ConfigError as exc:
        raise CoverageError(str(exc)) from None


def _as_list(value: str | list[str] | tuple[str, ...] | None) -> list[str] | None:
    """coverage.py takes a pattern list or one comma-separated string."""
    if value is None:
        return None
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return list(value)


class Coverage:
    """Measures the code imported while it runs; saves and reports.

    Arguments are coverage.py's: `source` (directories or packages to
    measure), `include`/`omit` (glob patterns of files), `branch`,
    `data_file` (default `.coverage` or the configuration's; None for no
    file: data stays in memory), `config_file` (True: find the configuration
    as the command line does; a path; False: none) and `context` (the static
    context label every line is recorded under). Explicit arguments win over
    the configuration file.
    """

    def __init__(
        self,
        *,
        source: list[str] | None = None,
        include: str | list[str] | None = None,
        omit: str | list[str] | None = None,
        branch: bool | None = None,
        data_file: str | None | _Default = DEFAULT,
        config_file: str | bool = True,
        context: str | None = None,
    ) -> None:
        self.settings = _settings(config_file)
        settings = self.settings
        if isinstance(data_file, _Default):
            self._data_file: str | None = os.path.abspath(settings.data_file)
        else:
            self._data_file = None if data_file is None else os.path.abspath(data_file)
        self._branch = settings.branch if branch is None else branch
        self.options = RunOptions(
            branch=self._branch,
            source=_as_list(source) or [*settings.source, *settings.source_pkgs],
            include=_as_list(include) or settings.run_include,
            omit=_as_list(omit) or settings.run_omit,
            report=False,
            precision=settings.precision,
            exclude=settings.exclude,
            partial=settings.partial,
            data_file=self._data_file,
            parallel=settings.parallel,
            relative_files=settings.relative_files,
        )
        try:
            self._session = Session(self.options)
        except (ValueError, OSError) as exc:
            raise CoverageError(str(exc)) from None
        if context:
            self._session.static_context = context
            self._session.switch_context(None)
        # Data loaded or combined from data files, beside what is measured.
        self._stored = _rcov.CoverageData(has_arcs=self._branch)

    def __repr__(self) -> str:
        state = "measuring" if self.measuring else "stopped"
        return f"<rcov.Coverage branch={self._branch} data_file={self._data_file!r} {state}>"

    @staticmethod
    def current() -> Coverage | None:
        """The Coverage object measuring now, or None."""
        return _measuring[0] if _measuring else None

    @property
    def measuring(self) -> bool:
        return bool(_measuring) and _measuring[0] is self

    # --- measuring ----------------------------------------------------------

    def start(self) -> None:
        """Start measuring: modules imported from now on are instrumented, and
        those instrumented earlier by this object are measured again.

        Raises CoverageError if another Coverage object is measuring.
        """
        with _measuring_lock:
            if _measuring:
                if _measuring[0] is self:
                    return
                raise CoverageError(
                    f"another Coverage object is measuring ({_measuring[0]!r}): "
                    "stop it before starting this one"
                )
            try:
                self._session.start()
            except RuntimeError as exc:  # no free sys.monitoring tool id
                raise CoverageError(str(exc)) from None
            _measuring.append(self)

    def stop(self) -> None:
        """Stop measuring (what was measured is kept). Does nothing if this
        object is not measuring."""
        with _measuring_lock:
            if not self.measuring:
                return
            _measuring.clear()
            self._session.stop()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def switch_context(self, new_context: str) -> None:
        """Count everything that runs from now on under `new_context` (a test's
        name, say), as coverage.py's `switch_context` does: with a static
        `context`, the recorded name is `static|new_context`; "" goes back to
        the static context alone.

        Each line already run is re-armed (`sys.monitoring.restart_events()`)
        and records once more, under the new context; the contexts are
        written to the data file as coverage.py writes them, so `coverage html
        --show-contexts` shows which context ran each line.
        """
        self._session.switch_context(new_context)

    # --- data ---------------------------------------------------------------

    def get_data(self) -> _rcov.CoverageData:
        """Everything measured so far (even while measuring) plus what was
        loaded or combined: `measured_files()`, `lines(path)`, `arcs(path)`,
        `measured_contexts()`, `contexts_by_lineno(path)`, by absolute path."""
        data = _rcov.CoverageData(has_arcs=self._branch)
        try:
            data.update(self._stored, names=("measured", "loaded"))
            data.update(self._session.data(), names=("loaded", "measured"))
        except _rcov.DataError as exc:
            raise CoverageError(str(exc)) from None
        return data

    def new_coverage(self) -> dict[str, tuple[list[int], list[tuple[int, int]]]]:
        """What ran for the first time since the previous call (everything
        measured, on the first call): per file path with news, the new
        executed lines and, when measuring branches, the new arcs `(from,
        to)` (a negative `to` is an exit). An empty dict when nothing new ran.

        Made for coverage-guided fuzzing: when nothing new ran, the call
        costs about a microsecond (one atomic load in rcov's Rust core), so
        it can follow every input. Lines and arcs are returned once per
        object, until `erase()`.
        """
        return self._session.collector.new_coverage()

    def save(self) -> None:
        """Write `get_data()` to the data file (parallel-named under `[run]
        parallel`). Does nothing without a data file."""
        if self._data_file is None:
            return
        self._session.save(self.get_data())

    def load(self) -> None:
        """Replace the data with the data file's: what was measured so far is
        dropped, as coverage.py's `load()` does. A missing file loads nothing."""
        self._forget_measured()
        self._stored = _rcov.CoverageData(has_arcs=self._branch)
        if self._data_file is None or not os.path.exists(self._data_file):
            return
        try:
            self._stored = _rcov.CoverageData.read(self._data_file)
        except _rcov.DataError as exc:
            raise CoverageError(str(exc)) from None

    def erase(self) -> None:
        """Forget everything measured or loaded, and delete the data file
        (and its parallel files under `[run] parallel`)."""
        from .datafiles import erase

        self._forget_measured()
        self._stored = _rcov.CoverageData(has_arcs=self._branch)
        if self._data_file is not None:
            erase(self._data_file, parallel=self.settings.parallel)

    def combine(
        self, data_paths: list[str] | None = None, *, strict: bool = False, keep: bool = False
    ) -> None:
        """Combine the parallel data files (`<data file>.*` beside the data
        file, or those found in `data_paths`) into the data file, with the
        configuration's `[paths]` remapping; `get_data()` then holds them too.
        What this object measured stays in memory (`save()` writes it).

        Raises CoverageError when `strict` and nothing could be combined.
        """
        from .combine import CombineError, combine
        from .commands import CommandError, path_aliases
        from .datafiles import run_meta

        if self._data_file is None:
            raise CoverageError("there is no data file to combine into (data_file=None)")
        try:
            combined = combine(
                self._data_file,
                data_paths,
                aliases=path_aliases(self.settings),
                keep=keep,
                append=True,
                strict=strict,
                meta=run_meta(_rcov.__version__),
                message=lambda _msg: None,
                warn=_say,
            )
            if combined is not None:
                self._stored.update(combined, names=("loaded", self._data_file))
        except (CombineError, CommandError, _rcov.DataError) as exc:
            raise CoverageError(str(exc)) from None

    def _forget_measured(self) -> None:
        self._session.collector.clear_hits()
        if self.measuring:
            # Lines already run are disabled: have them fire again.
            sys.monitoring.restart_events()

    # --- reports ------------------------------------------------------------

    def _reports(
        self,
        include: str | list[str] | None,
        omit: str | list[str] | None,
        *,
        functions: bool,
    ) -> list[FileReport]:
        """The files' results; their functions only with `functions` (each
        file that rcov did not compile in this run or cache is compiled again
        for them)."""
        from .analysis import file_reports

        settings = self.settings
        include_list = _as_list(include)
        omit_list = _as_list(omit)
        try:
            reports = file_reports(
                self.get_data(),
                exclude=settings.exclude,
                partial=settings.partial,
                include=settings.report_include if include_list is None else include_list,
                omit=settings.report_omit if omit_list is None else omit_list,
                cwd=self._session.filter.cwd,
                warn=_say,
                functions=functions,
                compiled_by=self._session.collector,
                compiled_as=self._session.compiled_name,
            )
        except ValueError as exc:  # a bad include/omit pattern
            raise CoverageError(str(exc)) from None
        if not reports:
            raise CoverageError("No data to report.")
        return reports

    def report(
        self,
        *,
        file: TextIO | None = None,
        show_missing: bool | None = None,
        skip_covered: bool | None = None,
        skip_empty: bool | None = None,
        include: str | list[str] | None = None,
        omit: str | list[str] | None = None,
        precision: int | None = None,
        sort: str | None = None,
        output_format: str | None = None,
    ) -> float:
        """Write the coverage table (to `file`, default stdout); return the
        total percentage. Options default to the configuration's `[report]`."""
        from .report import ReportError, write_report

        s = self.settings
        try:
            return write_report(
                self._reports(include, omit, functions=False),
                sys.stdout if file is None else file,
                branch=self._branch,
                precision=s.precision if precision is None else precision,
                show_missing=s.show_missing if show_missing is None else show_missing,
                skip_covered=s.skip_covered if skip_covered is None else skip_covered,
                skip_empty=s.skip_empty if skip_empty is None else skip_empty,
                sort=sort or s.sort,
                output_format=output_format or s.format or "text",
            )
        except ReportError as exc:
            raise CoverageError(str(exc)) from None

    def json_report(
        self,
        outfile: str | None = None,
        *,
        pretty_print: bool | None = None,
        include: str | list[str] | None = None,
        omit: str | list[str] | None = None,
    ) -> float:
        """Write coverage.py's JSON report (default `coverage.json`; "-" for
        stdout); return the total percentage."""
        from .commands import open_output
        from .jsonreport import write_json
        from .summary import Numbers

        reports = self._reports(include, omit, functions=True)
        s = self.settings
        out, close = open_output(outfile or s.json_output)
        try:
            write_json(
                reports,
                out,
                branch=self._branch,
                version=_rcov.__version__,
                precision=s.precision,
                pretty=s.json_pretty_print if pretty_print is None else pretty_print,
            )
        finally:
            close()
        total = Numbers()
        for report in reports:
            total = total + report.numbers
        return total.pc_covered

    def xml_report(
        self,
        outfile: str | None = None,
        *,
        include: str | list[str] | None = None,
        omit: str | list[str] | None = None,
        skip_empty: bool | None = None,
    ) -> float:
        """Write the Cobertura XML report (default `coverage.xml`); return the
        total percentage."""
        from .commands import open_output
        from .xmlreport import write_xml

        reports = self._reports(include, omit, functions=False)
        s = self.settings
        out, close = open_output(outfile or s.xml_output)
        try:
            return write_xml(
                reports,
                out,
                branch=self._branch,
                version=_rcov.__version__,
                source_roots=self.options.source,
                relative_files=s.relative_files,
                package_depth=s.xml_package_depth,
                skip_empty=s.skip_empty if skip_empty is None else skip_empty,
            )
        finally:
            close()

    def lcov_report(
        self,
        outfile: str | None = None,
        *,
        include: str | list[str] | None = None,
        omit: str | list[str] | None = None,
    ) -> float:
        """Write the LCOV report (default `coverage.lcov`); return the total
        percentage."""
        from .commands import open_output
        from .lcovreport import write_lcov

        reports = self._reports(include, omit, functions=True)
        s = self.settings
        out, close = open_output(outfile or s.lcov_output)
        try:
            return write_lcov(
                reports, out, branch=self._branch, line_checksums=s.lcov_line_checksums
            )
        finally:
            close()

    def html_report(
        self,
        directory: str | None = None,
        *,
        title: str | None = None,
        include: str | list[str] | None = None,
        omit: str | list[str] | None = None,
        skip_covered: bool | None = None,
        skip_empty: bool | None = None,
        precision: int | None = None,
    ) -> float:
        """Write the HTML report (default `htmlcov/`); return the total
        percentage."""
        import importlib

        reports = self._reports(include, omit, functions=True)
        s = self.settings
        if skip_covered is None:
            skip_covered = s.skip_covered if s.html_skip_covered is None else s.html_skip_covered
        if skip_empty is None:
            skip_empty = s.skip_empty if s.html_skip_empty is None else s.html_skip_empty
        html = importlib.import_module("rcov.htmlreport")
        total: float = html.write_html(
            reports,
            directory or s.html_dir,
            branch=self._branch,
            version=_rcov.__version__,
            title=title or s.html_title,
            precision=s.precision if precision is None else precision,
            skip_covered=skip_covered,
            skip_empty=skip_empty,
        )
        return total
