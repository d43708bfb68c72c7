"""The pytest plugin: `pytest --rcov[=SOURCE] --rcov-branch --rcov-report=TYPE ...`.

Registered through the `pytest11` entry point, so pytest loads it in every
run; it does nothing unless `--rcov` is given. Measurement starts in
`pytest_load_initial_conftests` (tried first), which pytest calls before it
imports any conftest and so before a conftest imports the package under test.
Test files and conftests, which pytest's assertion rewriting compiles, are
measured through `pytest_rewrite`.

Processes: the run's data file starts empty (old parallel files erased,
unless `--rcov-append`), and `RCOV_PROCESS_START` is set so that every child
process measures itself (rcov_process_start.pth): pytest-xdist workers, and
whatever the tests start. Each child writes a parallel data file; when the
session finishes (after xdist has stopped its workers) they are combined into
the data file, and the reports are made from it, as `rcov report` would.
An xdist worker without the .pth (an editable install) measures itself from
here, the same way.

`--rcov-context=test` records which test ran each line, as coverage.py's
`dynamic_context = test_function` does: each test function's call runs
under the context `module.qualname` of the test, and everything else
(imports, fixtures' setup and teardown) under the empty context.
"""

from __future__ import annotations

import os
import sys

import pytest

from . import process_start
from .config import RunOptions

# Names for annotations only: the typing module is not loaded at run time.
# The session (and with it the extension, the source filter and the import
# hook) is imported only when `--rcov` is given: pytest loads this module in
# every run of every project that has rcov installed.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Generator

    from _pytest.config import Config
    from _pytest.config.argparsing import Parser
    from _pytest.main import Session as TestSession
    from _pytest.terminal import TerminalReporter

    from .session import Session

__all__: list[str] = []

_REPORT_TYPES = ("term", "term-missing", "html", "xml", "json", "lcov")
_KEY = "_rcov_state"


class _State:
    """The plugin's run: the measuring session, and what to report at the end."""

    def __init__(
        self, session: Session, settings_file: str | None, owner: bool, test_contexts: bool
    ) -> None:
        self.session = session
        self.settings_file = settings_file
        # The process that reports (the controller); workers only save.
        self.owner = owner
        # --rcov-context=test: each test's call under its own context.
        self.test_contexts = test_contexts
        self.clean_up = _nothing
        self.lines: list[str] = []
        self.total: float | None = None
        self.failed_under: str | None = None


def _nothing() -> None:
    pass


def _report_type(value: str) -> str:
    kind = value.split(":", 1)[0]
    if kind not in _REPORT_TYPES:
        import argparse

        raise argparse.ArgumentTypeError(
            f"invalid report type {kind!r}: choose from {', '.join(_REPORT_TYPES)}"
        )
    return value


def pytest_addoption(parser: Parser) -> None:
    group = parser.getgroup("rcov", "coverage measured by rcov")
    group.addoption(
        "--rcov",
        action="append",
        nargs="?",
        const=True,
        default=[],
        dest="rcov_source",
        metavar="SOURCE",
        help="measure coverage; SOURCE: a directory or package to measure (repeatable; "
        "default: the configuration's source, else the current directory)",
    )
    group.addoption(
        "--rcov-branch", action="store_true", default=None, help="measure branch coverage too"
    )
    group.addoption(
        "--rcov-report",
        action="append",
        default=[],
        type=_report_type,
        metavar="TYPE",
        help="term (default), term-missing, html, xml, json or lcov; "
        "TYPE:DEST writes a file report to DEST (repeatable)",
    )
    group.addoption(
        "--rcov-fail-under",
        type=float,
        default=None,
        metavar="MIN",
        help="fail if the total coverage is less than MIN",
    )
    group.addoption(
        "--rcov-config", default=None, metavar="FILE", help="the configuration file to read"
    )
    group.addoption(
        "--rcov-append", action="store_true", default=False, help="add to the existing data"
    )
    group.addoption(
        "--rcov-context",
        choices=["test"],
        default=None,
        help="test: record which test ran each line (coverage.py's dynamic_context = "
        "test_function; see them with coverage html --show-contexts)",
    )


def _options(ns: object) -> tuple[RunOptions, str | None, float]:
    """Run options from the configuration file and the command line."""
    from .rcfile import read_settings

    rcfile: str | None = getattr(ns, "rcov_config", None)
    settings = read_settings(rcfile)
    sources = [s for s in getattr(ns, "rcov_source", []) if isinstance(s, str)]
    branch = getattr(ns, "rcov_branch", None)
    options = RunOptions(
        branch=settings.branch if branch is None else branch,
        source=sources or [*settings.source, *settings.source_pkgs],
        include=settings.run_include,
        omit=settings.run_omit,
        report=False,
        precision=settings.precision,
        exclude=settings.exclude,
        partial=settings.partial,
        data_file=os.path.abspath(settings.data_file),
        relative_files=settings.relative_files,
        sigterm=settings.sigterm,
    )
    fail_under = getattr(ns, "rcov_fail_under", None)
    return options, rcfile, settings.fail_under if fail_under is None else fail_under


