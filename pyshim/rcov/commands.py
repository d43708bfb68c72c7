"""`rcov combine|erase|report|json|xml|lcov|html|annotate`: the commands that work on data files.

They behave as coverage.py 7.17's commands of the same names, so CI scripts
switch by changing the program name: the same options, the same files
(`.coverage`, `coverage.json`, `coverage.xml`, `coverage.lcov`, `htmlcov/`),
the same exit statuses (0 fine, 1 an error such as "No data to report.", 2
under `--fail-under`) and the same reports for the same data. As in
coverage.py, a report command first combines any parallel data files lying
beside the data file into it.

Configuration comes from `rcfile.read_settings`; command-line options win.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from . import _rcov
from .config import Settings, code_cache_dir
from .messages import say as _say
from .summary import FileReport

# Names for annotations only: the typing module is not loaded at run time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

    from .pathmap import PathAliases

__all__ = ["run_command"]

OK, ERR, FAIL_UNDER = 0, 1, 2


class CommandError(Exception):
    """Stops a command with a message and exit status 1."""


def _message(message: str) -> None:
    """What was done ("Combined 3 files"): on stderr, where coverage.py 7.17 says it."""
    sys.stderr.write(message + "\n")


def _list(value: str | None) -> list[str] | None:
    """A comma-separated option value (given once: the last one wins, as in coverage.py)."""
    if not value:
        return None
    return [item.strip() for item in value.split(",") if item.strip()]


# --- options ---------------------------------------------------------------


def _common(parser: argparse.ArgumentParser, *, report: bool = True) -> None:
    parser.add_argument("--data-file", metavar="FILE", help="the data file (default .coverage)")
    parser.add_argument("--rcfile", metavar="FILE", help="the configuration file")
    if report:
        parser.add_argument("--include", metavar="PAT1,PAT2,...", help="report only these files")
        parser.add_argument("--omit", metavar="PAT1,PAT2,...", help="leave these files out")
        parser.add_argument(
            "--fail-under",
            type=float,
            metavar="MIN",
            help="exit with status 2 if the total coverage is less than MIN",
        )
        parser.add_argument(
            "--precision", type=int, metavar="N", help="digits after the decimal point"
        )
        parser.add_argument(
            "--keep-combined",
            action="store_true",
            help="keep the parallel data files combined before reporting",
        )
        parser.add_argument(
            "-q", "--quiet", action="store_true", help="don't print messages about what is done"
        )


def _parser(command: str) -> argparse.ArgumentParser:
    descriptions = {
        "combine": "Combine the data files of several processes into one.",
        "erase": "Delete the data file and the parallel data files.",
        "report": "Print the coverage table.",
        "json": "Write a JSON report (coverage.py's layout).",
        "xml": "Write a Cobertura XML report.",
        "lcov": "Write an LCOV report.",
        "html": "Write an HTML report.",
        "annotate": "Write a copy of each measured file with each line marked.",
    }
    parser = argparse.ArgumentParser(
        prog=f"rcov {command}", description=descriptions[command], allow_abbrev=False
    )
    if command == "combine":
        parser.add_argument("paths", nargs="*", help="data files, or directories holding them")
        parser.add_argument("-a", "--append", action="store_true", help="add to the data file")
        parser.add_argument("--keep", action="store_true", help="keep the combined files")
        parser.add_argument("-q", "--quiet", action="store_true", help="print no messages")
        _common(parser, report=False)
        return parser
    if command == "erase":
        _common(parser, report=False)
        return parser
    _common(parser)
    if command == "report":
        parser.add_argument(
            "-m", "--show-missing", action="store_true", default=None, help="list missing lines"
        )
        parser.add_argument("--skip-covered", action="store_true", default=None)
        parser.add_argument("--no-skip-covered", dest="skip_covered", action="store_false")
        parser.add_argument("--skip-empty", action="store_true", default=None)
        parser.add_argument(
            "--sort",
            metavar="COLUMN",
            help="name, stmts, miss, branch, brpart or cover; -COLUMN for descending",
        )
        parser.add_argument("--format", metavar="FORMAT", help="text (default), markdown or total")
        parser.add_argument(
            "--show-functions",
            action="store_true",
            help="after the table, list the functions that never ran",
        )
        parser.add_argument(
            "--show-calls",
            action="store_true",
            help="after the table, list the calls recorded with run --trackcalls",
        )
    elif command in ("json", "xml", "lcov"):
        parser.add_argument(
            "-o", dest="outfile", metavar="OUTFILE", help="the output file ('-' for stdout)"
        )
        if command == "json":
            parser.add_argument("--pretty-print", action="store_true", default=None)
        if command == "xml":
            parser.add_argument("--skip-empty", action="store_true", default=None)
    elif command == "annotate":
        parser.add_argument(
            "-d",
            "--directory",
            metavar="DIR",
            help="write the annotated copies to DIR (default: beside the source files)",
        )
    elif command == "html":
        parser.add_argument("-d", "--directory", metavar="DIR", help="write the report to DIR")
        parser.add_argument("--title", metavar="TITLE", help="the title of the report's pages")
        parser.add_argument("--skip-covered", action="store_true", default=None)
        parser.add_argument("--no-skip-covered", dest="skip_covered", action="store_false")
        parser.add_argument("--skip-empty", action="store_true", default=None)
    return parser


# --- shared steps -----------------------------------------------------------


def _settings(ns: argparse.Namespace) -> Settings:
    from .rcfile import ConfigError, read_settings

    try:
        settings = read_settings(ns.rcfile)
    except ConfigError as exc:
        raise CommandError(str(exc)) from None
    if ns.data_file:
        settings.data_file = ns.data_file
    settings.data_file = os.path.abspath(settings.data_file)
    return settings


def path_aliases(settings: Settings) -> PathAliases:
    """`[paths]`: each entry's first path is the local root, the others map to it."""
    from .pathmap import PathAliases

    aliases = PathAliases(relative=settings.relative_files)
    try:
        for paths in settings.paths.values():
            for pattern in paths[1:]:
                aliases.add(pattern, paths[0])
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    return aliases


