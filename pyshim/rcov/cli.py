"""The command line: `rcov run ...` and `python -m rcov.instrument ...`.

rcov's own options come first and end at the program: the first argument that
is not an rcov option (the script), or `-m module`, or `--`. Everything after
that belongs to the program and is passed through untouched, even when it
looks like an rcov option (`rcov run prog.py --branch` gives `--branch` to
prog.py). That is why the split is done by hand before argparse sees only
rcov's part.

Measurement starts before the program runs; the reports are written by an
atexit handler registered before the program runs, so they also happen after
`sys.exit()`, an uncaught exception, and the joining of non-daemon threads,
and include the program's own atexit handlers.
"""

from __future__ import annotations

import argparse
import atexit
import os
import sys
from collections.abc import Callable, Sequence

from .config import RunOptions
from .runner import Program, exit_like_python_after_sigint, run_program

__all__ = ["main", "run_main", "split_command_line"]

# rcov options that take a value (the value may also be given as --opt=value).
_VALUE_OPTIONS = {
    "--source",
    "--include",
    "--omit",
    "--json",
    "--report-file",
    "--precision",
    "--data-file",
    "--rcfile",
    "--show",
}

# The commands that work on data files (see commands.py).
_DATA_COMMANDS = ("report", "combine", "json", "xml", "lcov", "html", "annotate", "erase")


class UsageError(Exception):
    pass


def split_command_line(argv: Sequence[str]) -> tuple[list[str], Program | None]:
    """Split `argv` into rcov's options and the program to run (None if absent)."""
    options: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            i += 1
            break
        if arg == "-m":
            if i + 1 >= len(argv):
                raise UsageError("argument -m: expected a module name")
            return options, Program("module", argv[i + 1], list(argv[i + 2 :]))
        if arg.startswith("-m") and not arg.startswith("--"):
            # Like python: -mmodule.
            return options, Program("module", arg[2:], list(argv[i + 1 :]))
        if arg.startswith("-") and arg != "-":
            options.append(arg)
            if arg in _VALUE_OPTIONS and i + 1 < len(argv):
                options.append(argv[i + 1])
                i += 1
            i += 1
            continue
        break
    if i >= len(argv):
        return options, None
    return options, Program("script", argv[i], list(argv[i + 1 :]))


def _precision(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {value}")
    return value


def _parser(prog: str) -> argparse.ArgumentParser:
    # argparse makes a formatter for every argument added, only to check its
    # metavar; a formatter of no given width measures the terminal, importing
    # shutil (and with it bz2 and lzma). A fixed width while the arguments are
    # added; help and error messages get the terminal's (set at the end).
    parser = argparse.ArgumentParser(
        prog=prog,
        usage=f"{prog} [options] (script.py | -m module) [args ...]",
        description="Run a Python program and measure its line (and branch) coverage.",
        allow_abbrev=False,
        formatter_class=_FixedWidthFormatter,
    )
    parser.add_argument("--branch", action="store_true", help="measure branch coverage too")
    parser.add_argument(
        "--source",
        action="append",
        default=[],
        metavar="DIR|PACKAGE",
        help="measure only these directories or packages (repeatable, or comma-separated); "
        "their files that were never imported are reported at 0%%",
    )
    parser.add_argument(
        "--include",
        action="append",
        default=[],
        metavar="GLOB",
        help="measure only files matching these patterns (ignored with --source)",
    )
    parser.add_argument(
        "--omit", action="append", default=[], metavar="GLOB", help="do not measure these files"
    )
    parser.add_argument("--json", metavar="FILE", help="write a JSON report (coverage.py layout)")
    parser.add_argument("--no-report", action="store_true", help="do not print the terminal report")
    parser.add_argument(
        "--report-file", metavar="FILE", help="write the terminal report to FILE, not stdout"
    )
    parser.add_argument(
        "--precision",
        type=_precision,
        default=None,
        metavar="N",
        help="digits after the decimal point in percentages (default 0)",
    )
    parser.add_argument(
        "--skip-covered", action="store_true", help="leave fully covered files out of the table"
    )
    parser.add_argument(
        "--data-file",
        metavar="FILE",
        help="write the measured data to FILE (default .coverage, or [run] data_file)",
    )
    parser.add_argument(
        "-p",
        "--parallel-mode",
        action="store_true",
        help="write the data to a file of its own, .coverage.<host>.pid<pid>.X<random>x",
    )
    parser.add_argument(
        "-a", "--append", action="store_true", help="add the data to the existing data file"
    )
    parser.add_argument(
        "--rcfile", metavar="FILE", help="the configuration file (default: searched for)"
    )
    parser.add_argument(
        "--sigterm",
        action="store_true",
        help="save the data when the program is ended by SIGTERM (then end as SIGTERM does)",
    )
    parser.add_argument(
        "--show-functions",
        action="store_true",
        help="after the table, list the functions that never ran",
    )
    parser.add_argument(
        "--count",
        action="store_true",
        help="count how many times each line runs (slower: line events stay on)",
    )
    parser.add_argument(
        "--trackcalls",
        action="store_true",
        help="record which measured functions call which, and list them after the report",
    )
    parser.add_argument("--version", action="version", version=f"rcov {_version()}")
    parser.add_argument(
        "--show",
        action=_ShowAction,
        metavar="FILE",
        help="print FILE as rcov rewrites it to measure branches, each probe "
        "annotated with its arc, and exit",
    )
    parser.formatter_class = argparse.HelpFormatter
    return parser


class _FixedWidthFormatter(argparse.HelpFormatter):
    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=80)