def _is_xdist_worker() -> bool:
    """Is this process a pytest-xdist worker? Its config does not say yet
    (xdist sets `workerinput` later), so: the variable xdist sets before the
    worker's config is made, in a process run by execnet (`python -c`, no
    main file). A pytest run by a test inside a worker inherits the variable
    but has a main file (`pytest`, `python -m pytest`)."""
    main = sys.modules.get("__main__")
    return "PYTEST_XDIST_WORKER" in os.environ and getattr(main, "__file__", None) is None


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: Config, parser: Parser, args: list[str]) -> None:
    ns = early_config.known_args_namespace
    if not getattr(ns, "rcov_source", None):
        return
    try:
        options, rcfile, _ = _options(ns)
    except Exception as exc:  # noqa: BLE001 - a bad configuration must not stop the tests
        sys.stderr.write(f"rcov: not measuring: {exc}\n")
        return
    worker = _is_xdist_worker()
    contexts = getattr(ns, "rcov_context", None) == "test"
    running = process_start.current_session()
    if running is not None:
        # Started by rcov_process_start.pth: a child (an xdist worker) that
        # already measures itself, or `rcov run -m pytest`, which reports.
        setattr(early_config, _KEY, _State(running, rcfile, owner=False, test_contexts=contexts))
        return
    if worker:
        options.parallel = True
        session = process_start.start_session(options)
        setattr(early_config, _KEY, _State(session, rcfile, owner=False, test_contexts=contexts))
        return
    if not ns.rcov_append:
        from .datafiles import erase

        erase(options.data_file or ".coverage", parallel=True)
    options.append = ns.rcov_append
    from .session import Session

    session = Session(options)
    state = _State(session, rcfile, owner=True, test_contexts=contexts)
    state.clean_up = process_start.measure_children(session)
    session.start()
    process_start.register(session)
    setattr(early_config, _KEY, state)
    from .pytest_rewrite import hook_pytest

    hook_pytest()


def _test_context(item: pytest.Item) -> str:
    """The context of a test, named as coverage.py's test_function names it:
    the module and qualified name of the test function."""
    function = getattr(item, "obj", None)
    function = getattr(function, "__func__", function)
    module = getattr(function, "__module__", None)
    qualname = getattr(function, "__qualname__", None)
    if module and qualname:
        return f"{module}.{qualname}"
    return item.nodeid


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    state: _State | None = getattr(item.config, _KEY, None)
    if state is None or not state.test_contexts:
        yield
        return
    state.session.switch_context(_test_context(item))
    try:
        yield
    finally:
        state.session.switch_context(None)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: TestSession, exitstatus: int) -> None:
    """Stop, combine the workers' data and make the reports (after xdist's
    workers are gone: this runs after xdist's own sessionfinish)."""
    state: _State | None = getattr(session.config, _KEY, None)
    if state is None or not state.owner:
        return
    try:
        # pytest may go on running code in this process (pytester's in-process
        # runs): measured code objects are left without events.
        state.session.finish(at_exit=False)
    finally:
        state.clean_up()
    _make_reports(state, session.config)
    if state.failed_under is not None and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _make_reports(state: _State, config: Config) -> None:
    import io

    from . import _rcov
    from .commands import CommandError, check_fail_under, run_command
    from .report import write_report

    opts = state.session.options
    data_file = opts.data_file or ".coverage"
    try:
        data = _rcov.CoverageData.read(data_file)
        reports = state.session.results(data)
    except Exception as exc:  # noqa: BLE001 - the tests' outcome stands
        state.lines.append(f"rcov: no report: {exc}")
        return
    kinds = config.getoption("rcov_report") or ["term"]
    total = 0.0
    for kind in kinds:
        name, _, dest = kind.partition(":")
        if name in ("term", "term-missing"):
            out = io.StringIO()
            total = write_report(
                reports,
                out,
                branch=bool(data.has_arcs),
                precision=opts.precision,
                show_missing=name == "term-missing",
            )
            state.lines.extend(out.getvalue().splitlines())
            continue
        argv = ["--data-file", data_file, "-q"]
        if state.settings_file:
            argv += ["--rcfile", state.settings_file]
        if dest:
            argv += ["-d" if name == "html" else "-o", dest]
        status = run_command(name, argv)
        if status == 1:
            state.lines.append(f"rcov: the {name} report failed")
        else:
            state.lines.append(f"rcov: wrote the {name} report" + (f" to {dest}" if dest else ""))
    if not any(k.partition(":")[0].startswith("term") for k in kinds):
        from .summary import Numbers

        numbers = Numbers()
        for report in reports:
            numbers = numbers + report.numbers
        total = numbers.pc_covered
    state.total = total
    fail_under = _options_fail_under(config)
    if fail_under:
        try:
            state.failed_under = check_fail_under(total, fail_under, opts.precision)
        except CommandError as exc:
            state.failed_under = str(exc)


def _options_fail_under(config: Config) -> float:
    value = config.getoption("rcov_fail_under")
    if value is not None:
        return float(value)
    try:
        return _options(config.option)[2]
    except Exception:  # noqa: BLE001 - reported when measuring started
        return 0.0


def pytest_terminal_summary(terminalreporter: TerminalReporter) -> None:
    state: _State | None = getattr(terminalreporter.config, _KEY, None)
    if state is None or not state.owner or not state.lines:
        return
    terminalreporter.write_sep("-", "rcov: coverage")
    for line in state.lines:
        terminalreporter.write_line(line)
    if state.failed_under is not None:
        terminalreporter.write_line(
            f"FAIL Required test coverage not reached: {state.failed_under}"
        )