def _combine(
    settings: Settings,
    paths: list[str] | None,
    *,
    keep: bool,
    append: bool,
    strict: bool,
    quiet: bool,
) -> None:
    from .combine import CombineError, combine

    try:
        combine(
            settings.data_file,
            paths,
            aliases=path_aliases(settings),
            keep=keep,
            append=append,
            strict=strict,
            meta=[("version", _rcov.__version__)],
            message=(lambda _msg: None) if quiet else _message,
            warn=_say,
        )
    except CombineError as exc:
        raise CommandError(str(exc)) from None
    except _rcov.DataError as exc:
        raise CommandError(str(exc)) from None


def _load(
    ns: argparse.Namespace, settings: Settings, *, functions: bool
) -> tuple[list[FileReport], bool]:
    """Combine parallel files, read the data file, analyse: (reports, branch).
    Each file's functions are listed (which compiles the files the code cache
    does not have) only with `functions`, for the reports that show them."""
    from .analysis import file_reports
    from .filters import canonical_path

    _combine(settings, None, keep=ns.keep_combined, append=True, strict=False, quiet=ns.quiet)
    if not os.path.exists(settings.data_file):
        raise CommandError("No data to report.")
    try:
        data = _rcov.CoverageData.read(settings.data_file)
    except _rcov.DataError as exc:
        raise CommandError(str(exc)) from None
    include = _list(ns.include)
    omit = _list(ns.omit)
    # The code cache knows the statements and code of every file a run
    # compiled: a report that finds them there compiles nothing (a collector
    # that never starts measuring only reads the cache).
    cached = _rcov.Collector(branch=bool(data.has_arcs), cache_dir=code_cache_dir())
    try:
        reports = file_reports(
            data,
            exclude=settings.exclude,
            partial=settings.partial,
            include=settings.report_include if include is None else include,
            omit=settings.report_omit if omit is None else omit,
            cwd=canonical_path(os.getcwd()),
            warn=_say,
            functions=functions,
            compiled_by=cached,
        )
    except ValueError as exc:  # a bad --include/--omit pattern
        raise CommandError(str(exc)) from None
    if not reports:
        raise CommandError("No data to report.")
    return reports, bool(data.has_arcs)