class _ShowAction(argparse.Action):
    """`--show FILE`: like --version, it prints and exits."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        from . import _rcov
        from .importer import read_source
        from .probes import annotated, instrument_source

        path = str(values)
        try:
            with open(path, "rb") as f:
                text = read_source(f.read())
            shown = annotated(instrument_source(text, path))
        except (OSError, SyntaxError, UnicodeDecodeError, _rcov.InstrumentError) as exc:
            parser.exit(1, f"rcov: cannot show {path}: {exc}\n")
        sys.stdout.write(shown)
        parser.exit(0)


def _version() -> str:
    from ._rcov import __version__

    return __version__


def parse_run_args(argv: Sequence[str], prog: str) -> tuple[RunOptions, Program]:
    """Parse `rcov run`'s arguments; argparse exits with status 2 on bad usage."""
    parser = _parser(prog)
    try:
        option_args, program = split_command_line(argv)
    except UsageError as exc:
        parser.error(str(exc))
    ns = parser.parse_args(option_args)
    if program is None:
        parser.error("nothing to run: give a script or -m module")
    from .rcfile import ConfigError, read_settings

    try:
        settings = read_settings(ns.rcfile)
    except ConfigError as exc:
        sys.stderr.write(f"rcov: {exc}\n")
        sys.exit(1)
    parallel = ns.parallel_mode or settings.parallel
    if ns.append and parallel:
        sys.stderr.write("rcov: Can't append to data files in parallel mode.\n")
        sys.exit(1)
    # Command-line options win over the configuration file.
    options = RunOptions(
        branch=ns.branch or settings.branch,
        source=list(ns.source) or [*settings.source, *settings.source_pkgs],
        include=list(ns.include) or settings.run_include,
        omit=list(ns.omit) or settings.run_omit,
        json_file=None if ns.json is None else os.path.abspath(ns.json),
        report=not ns.no_report,
        report_file=None if ns.report_file is None else os.path.abspath(ns.report_file),
        precision=settings.precision if ns.precision is None else ns.precision,
        skip_covered=ns.skip_covered or settings.skip_covered,
        exclude=settings.exclude,
        partial=settings.partial,
        data_file=os.path.abspath(ns.data_file or settings.data_file),
        parallel=parallel,
        append=ns.append,
        relative_files=settings.relative_files,
    )
    options.sigterm = ns.sigterm or settings.sigterm
    options.count = ns.count
    options.trackcalls = ns.trackcalls
    options.show_functions = ns.show_functions
    return options, program


def _nothing() -> None:
    pass


def run(options: RunOptions, program: Program) -> int:
    """Measure `program` in this process; return its exit status (reports come at exit)."""
    from .session import Session

    try:
        session = Session(options)
    except (ValueError, OSError) as exc:
        sys.stderr.write(f"rcov: {exc}\n")
        return 2

    from .process_start import measure_children, register

    clean_up: Callable[[], None] = _nothing

    def at_exit() -> None:
        session.finish()
        clean_up()
        exit_like_python_after_sigint()

    atexit.register(at_exit)
    try:
        clean_up = measure_children(session)
        session.start()
        register(session)
    except Exception as exc:  # noqa: BLE001 - never keep the program from running
        sys.stderr.write(f"rcov: cannot measure: {exc}\n")
        session.abandon()
        clean_up()
        return run_program(program)
    return run_program(program, session.compile_main)


def run_main(argv: Sequence[str] | None = None, prog: str = "python -m rcov.instrument") -> None:
    """`python -m rcov.instrument`: run, then exit with the program's status."""
    args = sys.argv[1:] if argv is None else list(argv)
    options, program = parse_run_args(args, prog)
    status = run(options, program)
    sys.exit(status)


def main(argv: Sequence[str] | None = None) -> None:
    """The `rcov` console script."""
    args = sys.argv[1:] if argv is None else list(argv)
    usage = "usage: rcov run [options] (script.py | -m module) [args ...]\n"
    if not args or args[0] in ("-h", "--help", "help"):
        out = sys.stdout if args else sys.stderr
        out.write(usage)
        out.write(
            "\nCommands:\n"
            "  run      run a Python program and measure its coverage\n"
            "  combine  combine the data files of several processes into one\n"
            "  erase    delete the data files\n"
            "  report   print the coverage table\n"
            "  json     write a JSON report (coverage.py's layout)\n"
            "  xml      write a Cobertura XML report\n"
            "  lcov     write an LCOV report\n"
            "  html     write an HTML report\n"
            "  annotate write a copy of each measured file with each line marked\n"
            "\n'rcov COMMAND --help' lists a command's options.\n"
        )
        sys.exit(0 if args else 2)
    command, rest = args[0], args[1:]
    if command == "--version":
        sys.stdout.write(f"rcov {_version()}\n")
        sys.exit(0)
    if command == "run":
        run_main(rest, prog="rcov run")
    if command in _DATA_COMMANDS:
        from .commands import run_command

        sys.exit(run_command(command, rest))
    sys.stderr.write(f"{usage}rcov: error: unknown command {command!r}\n")
    sys.exit(2)
