"""Types of the Rust extension module `rcov._rcov` (see runtime/)."""

from types import CodeType

__version__: str
PROBE_BASE: int

class DataError(Exception):
    """A data file could not be read, written or combined; the message names it."""

class PanicException(BaseException):
    """A Rust panic that no `catch_panic` turned into an InstrumentError or
    DataError (PyO3's pyo3_runtime.PanicException): an rcov bug."""

class InstrumentError(Exception):
    """A file could not be instrumented; the message names the reason."""

class Collector:
    """Measures the files it compiles: lines and the code objects that ran
    always, branch edges when `branch`, how many times each line ran when
    `count`, (caller, callee) pairs of measured code objects when
    `track_calls`.

    Thread-safe; one collector measures at a time (it owns a sys.monitoring
    tool id between start() and stop()).
    """

    def __init__(
        self,
        *,
        branch: bool,
        cache_dir: str | None = None,
        count: bool = False,
        track_calls: bool = False,
    ) -> None:
        """`cache_dir`: where compiled instrumented code is kept between runs
        (None: no cache; a counting collector compiles afresh)."""
    @property
    def branch(self) -> bool: ...
    def load_unchanged(self, filename: str) -> CodeType | None:
        """The cached module code of `filename`, registered as `compile`
        registers it, if the file still has the stamp (size, times, inode)
        it had when cached; None otherwise. Reads no source."""
    def compile(self, source: str, filename: str) -> CodeType:
        """Rewrite (in branch mode), compile with CPython's compile(), remap the
        line tables back to `source`'s lines and register the code tree.
        Raises InstrumentError if `source` cannot be instrumented (the caller
        then compiles it normally). When CPython itself rejects `source`, its
        SyntaxError propagates, in either mode, exactly as a plain compile()
        raises it. Compiler warnings (SyntaxWarning) name original lines.
        Compiling a filename again replaces its code tree; its hits are kept
        when `source` is unchanged."""
    def prepare(self, source: str, filename: str) -> tuple[str, Prepared]:
        """For code that another compiler makes from text (pytest's assertion
        rewriting): the text to give it (probes added in branch mode, `source`
        unchanged in line mode) and the handle for `adopt`. Line numbers in
        the text are the rewritten ones until `adopt`. Raises InstrumentError."""
    def adopt(self, code: CodeType, prepared: Prepared) -> CodeType:
        """The module code compiled from a prepared text, remapped to
        `source`'s lines and registered for measurement as `compile` does."""
    def start(self) -> int:
        """Claim a tool id (sys.monitoring.COVERAGE_ID when free, else the first
        free one), register the LINE and PY_START callbacks (PY_RESUME too
        when tracking calls, JUMP when counting) and enable those local events
        on every registered code object (and on those compiled later). Returns the
        tool id; if already started, returns it again. Raises RuntimeError when
        tool ids 0-5 are all in use."""
    def stop(self, at_exit: bool = False) -> None:
        """Stop measuring and free the tool id. Hits are kept. `at_exit`: the
        process is ending, so code objects keep their (now unheard) events."""
    def abandon(self) -> None:
        """Let go of every measured file without freeing it (the process is
        ending and its data is saved); nothing after this may use the
        collector's files. Does nothing while measuring."""
    @property
    def tool_id(self) -> int | None:
        """The sys.monitoring tool id held while measuring, else None."""
    def move_tool(self) -> int:
        """Move measurement to another free tool id (arming every measured
        code object there before giving the old id back) and return it.
        Raises RuntimeError when no other id is free (still measuring on the
        old one)."""
    def clear_hits(self) -> None:
        """Forget every hit and what `new_coverage` returned, keeping the
        measured files (a forked child starting its own data: call
        `sys.monitoring.restart_events()` too, so that lines already run fire
        again)."""
    def new_coverage(self) -> dict[str, tuple[list[int], list[tuple[int, int]]]]:
        """The executed lines and (branch mode) arcs that no earlier call
        returned, per file with any; arcs (l, l) are left out. An empty dict,
        from one atomic load, when no line or probe ran for the first time
        since the previous call. Forgotten by `clear_hits`."""
    def measured_files(self) -> list[str]: ...
    def raw_statements(self, filename: str, source: str) -> list[int] | None:
        """The raw statements of file `filename` (its code tree's
        `co_lines()`), if rcov compiled it from `source` in this run, or in
        an earlier one whose code-cache entry is still there (same
        interpreter, rcov build and mode); else None."""
    def module_code(self, filename: str, source: str) -> CodeType | None:
        """The module code rcov compiled `filename` to from `source` (as for
        `raw_statements`): its code objects are a plain compile's, under the
        same names and first lines; else None."""
    def executed(self) -> dict[str, tuple[list[int], list[tuple[int, int]] | None]]:
        """Per file: the executed lines (statement first lines) and, in branch
        mode, the executed arcs in coverage.py's data conventions: (l, l) for
        each executed line plus the arc(s) of every branch edge taken. All
        contexts together."""
    def switch_context(self, name: str) -> None:
        """Record what runs from now on under context `name` ("": none): the
        hits so far are put aside under the current context, and
        `sys.monitoring.restart_events()` re-arms every line so that lines
        already run record again, once, under `name`. Does nothing if `name`
        is current."""
    @property
    def context(self) -> str:
        """The context hits are recorded under now."""
    def add_to(self, data: CoverageData, names: dict[str, str]) -> None:
        """Add the run's data file content to `data`: what ran (lines or arcs,
        per context), every measured file (touched even if nothing of it ran)
        and the functions that started; each file under `names[file]` (its
        own name where absent)."""
    def line_counts(self) -> dict[str, list[tuple[int, int]]]:
        """Per file, (line, times run) of each line that ran, as `sys.settrace`
        would count them (empty unless counting)."""
    def calls(
        self,
    ) -> list[tuple[tuple[str, str, int], tuple[str, str, int]]]:
        """The (caller, callee) pairs recorded, each (file, co_qualname,
        co_firstlineno), sorted (empty unless tracking calls)."""