def _stored_calls(settings: Settings) -> list[tuple[tuple[str, str, int], tuple[str, str, int]]]:
    """The (caller, callee) pairs of the data file (read again: a small table)."""
    try:
        return _rcov.CoverageData.read(settings.data_file).calls()
    except _rcov.DataError as exc:
        raise CommandError(str(exc)) from None


def _fail_under_precision(fail_under: float, precision: int) -> int:
    """At least as many decimals as the threshold itself has (coverage.py's rule)."""
    if fail_under == int(fail_under):
        return precision
    from decimal import Decimal

    exponent = Decimal(str(fail_under)).as_tuple().exponent
    assert isinstance(exponent, int)
    return max(precision, -exponent)


def check_fail_under(total: float, fail_under: float, precision: int) -> str | None:
    """The failure message when `total` is under `fail_under`, else None."""
    from .summary import display_covered

    if not 0 <= fail_under <= 100.0:
        raise CommandError(f"fail_under={fail_under} is invalid. Must be between 0 and 100.")
    digits = _fail_under_precision(fail_under, precision)
    if fail_under == 100.0 and total != 100.0:
        shown = display_covered(total, digits)
    elif round(total, digits) < fail_under:
        shown = f"{round(total, digits):.{digits}f}"
    else:
        return None
    return f"total of {shown} is less than fail-under={fail_under:.{digits}f}"


def open_output(path: str) -> tuple[TextIO, Callable[[], None]]:
    if path == "-":
        return sys.stdout, sys.stdout.flush
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    f = open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed by the caller
    return f, f.close


# --- the commands -----------------------------------------------------------


def _do_combine(ns: argparse.Namespace, settings: Settings) -> int:
    _combine(
        settings,
        ns.paths or None,
        keep=ns.keep,
        append=ns.append,
        strict=True,
        quiet=ns.quiet,
    )
    return OK


def _do_erase(ns: argparse.Namespace, settings: Settings) -> int:
    from .datafiles import erase

    erase(settings.data_file, parallel=settings.parallel)
    return OK


def _do_report(ns: argparse.Namespace, settings: Settings) -> float:
    from .report import ReportError, write_report

    reports, branch = _load(ns, settings, functions=bool(ns.show_functions))
    try:
        total = write_report(
            reports,
            sys.stdout,
            branch=branch,
            precision=settings.precision,
            show_missing=settings.show_missing if ns.show_missing is None else ns.show_missing,
            skip_covered=settings.skip_covered if ns.skip_covered is None else ns.skip_covered,
            skip_empty=settings.skip_empty if ns.skip_empty is None else ns.skip_empty,
            sort=ns.sort or settings.sort,
            output_format=ns.format or settings.format or "text",
        )
    except ReportError as exc:
        raise CommandError(str(exc)) from None
    if ns.show_functions or ns.show_calls:
        from .filters import canonical_path
        from .tracereport import write_calls, write_functions

        if ns.show_functions:
            write_functions(reports, sys.stdout)
        if ns.show_calls:
            write_calls(_stored_calls(settings), canonical_path(os.getcwd()), sys.stdout)
    return total


def _do_json(ns: argparse.Namespace, settings: Settings) -> float:
    from .filters import canonical_path
    from .jsonreport import write_json
    from .summary import Numbers

    reports, branch = _load(ns, settings, functions=True)
    outfile = ns.outfile or settings.json_output
    pretty = settings.json_pretty_print if ns.pretty_print is None else ns.pretty_print
    out, close = open_output(outfile)
    try:
        write_json(
            reports,
            out,
            branch=branch,
            version=_rcov.__version__,
            precision=settings.precision,
            pretty=pretty,
            calls=_stored_calls(settings),
            cwd=canonical_path(os.getcwd()),
        )
    finally:
        close()
    if outfile != "-" and not ns.quiet:
        _message(f"Wrote JSON report to {outfile}")
    total = Numbers()
    for report in reports:
        total = total + report.numbers
    return total.pc_covered


