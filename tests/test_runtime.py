"""Tests of `rcov._rcov`, the Rust extension, through its Python API.

- compile + remap: instrumented code reports the original lines everywhere a
  program can see them (co_lines, co_firstlineno, f_lineno, tracebacks and
  their carets, inspect.getsource, compiler warnings);
- monitoring: probes fire, hits from many threads, DISABLE makes a second
  run free, the tool id is claimed and given back;
- results: executed lines and arcs, and `FileAnalysis.result` against
  coverage.py's own numbers for the same run.

Programs are written to a temporary directory so that linecache, inspect and
traceback read the same file that was compiled.
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
import textwrap
import threading
import traceback
import warnings
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import CodeType
from typing import Any

import pytest
from rcov import _rcov

LINE = sys.monitoring.events.LINE


def code_tree(code: CodeType) -> Iterator[CodeType]:
    """`code` and every code object nested in it."""
    stack = [code]
    while stack:
        current = stack.pop()
        stack.extend(c for c in current.co_consts if isinstance(c, CodeType))
        yield current


def original_lines(code: CodeType) -> set[int]:
    """The original line numbers in `co_lines()` of a code object (no probes)."""
    return {line for _, _, line in code.co_lines() if line and line < _rcov.PROBE_BASE}


def shape(code: CodeType) -> list[tuple[str, int, frozenset[int]]]:
    """Each code object of a tree: qualified name, first line, original lines."""
    return sorted(
        (c.co_qualname, c.co_firstlineno, frozenset(original_lines(c))) for c in code_tree(code)
    )


@dataclass
class Program:
    """A program written to disk, compiled plainly and by rcov."""

    path: Path
    source: str
    collector: _rcov.Collector

    @property
    def filename(self) -> str:
        return str(self.path)

    def plain(self) -> CodeType:
        return compile(self.source, self.filename, "exec", dont_inherit=True)

    def instrumented(self) -> CodeType:
        return self.collector.compile(self.source, self.filename)

    def run(self, code: CodeType) -> dict[str, Any]:
        namespace: dict[str, Any] = {"__name__": "measured", "__file__": self.filename}
        exec(code, namespace)  # noqa: S102 - the test program
        return namespace

    def measure(self) -> dict[str, Any]:
        """Compile with rcov and run while measuring; the namespace."""
        code = self.instrumented()
        self.collector.start()
        try:
            return self.run(code)
        finally:
            self.collector.stop()

    def executed(self) -> tuple[list[int], list[tuple[int, int]] | None]:
        return self.collector.executed()[self.filename]


@pytest.fixture
def program(tmp_path: Path) -> Iterator[Callable[..., Program]]:
    """Makes programs; stops any collector a failed test left running."""
    made: list[Program] = []

    def make(source: str, *, branch: bool = True, name: str = "prog.py") -> Program:
        path = tmp_path / name
        text = textwrap.dedent(source)
        path.write_text(text, encoding="utf-8")
        made.append(Program(path, text, _rcov.Collector(branch=branch)))
        return made[-1]

    yield make
    for p in made:
        p.collector.stop()


BRANCHY = """\
    import sys

    def classify(n):
        if n < 0: kind = "negative"
        elif n == 0:
            kind = "zero"
        else:
            kind = "positive"
        for i in range(n):
            if i > 2:
                break
        else:
            kind += "!"
        while n > 10: n -= 10
        match n:
            case 1: pass
            case _:
                pass
        return kind

    class Box:
        @staticmethod
        def where():
            if True:
                return sys._getframe().f_lineno

    def fail(x):
        if x: total = 1
        else: total = 2
        return total + {"a": 1}[x]

    def divide(x):
        if x: return 10 / (x - x)
        return 0