class Prepared:
    """What `Collector.prepare` returns for `Collector.adopt` (opaque)."""

class FileAnalysis:
    """Static facts about one file with coverage.py 7.17 semantics."""

    def __init__(
        self,
        source: str,
        filename: str,
        exclude: list[str],
        partial: list[str],
        raw_statements: list[int] | None = None,
        definitions: bool = False,
    ) -> None:
        """Compiles `source` with CPython (for the statement lines; its warnings
        are not shown; `raw_statements`, when given, are those lines and
        nothing is compiled) and analyses it. `exclude` and `partial` are regexes
        (coverage.py's exclude_lines and partial_branches). With `definitions`,
        also finds `definition_lines` and `def_regions` (from the same parse).
        Raises InstrumentError if it cannot be parsed or a pattern is invalid."""
    @property
    def definition_lines(self) -> dict[int, int] | None:
        """As `definition_lines(source)`; None unless asked for."""
    @property
    def def_regions(self) -> list[tuple[str, int, list[int]]] | None:
        """Each `def` region's qualified name (the names of the definitions
        around it, joined with dots), `def` line and own lines (its body less
        the bodies of the functions nested in it), in the order the
        definitions start; None unless asked for."""
    @property
    def statements(self) -> list[int]: ...
    @property
    def excluded(self) -> list[int]: ...
    @property
    def arcs(self) -> list[tuple[int, int]]: ...
    @property
    def no_branch(self) -> list[int]: ...
    def exit_counts(self) -> dict[int, int]: ...
    def result(
        self,
        executed_lines: list[int],
        executed_arcs: list[tuple[int, int]] | None,
    ) -> FileResult:
        """Combine with measured data as coverage.py's results.Analysis does."""

class FileResult:
    """One file's numbers, as coverage.py's `Analysis` computes them."""

    statements: list[int]
    executed_lines: list[int]
    missing_lines: list[int]
    excluded_lines: list[int]
    # Branch data (empty without arcs):
    executed_branches: list[tuple[int, int]]
    missing_branches: list[tuple[int, int]]
    num_branches: int
    num_partial_branches: int
    num_missing_branches: int
    def branch_stats(self) -> dict[int, tuple[int, int]]:
        """coverage.py's `Analysis.branch_stats()`: for each line with more than
        one possible exit, (exits, exits taken); taken is exits less missing
        branches, so every exit of a `no branch` line counts as taken."""

def rewrite(
    source: str, target_version: tuple[int, int]
) -> tuple[str, list[int], list[tuple[int, bool]]]:
    """The rewritten text, the origin of each rewritten line (an original line,
    or PROBE_BASE + k for probe k) and the probe table ((branch line, taken)
    per probe). Raises InstrumentError."""

def definition_lines(source: str) -> dict[int, int]:
    """First decorator line -> `def`/`class` line (`async` for `async def`:
    Python's `ast` `lineno`) of every decorated definition of `source`.
    Raises InstrumentError if it cannot be parsed."""

def highlight_lines(source: str, builtins: frozenset[str]) -> list[str] | None:
    """Each line of `source` as escaped HTML with highlighting spans
    (`builtins`: the names to mark as builtins); None if rcov's parser
    rejects it."""