def _do_xml(ns: argparse.Namespace, settings: Settings) -> float:
    from . import xmlreport

    reports, branch = _load(ns, settings, functions=False)
    outfile = ns.outfile or settings.xml_output
    out, close = open_output(outfile)
    try:
        total = xmlreport.write_xml(
            reports,
            out,
            branch=branch,
            version=_rcov.__version__,
            source_roots=[*settings.source, *settings.source_pkgs],
            relative_files=settings.relative_files,
            package_depth=settings.xml_package_depth,
            skip_empty=settings.skip_empty if ns.skip_empty is None else ns.skip_empty,
        )
    finally:
        close()
    if outfile != "-" and not ns.quiet:
        _message(f"Wrote XML report to {outfile}")
    return total


def _do_lcov(ns: argparse.Namespace, settings: Settings) -> float:
    from . import lcovreport

    reports, branch = _load(ns, settings, functions=True)
    outfile = ns.outfile or settings.lcov_output
    out, close = open_output(outfile)
    try:
        total = lcovreport.write_lcov(
            reports, out, branch=branch, line_checksums=settings.lcov_line_checksums
        )
    finally:
        close()
    if outfile != "-" and not ns.quiet:
        _message(f"Wrote LCOV report to {outfile}")
    return total


def _do_html(ns: argparse.Namespace, settings: Settings) -> float:
    import importlib

    reports, branch = _load(ns, settings, functions=True)
    skip_covered = ns.skip_covered
    if skip_covered is None:
        skip_covered = settings.html_skip_covered
    if skip_covered is None:
        skip_covered = settings.skip_covered
    skip_empty = ns.skip_empty
    if skip_empty is None:
        skip_empty = settings.html_skip_empty
    if skip_empty is None:
        skip_empty = settings.skip_empty
    directory = ns.directory or settings.html_dir
    # Imported by name: the HTML reporter is the largest module and loads last.
    html = importlib.import_module("rcov.htmlreport")
    total: float = html.write_html(
        reports,
        directory,
        branch=branch,
        version=_rcov.__version__,
        title=ns.title or settings.html_title,
        precision=settings.precision,
        skip_covered=skip_covered,
        skip_empty=skip_empty,
    )
    if not ns.quiet:
        index = os.path.join(directory, "index.html")
        _message(f"Wrote HTML report to {index}")
    return total


def _do_annotate(ns: argparse.Namespace, settings: Settings) -> float:
    from .annotate import write_annotated
    from .summary import Numbers

    reports, _branch = _load(ns, settings, functions=False)
    total = Numbers()
    for report in reports:
        total = total + report.numbers
        try:
            write_annotated(report, ns.directory)
        except OSError as exc:
            raise CommandError(f"couldn't annotate {report.path}: {exc}") from None
    return total.pc_covered


_COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], float | int]] = {
    "combine": _do_combine,
    "erase": _do_erase,
    "report": _do_report,
    "json": _do_json,
    "xml": _do_xml,
    "lcov": _do_lcov,
    "html": _do_html,
    "annotate": _do_annotate,
}


def run_command(command: str, argv: Sequence[str]) -> int:
    """Run `rcov COMMAND argv...`; return the exit status."""
    ns = _parser(command).parse_args(list(argv))
    try:
        settings = _settings(ns)
        if getattr(ns, "precision", None) is not None:
            if ns.precision < 0:
                raise CommandError(f"precision={ns.precision} is invalid: it must not be negative")
            settings.precision = ns.precision
        if getattr(ns, "fail_under", None) is not None:
            settings.fail_under = ns.fail_under
        result = _COMMANDS[command](ns, settings)
        if command in ("combine", "erase"):
            return int(result)
        failure = check_fail_under(float(result), settings.fail_under, settings.precision)
    except CommandError as exc:
        _say(str(exc))
        return ERR
    except BrokenPipeError:
        return ERR
    if failure is not None:
        sys.stdout.write(f"Coverage failure: {failure}\n")
        return FAIL_UNDER
    return OK