"""


def test_module_attributes() -> None:
    assert _rcov.PROBE_BASE == 1 << 30
    assert isinstance(_rcov.__version__, str) and _rcov.__version__
    assert issubclass(_rcov.InstrumentError, Exception)
    assert _rcov.Collector(branch=True).branch is True
    assert _rcov.Collector(branch=False).branch is False


def test_rewrite_returns_text_line_map_and_probes() -> None:
    text, lines, probes = _rcov.rewrite("if x:\n    y = 1\nz = 2\n", sys.version_info[:2])
    assert len(lines) == len(text.splitlines())
    assert [line for line in lines if line < _rcov.PROBE_BASE] == [1, 2, 3]
    assert sorted(line - _rcov.PROBE_BASE for line in lines if line >= _rcov.PROBE_BASE) == list(
        range(len(probes))
    )
    assert all(line == 1 for line, _ in probes)
    with pytest.raises(_rcov.InstrumentError):
        _rcov.rewrite("if x\n", sys.version_info[:2])


@pytest.mark.parametrize("branch", [True, False])
def test_code_tree_reports_original_lines(program: Callable[..., Program], branch: bool) -> None:
    p = program(BRANCHY, branch=branch)
    plain, instrumented = p.plain(), p.instrumented()
    assert shape(instrumented) == shape(plain)
    if branch:
        probe_lines = {
            line for c in code_tree(instrumented) for _, _, line in c.co_lines() if line
        } - {line for c in code_tree(instrumented) for line in original_lines(c)}
        assert probe_lines and min(probe_lines) >= _rcov.PROBE_BASE


def test_frames_report_original_lines(program: Callable[..., Program]) -> None:
    p = program(BRANCHY)
    namespace = p.run(p.instrumented())
    expected = p.source.splitlines().index("            return sys._getframe().f_lineno") + 1
    assert namespace["Box"].where() == expected


@pytest.mark.parametrize("function, argument", [("fail", "b"), ("divide", 1)])
def test_tracebacks_match_the_uninstrumented_program(
    program: Callable[..., Program], function: str, argument: object
) -> None:
    p = program(BRANCHY)

    def traceback_of(code: CodeType) -> str:
        namespace = p.run(code)
        try:
            namespace[function](argument)
        except Exception:  # noqa: BLE001 - any exception is the expected outcome
            return traceback.format_exc()
        raise AssertionError("no exception")

    plain = traceback_of(p.plain())
    instrumented = traceback_of(p.instrumented())
    # Same frames, same lines, same source text and carets.
    assert instrumented.replace(__file__, "") == plain.replace(__file__, "")
    assert "^" in plain


def test_inspect_getsource_sees_the_original(program: Callable[..., Program]) -> None:
    p = program(BRANCHY)
    namespace = p.run(p.instrumented())
    assert inspect.getsource(namespace["divide"]) == (
        "def divide(x):\n    if x: return 10 / (x - x)\n    return 0\n"
    )
    assert inspect.getsource(namespace["Box"].where).startswith("    @staticmethod\n")


def test_compiler_warnings_name_original_lines(program: Callable[..., Program]) -> None:
    p = program(
        """\
        x = 1
        if x:
            y = 2
        z = x is 1
        """
    )
    for code_of in (p.plain, p.instrumented):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            code_of()
        assert [(w.category, w.filename, w.lineno) for w in caught] == [
            (SyntaxWarning, p.filename, 4)
        ]


def test_warning_filters_apply_as_to_a_plain_compile(program: Callable[..., Program]) -> None:
    p = program("x = 1\nif x:\n    y = 2\nz = x is 1\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for code_of in (p.plain, p.instrumented):
            with pytest.raises(SyntaxError) as raised:
                code_of()
            assert raised.value.lineno == 4
        warnings.simplefilter("ignore")
        p.instrumented()


def test_compiling_leaves_warning_registries_alone(program: Callable[..., Program]) -> None:
    p = program("x = 1\nif x:\n    y = 2\n")
    shown: list[str] = []

    def warn() -> None:
        warnings.warn("shown once per place", UserWarning, stacklevel=1)

    with warnings.catch_warnings():
        warnings.simplefilter("default")
        warnings.showwarning = lambda message, *args, **kwargs: shown.append(str(message))
        warn()
        p.instrumented()
        warn()
    assert shown == ["shown once per place"]


def test_syntax_errors_are_cpythons(program: Callable[..., Program]) -> None:
    for branch in (True, False):
        p = program("x = 1\nif x\n    pass\n", branch=branch)
        with pytest.raises(SyntaxError) as raised:
            p.instrumented()
        assert raised.value.lineno == 2
        assert p.collector.measured_files() == []


def test_line_mode_measures_lines(program: Callable[..., Program]) -> None:
    p = program(BRANCHY, branch=False)
    code = p.instrumented()
    p.collector.start()
    try:
        p.run(code)["classify"](5)
    finally:
        p.collector.stop()
    lines, arcs = p.executed()
    assert arcs is None
    line_of = {text.strip(): number for number, text in enumerate(p.source.splitlines(), 1)}
    assert line_of['kind = "positive"'] in lines
    assert line_of['kind = "zero"'] not in lines
    assert line_of["return kind"] in lines


def test_probes_fire_for_the_edges_taken(program: Callable[..., Program]) -> None:
    p = program(
        """\
        def f(x):
            if x:
                y = 1
            return 2
        f(0)
        """
    )
    p.measure()
    lines, arcs = p.executed()
    assert lines == [1, 2, 4, 5]
    assert arcs is not None
    assert (2, 4) in arcs  # the trampoline probe on the "not taken" edge
    assert (2, 3) not in arcs
    assert {(line, line) for line in lines} <= set(arcs)


def test_hits_from_many_threads(program: Callable[..., Program]) -> None:
    # One function with a distinct branch per thread: every thread hits new
    # lines and probes at the same moment.
    threads = 16
    cases = "\n".join(
        f"    if k == {k}:\n        out.append({k})\n    else:\n        out.append(-{k})"
        for k in range(threads)
    )
    p = program(f"def work(k, out):\n{cases}\n")
    code = p.instrumented()
    p.collector.start()
    try:
        work = p.run(code)["work"]
        barrier = threading.Barrier(threads)
        results: list[list[int]] = [[] for _ in range(threads)]

        def run(k: int) -> None:
            barrier.wait()
            work(k, results[k])

        workers = [threading.Thread(target=run, args=(k,)) for k in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    finally:
        p.collector.stop()
    lines, arcs = p.executed()
    assert arcs is not None
    for k in range(threads):
        test_line = 2 + 4 * k
        assert results[k][k] == k
        assert {test_line, test_line + 1, test_line + 3} <= set(lines)
        assert (test_line, test_line + 1) in arcs
        assert (test_line, test_line + 3) in arcs


def test_disable_means_a_second_run_costs_no_callbacks(program: Callable[..., Program]) -> None:
    p = program(
        """\
        def spin(n):
            total = 0
            for i in range(n):
                if i % 2:
                    total += i
                else:
                    total -= 1
            return total
        """
    )
    code = p.instrumented()
    tool = p.collector.start()
    try:
        calls: list[int] = []
        recorder = sys.monitoring.register_callback(tool, LINE, None)
        assert recorder is not None

        def counting(code: CodeType, line: int) -> object:
            calls.append(line)
            return recorder(code, line)

        sys.monitoring.register_callback(tool, LINE, counting)
        spin = p.run(code)["spin"]
        spin(1000)
        first_run = len(calls)
        assert 0 < first_run < 20  # each line and probe once, not per iteration
        spin(1000)
        assert len(calls) == first_run
    finally:
        p.collector.stop()


def test_complete_code_objects_turn_their_events_off(program: Callable[..., Program]) -> None:
    """Once a code object has reported every line and probe it has, its local
    events are turned off (removing what DISABLE leaves instrumented); one
    that has not keeps them. clear_hits (a forked child's fresh start) turns
    them on again, and what runs then is recorded again."""
    p = program(
        """\
        def full(n):
            total = 0
            for i in range(n):
                total += i if i % 2 else -1
            return total

        def partial(n):
            if n > 0:
                return 1
            return 0
        """
    )
    code = p.instrumented()
    tool = p.collector.start()
    try:
        namespace = p.run(code)
        full, partial = namespace["full"].__code__, namespace["partial"].__code__

        def events(code: CodeType) -> int:
            return sys.monitoring.get_local_events(tool, code)

        # LINE, and PY_START for the functions that ran.
        measured = LINE | sys.monitoring.events.PY_START
        assert events(full) == events(partial) == measured
        namespace["full"](10)
        namespace["partial"](1)
        assert events(full) == 0
        assert events(partial) == measured  # `return 0` and the false edge have not run
        namespace["partial"](0)
        assert events(partial) == 0

        p.collector.clear_hits()
        sys.monitoring.restart_events()
        assert events(full) == events(partial) == measured
        namespace["full"](3)
        lines, arcs = p.executed()
        assert {2, 3, 4, 5} <= set(lines) and not {8, 9, 10} & set(lines)
        assert arcs is not None and (3, 4) in arcs and (3, 5) in arcs
    finally:
        p.collector.stop()


def test_tool_id_is_claimed_and_given_back(program: Callable[..., Program]) -> None:
    p = program("x = 1\n")
    p.instrumented()
    coverage_id = sys.monitoring.COVERAGE_ID
    free = sys.monitoring.get_tool(coverage_id) is None
    tool = p.collector.start()
    assert sys.monitoring.get_tool(tool) == "rcov"
    assert p.collector.start() == tool  # already measuring
    if free:
        assert tool == coverage_id
    p.collector.stop()
    assert sys.monitoring.get_tool(tool) is None
    p.collector.stop()  # stopping twice is harmless


def test_takes_another_id_when_coverage_id_is_used(program: Callable[..., Program]) -> None:
    taken: list[int] = []
    try:
        for tool in range(6):
            if sys.monitoring.get_tool(tool) is None and len(taken) < 5:
                sys.monitoring.use_tool_id(tool, "someone else")
                taken.append(tool)
        p = program("x = 1\n")
        free = [tool for tool in range(6) if sys.monitoring.get_tool(tool) is None]
        if free:
            assert p.collector.start() == free[0]
            p.collector.stop()
        else:
            with pytest.raises(RuntimeError, match="no free sys.monitoring tool id"):
                p.collector.start()
        for tool in range(6):
            if sys.monitoring.get_tool(tool) is None:
                sys.monitoring.use_tool_id(tool, "someone else")
                taken.append(tool)
        with pytest.raises(RuntimeError, match="no free sys.monitoring tool id"):
            p.collector.start()
    finally:
        for tool in taken:
            sys.monitoring.free_tool_id(tool)


def test_code_compiled_while_measuring_is_measured(program: Callable[..., Program]) -> None:
    p = program("def f():\n    return 2\nf()\n")
    p.collector.start()
    try:
        p.run(p.instrumented())
    finally:
        p.collector.stop()
    assert p.executed()[0] == [1, 2, 3]


def test_reload_keeps_hits_only_for_the_same_source(program: Callable[..., Program]) -> None:
    p = program("a = 1\nb = 2\n")
    p.measure()
    assert p.executed()[0] == [1, 2]
    p.instrumented()  # same source: a reload keeps what ran
    assert p.executed()[0] == [1, 2]
    p.collector.compile("a = 1\nif a:\n    b = 2\n", p.filename)
    assert p.executed()[0] == []
    assert p.collector.measured_files() == [p.filename]


def test_replaced_code_is_no_longer_measured(program: Callable[..., Program]) -> None:
    p = program("def f():\n    return 2\n")
    old_f = p.run(p.instrumented())["f"]
    p.collector.start()
    try:
        p.collector.compile("def f():\n    return 3\n", p.filename)
        old_f()
    finally:
        p.collector.stop()
    assert p.executed()[0] == []


def test_code_only_rcov_holds_is_let_go_and_still_reported(
    program: Callable[..., Program],
) -> None:
    p = program("""\
        class Box:
            size = 1
        def f():
            return 2
        f()
    """)
    code = p.instrumented()
    refs = {c.co_qualname: weakref.ref(c) for c in code_tree(code)}
    p.collector.start()
    try:
        namespace = p.run(code)
        del code
        # Registrations look for code to let go of once enough files wait.
        for n in range(40):
            p.collector.compile("x = 1\n", str(p.path.with_name(f"other{n}.py")))
    finally:
        p.collector.stop()
    assert refs["<module>"]() is None
    assert refs["Box"]() is None  # held only by the module's constants
    assert refs["f"]() is namespace["f"].__code__
    assert p.executed()[0] == [1, 2, 3, 4, 5]
    data = _rcov.CoverageData(has_arcs=True)
    p.collector.add_to(data, {})
    assert sorted(data.functions(p.filename) or []) == [("<module>", 1), ("Box", 1), ("f", 3)]


def test_code_the_program_holds_stays_measured(program: Callable[..., Program]) -> None:
    p = program("if flag:\n    a = 1\nelse:\n    b = 2\n")
    code = p.instrumented()
    p.collector.start()
    try:
        exec(code, {"flag": True})  # noqa: S102 - the test program
        for n in range(40):
            p.collector.compile("x = 1\n", str(p.path.with_name(f"other{n}.py")))
        exec(code, {"flag": False})  # noqa: S102 - the test program
    finally:
        p.collector.stop()
    assert p.executed()[0] == [1, 2, 4]


def test_abandon_lets_go_of_the_files_once_stopped(program: Callable[..., Program]) -> None:
    p = program("a = 1\n")
    p.collector.start()
    p.run(p.instrumented())
    p.collector.abandon()  # measuring: nothing happens
    assert p.collector.measured_files() == [p.filename]
    p.collector.stop(at_exit=True)
    p.collector.abandon()
    assert p.collector.measured_files() == []


MEASURED = """\
def f(x):
    if x:
        a = (1,
             2)
    elif x is None:   # pragma: no branch
        b = 6
    for i in range(x or 0):
        if i:
            break
    while x:
        x -= 1
    return 7

def unused():  # pragma: no cover
    return 1

f(1)
f(0)
"""


def test_results_match_coverage_py(program: Callable[..., Program], tmp_path: Path) -> None:
    coverage = pytest.importorskip("coverage")
    p = program(MEASURED)
    cov = coverage.Coverage(data_file=None, branch=True, config_file=False)
    cov.start()
    try:
        p.run(p.plain())
    finally:
        cov.stop()
    data = cov.get_data()
    reference = cov._analyze(p.filename)

    analysis = _rcov.FileAnalysis(
        p.source,
        p.filename,
        [r"#\s*(pragma|PRAGMA)[:\s]?\s*(no|NO)\s*(cover|COVER)"],
        [r"#\s*(pragma|PRAGMA)[:\s]?\s*(no|NO)\s*(branch|BRANCH)"],
    )
    assert set(analysis.statements) == reference.statements
    assert set(analysis.excluded) == reference.excluded
    assert set(analysis.arcs) == reference.arc_possibilities_set
    assert set(analysis.no_branch) == reference.no_branch
    assert analysis.exit_counts() == dict(reference.exit_counts)

    def check(result: _rcov.FileResult) -> None:
        numbers = reference.numbers
        assert result.statements == sorted(reference.statements)
        assert result.executed_lines == sorted(reference.executed)
        assert result.missing_lines == sorted(reference.missing)
        assert result.excluded_lines == sorted(reference.excluded)
        missing = reference.missing_branch_arcs()
        assert result.missing_branches == sorted((a, b) for a in missing for b in missing[a])
        executed = reference.executed_branch_arcs()
        assert result.executed_branches == sorted((a, b) for a in executed for b in executed[a])
        assert result.num_branches == numbers.n_branches
        assert result.num_partial_branches == numbers.n_partial_branches
        assert result.num_missing_branches == numbers.n_missing_branches

    # coverage.py's own data through rcov's arithmetic...
    check(
        analysis.result(sorted(data.lines(p.filename) or []), sorted(data.arcs(p.filename) or []))
    )
    # ...and rcov's measurement of the same program.
    p.measure()
    lines, arcs = p.executed()
    check(analysis.result(lines, arcs))

    line_result = analysis.result(lines, None)
    assert line_result.num_branches == 0 and line_result.missing_branches == []


def test_file_analysis_rejects_what_cpython_rejects() -> None:
    with pytest.raises(_rcov.InstrumentError, match="cannot parse"):
        _rcov.FileAnalysis("if x\n", "bad.py", [], [])
    with pytest.raises(_rcov.InstrumentError, match="bad pattern"):
        _rcov.FileAnalysis("x = 1\n", "ok.py", ["("], [])


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("branch", [True, False])
def test_every_newline_convention_is_measured(
    program: Callable[..., Program], newline: str, branch: bool
) -> None:
    p = program("")
    source = newline.join(["a = 1", "if a:", "    b = 2", "c = 3", ""])
    collector = _rcov.Collector(branch=branch)
    code = collector.compile(source, p.filename)
    collector.start()
    try:
        p.run(code)
    finally:
        collector.stop()
    lines, arcs = collector.executed()[p.filename]
    assert lines == [1, 2, 3, 4]
    if branch:
        assert arcs is not None and (2, 3) in arcs


CORPUS = Path(__file__).parent / "corpus"


@pytest.mark.parametrize("branch", [False, True], ids=["line", "branch"])
def test_a_runs_report_reuses_the_collectors_statements(branch: bool) -> None:
    """The at-exit report analyses each measured file with the raw statements
    the collector took from its code tree instead of compiling it again: for
    every corpus program they give the analysis a plain compile gives."""
    checked = 0
    for path in sorted(CORPUS.glob("*.py")):
        source = importlib.util.decode_source(path.read_bytes())
        collector = _rcov.Collector(branch=branch)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                collector.compile(source, str(path))
        except (SyntaxError, _rcov.InstrumentError):
            continue  # written for a newer Python than this one
        known = collector.raw_statements(str(path), source)
        assert known is not None
        assert collector.raw_statements(str(path), source + "\n# changed\n") is None
        compiled = _rcov.FileAnalysis(source, str(path), [], [])
        reused = _rcov.FileAnalysis(source, str(path), [], [], known)
        assert (reused.statements, reused.arcs, reused.exit_counts()) == (
            compiled.statements,
            compiled.arcs,
            compiled.exit_counts(),
        ), path.name
        checked += 1
    assert checked > 50


def test_code_another_compiler_made_is_analysed_from_its_source() -> None:
    """pytest's assertion rewriting reports lines a plain compile does not
    (the closing line of a multi-line assert): a file measured through
    `adopt` gets no reused statements, so its report compiles it afresh."""
    source = "def test_a(x=3):\n    assert x == 3, (\n        'why')\n"
    collector = _rcov.Collector(branch=True)
    text, prepared = collector.prepare(source, "adopted.py")
    collector.adopt(compile(text, "adopted.py", "exec"), prepared)
    assert collector.raw_statements("adopted.py", source) is None