def decode_utf8(data: bytes) -> str | None:
    """The text of a source file that is UTF-8 without a coding cookie, as
    importlib.util.decode_source gives it (BOM dropped, newlines made "\\n");
    None for any other file (a cookie, not UTF-8, a final "\\r", whose fate
    differs between Python versions), which decode_source must decode."""

def compile_file(data: bytes, filename: str) -> CodeType:
    """compile(data, filename, "exec", dont_inherit=True) of a file's bytes,
    without creating the `ast` module's types as `compile` first does (about
    1 ms, once per process)."""

def instrument_source(
    source: str, filename: str
) -> tuple[str, list[int], list[tuple[int, str, list[tuple[int, int]]]]]:
    """What `rewrite` gives, for tools: the rewritten text, the line each
    rewritten line reports (original line, or PROBE_BASE + k for probe k),
    and per probe its branch line, side ("taken", "not taken" or "body end")
    and the arcs it records. Raises InstrumentError (also when `source` is
    not Python this interpreter compiles)."""

class CoverageData:
    """A coverage data set (coverage.py's data file, schema 7): executed lines
    (line mode) or arcs (branch mode) per measured file and context, never
    both. A file can be measured with no data (a source file never
    imported)."""

    def __init__(self, *, has_arcs: bool | None = None) -> None:
        """An empty data set; `has_arcs` None until lines or arcs are added."""
    @staticmethod
    def read(path: str) -> CoverageData:
        """Read a data file written by rcov or coverage.py, with its
        contexts. Raises DataError naming the file when it is
        missing, unreadable, not a coverage data file or of another schema."""
    def write(self, path: str, meta: list[tuple[str, str]]) -> None:
        """Write the data file atomically (a temporary file beside it,
        renamed over it): a reader, or a process killed while saving, sees
        the old file or the new one, never a mix. `meta` rows are
        added to the `meta` table (`has_arcs` is written from the data).
        Raises DataError."""
    @property
    def has_arcs(self) -> bool | None: ...
    def measured_files(self) -> list[str]: ...
    def lines(self, path: str) -> list[int] | None:
        """Executed lines in any context, sorted (from the arcs in branch
        mode); None if the file was not measured."""
    def arcs(self, path: str) -> list[tuple[int, int]] | None:
        """Executed arcs in any context, sorted (empty in line mode); None if
        not measured."""
    def measured_contexts(self) -> set[str]:
        """The contexts data was recorded in ("": no context set)."""
    def contexts_by_lineno(self, path: str) -> dict[int, list[str]]:
        """For each executed line of `path`, the contexts it ran in, sorted
        (coverage.py's `CoverageData.contexts_by_lineno`); empty if the file
        was not measured."""
    def add_lines(self, path: str, lines: list[int], *, context: str = "") -> None:
        """Lines that ran in `context`. Raises DataError if the data set
        holds arcs."""
    def add_arcs(self, path: str, arcs: list[tuple[int, int]], *, context: str = "") -> None:
        """Arcs that ran in `context`. Raises DataError if the data set holds
        lines."""
    def touch(self, path: str) -> None:
        """Record `path` as measured, with no data if it has none."""
    def update(
        self,
        other: CoverageData,
        *,
        path_map: dict[str, str] | None = None,
        names: tuple[str, str] = ("", ""),
    ) -> None:
        """Add `other`'s data, its paths renamed by `path_map` (others keep
        their names). Raises DataError, naming the data sets by `names`
        (this one's, other's), when one holds lines and the other arcs."""
    def add_functions(self, path: str, functions: list[tuple[str, int]]) -> None:
        """Record functions of `path` that ran, as (co_qualname, co_firstlineno)."""
    def functions(self, path: str) -> list[tuple[str, int]] | None:
        """The functions of `path` that ran; None if the data has no function
        data for it (coverage.py's data, or a file never imported)."""
    def add_line_counts(self, path: str, counts: list[tuple[int, int]]) -> None:
        """Add (line, times run) counts of `path` (added to any already there)."""
    def line_counts(self, path: str) -> dict[int, int] | None:
        """How many times each line of `path` ran; None unless counted."""
    def add_calls(self, calls: list[tuple[tuple[str, str, int], tuple[str, str, int]]]) -> None: ...
    def calls(self) -> list[tuple[tuple[str, str, int], tuple[str, str, int]]]:
        """The (caller, callee) pairs, each (path, co_qualname, co_firstlineno)."""
    def __len__(self) -> int: ...
