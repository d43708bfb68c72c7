"""One measurement, from start to reports.

A `Session` holds the source filter, the collector and the import hook;
`start` starts monitoring and puts the hook first on `sys.meta_path`;
`finish` stops, turns the hits of every measured file (plus the
never-imported files of `--source`) into a `_rcov.CoverageData`, saves it
to the data file and writes the reports from it. `finish` is what the command line
runs at exit: it must never raise nor change the program's exit status, so
every failure becomes an `rcov: ...` line on stderr.
"""

from __future__ import annotations

import os
import sys
from types import CodeType

from . import _rcov
from .config import RunOptions
from .datafiles import parallel_filename, run_meta
from .filters import SourceFilter, split_option_list
from .importer import MeasuringFinder, compile_measured, install, uninstall
from .messages import say as _say
from .toolguard import guard, unguard

# Names for annotations only: the typing module is not loaded at run time,
# to keep rcov's start-up (which every measured run pays) short.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

    from .summary import FileReport

__all__ = ["Session"]


class Session:
    """Measures one run of a program with the given options."""

    def __init__(self, options: RunOptions, cwd: str | None = None) -> None:
        self.options = options
        self.filter = SourceFilter(
            split_option_list(options.source),
            split_option_list(options.include),
            split_option_list(options.omit),
            cwd=cwd,
        )
        has_source = bool(self.filter.source_dirs or self.filter.source_pkgs)
        if has_source and split_option_list(options.include):
            _say("--include is ignored because --source is set")
        self.collector = _rcov.Collector(
            branch=options.branch,
            cache_dir=options.cache_dir,
            count=options.count,
            track_calls=options.trackcalls,
        )
        self.finder = MeasuringFinder(self.collector, self.filter)
        self._started = False
        self._finished = False
        # A forked child inherits the atexit handler; it reports only if
        # `forked()` made the session its own (exits.py does, after fork).
        self._pid = os.getpid()
        # When set (a time.time()), `finish` combines into the data file the
        # parallel data files written since by child processes.
        self.children_since: float | None = None
        # A child process (started by RCOV_PROCESS_START, or forked): it
        # saves only what it executed, and only if anything; the parent lists
        # the never-imported files.
        self.child = False
        # The (caller, callee) pairs for the JSON report, once finished.
        self.calls: list[tuple[tuple[str, str, int], tuple[str, str, int]]] = []
        # coverage.py's static context: the label of everything recorded,
        # joined to each dynamic context (`static|dynamic`).
        self.static_context = ""
        # Each measured file's name in the collector, by its name in the data
        # (filled by `data`): the run's report reuses the collector's tables.
        self._compiled_as: dict[str, str] = {}

    def switch_context(self, name: str | None) -> None:
        """Count what runs from now on under context `name` (None or "":
        under the static context alone)."""
        context = self.static_context
        if name:
            context = f"{context}|{name}" if context else name
        self.collector.switch_context(context)

    def start(self) -> None:
        self.collector.start()
        guard(self.collector)
        install(self.finder)
        self._started = True

    def forked(self) -> None:
        """In a forked child: the session is this process's own from now on,
        saved to a parallel data file of its own, with no report."""
        self._pid = os.getpid()
        self.children_since = None
        self.child = True
        # Its data starts empty: what ran before the fork is the parent's.
        self.collector.clear_hits()
        sys.monitoring.restart_events()
        opts = self.options
        opts.parallel, opts.append, opts.report = True, False, False
        opts.json_file = opts.report_file = None

    def abandon(self) -> None:
        """Measurement could not start: there will be nothing to report."""
        self._finished = True

    def compile_main(self, data: bytes, path: str) -> CodeType:
        """Compile the main script: measured if the filter selects it."""
        if self.filter.selects(path, "__main__"):
            code = compile_measured(self.collector, data, path)
            if code is not None:
                return code
        return _rcov.compile_file(data, path)

    def stop(self, at_exit: bool = False) -> None:
        """Stop measuring; `at_exit`: for good, the process is ending."""
        if self._started:
            self._started = False
            uninstall(self.finder)
            unguard(self.collector)
            self.collector.stop(at_exit=at_exit)

    def data(self) -> _rcov.CoverageData:
        """What was measured: every measured or never-imported file's lines
        (or arcs), under its absolute path (relative to the start directory
        with `relative_files`)."""
        data = _rcov.CoverageData(has_arcs=self.options.branch)
        cwd = self.filter.cwd
        relative = self.options.relative_files
        if relative:
            from .summary import relative_name

        keys: dict[str, str] = {}

        def key(path: str) -> str:
            # A relative file name (from a relative sys.path entry) is relative
            # to where the program started, even if it changed directory since.
            # Memoised: line counts, calls and the never-imported files name
            # measured files again.
            found = keys.get(path)
            if found is None:
                canonical = self.filter.canonical_file(os.path.join(cwd, path))
                found = relative_name(canonical, cwd) if relative else canonical
                # The never-imported files come canonical already.
                keys[path] = keys[canonical] = found
            return found

        names = {path: key(path) for path in self.collector.measured_files()}
        self.collector.add_to(data, names)
        for path, stored in names.items():
            self._compiled_as[stored] = path
        if self.options.count:
            for path, counts in self.collector.line_counts().items():
                data.add_line_counts(key(path), counts)
        if self.options.trackcalls:
            data.add_calls(
                [
                    ((key(caller[0]), *caller[1:]), (key(callee[0]), *callee[1:]))
                    for caller, callee in self.collector.calls()
                ]
            )
        if self.child:
            return data
        for pkg in self.filter.unseen_packages():
            _say(f"module {pkg} was never imported")
        # `keys` holds the canonical path of every measured file.
        for path in self.filter.unimported_files(measured=keys):
            data.touch(key(path))
        return data

    def results(self, data: _rcov.CoverageData | None = None) -> list[FileReport]:
        """Each measured or never-imported file's results, sorted by path;
        their functions only for the reports that list them."""
        from .analysis import file_reports

        opts = self.options
        return file_reports(
            self.data() if data is None else data,
            exclude=opts.exclude,
            partial=opts.partial,
            cwd=self.filter.cwd,
            warn=_say,
            functions=opts.json_file is not None or opts.show_functions,
            compiled_by=self.collector,
            compiled_as=self.compiled_name,
        )

    def compiled_name(self, stored: str) -> str:
        """The name the collector knows a file of the data by: the name it
        was imported under in this run, else its path."""
        return self._compiled_as.get(stored) or os.path.join(self.filter.cwd, stored)

    def save(self, data: _rcov.CoverageData) -> None:
        """Write the data file (parallel-named, or added to the existing one)."""
        opts = self.options
        if opts.data_file is None or (self.child and not len(data)):
            return
        target = opts.data_file
        if opts.parallel:
            target = parallel_filename(target)
        elif opts.append and os.path.exists(target):
            try:
                previous = _rcov.CoverageData.read(target)
                previous.update(data, names=(target, "this run"))
            except _rcov.DataError as exc:
                _say(f"couldn't append to the data file: {exc}")
                return
            data = previous
        try:
            data.write(target, run_meta(_rcov.__version__))
        except _rcov.DataError as exc:
            _say(str(exc))

    def _with_children(self, data: _rcov.CoverageData) -> _rcov.CoverageData:
        """Combine the children's data files (written since `children_since`)
        into the data file; the combined data, or `data` if there were none."""
        opts = self.options
        if self.children_since is None or opts.data_file is None or opts.parallel:
            return data
        from .datafiles import combinable_files

        since = self.children_since - 1.0  # file times may be coarser than time.time()
        children = []
        for path in combinable_files(opts.data_file):
            try:
                if os.path.getmtime(path) >= since:
                    children.append(path)
            except OSError:
                continue
        if not children:
            return data
        from .combine import combine  # only when there is something to combine

        combined = combine(
            opts.data_file,
            children,
            append=True,
            strict=False,
            meta=run_meta(_rcov.__version__),
            message=lambda _msg: None,
            warn=_say,
        )
        return data if combined is None else combined

    def write_reports(self, reports: list[FileReport]) -> None:
        opts = self.options
        if opts.json_file is not None:
            from .jsonreport import write_json  # json and datetime only when asked for

            try:
                with open(opts.json_file, "w", encoding="utf-8") as f:
                    write_json(
                        reports,
                        f,
                        branch=opts.branch,
                        version=_rcov.__version__,
                        precision=opts.precision,
                        calls=self.calls,
                        cwd=self.filter.cwd,
                    )
            except OSError as exc:
                _say(f"couldn't write the JSON report: {exc}")
        if not opts.report:
            return
        if not reports:
            _say("no data to report")
            return
        if opts.report_file is not None:
            try:
                with open(opts.report_file, "w", encoding="utf-8") as f:
                    self._table(reports, f)
            except OSError as exc:
                _say(f"couldn't write the report: {exc}")
        elif sys.stdout is not None:
            self._table(reports, sys.stdout)
            sys.stdout.flush()

    def write_calls(self) -> None:
        """With `--trackcalls`, list the calling relationships after the report."""
        opts = self.options
        if not (opts.trackcalls and opts.report) or sys.stdout is None:
            return
        from .tracereport import write_calls

        if opts.report_file is not None:
            try:
                with open(opts.report_file, "a", encoding="utf-8") as f:
                    write_calls(self.calls, self.filter.cwd, f)
            except OSError as exc:
                _say(f"couldn't write the report: {exc}")
        else:
            write_calls(self.calls, self.filter.cwd, sys.stdout)
            sys.stdout.flush()

    def _table(self, reports: list[FileReport], out: TextIO) -> None:
        from .report import write_report

        opts = self.options
        write_report(
            reports,
            out,
            branch=opts.branch,
            precision=opts.precision,
            skip_covered=opts.skip_covered,
        )
        if opts.show_functions:
            from .tracereport import write_functions

            write_functions(reports, out)

    def finish(self, at_exit: bool = True) -> None:
        """Stop measuring and write the reports; never raises. `at_exit`:
        the process is ending (see `Collector.stop`)."""
        if self._finished or os.getpid() != self._pid:
            return
        self._finished = True
        try:
            self.stop(at_exit=at_exit)
            data = self.data()
            self.save(data)
            data = self._with_children(data)
            self.calls = data.calls()
            # Analysing every file costs a compile each: only for a report.
            if self.options.reports:
                self.write_reports(self.results(data))
            self.write_calls()
            if at_exit:
                self.collector.abandon()
        except BrokenPipeError:
            pass  # stdout went away (`... | head`): nothing to say it to
        except Exception as exc:  # noqa: BLE001 - reporting must never break the exit
            _say(f"{type(exc).__name__}: {exc}")
