"""The instrumented-code cache (README, "The instrumented-code cache").

Each test runs real programs under `python -m rcov.instrument` with a cache
directory of its own. A cache hit leaves its entry untouched, so the tests
tell hits from misses by the entries' modification times. Warm runs must
measure exactly what cold runs do: every corpus file's cached code tree is
checked against a fresh compile in-process, and a sample of corpus programs
is run cold and warm.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import CodeType

import pytest
from covcompare import compare
from covcompare import run_rcov as measure_program
from pyshim_helpers import clean_env, run_python, run_rcov, write_files
from rcov import _rcov

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"

PROGRAM = {
    "app.py": """\
        import helper

        for n in range(4):
            print(helper.classify(n))
        """,
    "helper.py": """\
        def classify(n):
            if n % 2:
                return "odd"
            return "even"
        """,
}
LONG_AGO = 1_000_000_000  # 2001: an entry rewritten by a run gets a new time


def cache_env(cache: Path | str, **extra: str) -> dict[str, str]:
    return clean_env(RCOV_CACHE_DIR=str(cache), **extra)


def entries(cache: Path) -> dict[str, int]:
    """Each entry's name and modification time (temporary files would show too)."""
    if not cache.exists():
        return {}
    return {p.name: p.stat().st_mtime_ns for p in cache.iterdir() if p.name != ".pruned"}


def age_entries(cache: Path) -> dict[str, int]:
    for name in entries(cache):
        os.utime(cache / name, ns=(LONG_AGO * 10**9, LONG_AGO * 10**9))
    return entries(cache)


def measure(tmp_path: Path, cache: Path | str, *options: str) -> tuple[dict[str, object], str]:
    """Run app.py with --branch; its JSON report's files, and stdout + stderr."""
    report = tmp_path / "report.json"
    run = run_rcov(
        tmp_path,
        "--branch",
        "--no-report",
        f"--json={report}",
        *options,
        "app.py",
        env=cache_env(cache),
    )
    assert run.returncode == 0, run.stderr
    return json.loads(report.read_text())["files"], run.stdout + run.stderr


def test_second_run_reads_every_module_from_the_cache(tmp_path: Path) -> None:
    write_files(tmp_path, PROGRAM)
    cache = tmp_path / "cache"
    cold, cold_output = measure(tmp_path, cache)
    assert len(entries(cache)) == 2  # app.py (the main script) and helper.py
    aged = age_entries(cache)
    warm, warm_output = measure(tmp_path, cache)
    assert entries(cache) == aged  # every module was a hit
    assert (warm, warm_output) == (cold, cold_output)
    assert cold["helper.py"]["missing_lines"] == []  # type: ignore[index]


# Prints when the import system reads helper.py's source.
WATCHED_APP = """\
    import sys

    def watch(event, args):
        if event == "open" and str(args[0]).endswith("helper.py"):
            print("read helper.py")

    sys.addaudithook(watch)
    import helper

    for n in range(4):
        print(helper.classify(n))
    """


def test_an_unchanged_settled_source_is_not_read_again(tmp_path: Path) -> None:
    """A file not written in the last two seconds has a trusted stamp: while
    it keeps it, its entry is used without reading the source."""
    write_files(tmp_path, {**PROGRAM, "app.py": WATCHED_APP})
    time.sleep(2.5)  # older than the settling time (source_stamp.rs)
    cache = tmp_path / "cache"
    cold, cold_output = measure(tmp_path, cache)
    assert cold_output.split()[0] == "read"
    aged = age_entries(cache)
    warm, warm_output = measure(tmp_path, cache)
    assert entries(cache) == aged  # a hit
    assert warm == cold
    # The import did not read the source (the report at exit reads it).
    assert warm_output.split() == cold_output.split()[2:]
    # Same size and another content: a new stamp, so read and compiled again.
    helper = tmp_path / "helper.py"
    helper.write_text(helper.read_text().replace("n % 2", "n > 2"))
    changed, changed_output = measure(tmp_path, cache)
    import_and_output = ["read", "helper.py", "even", "even", "even", "odd"]
    assert changed_output.split() == [*import_and_output, "read", "helper.py"]
    assert changed["helper.py"]["executed_lines"] == [1, 2, 3, 4]  # type: ignore[index]


def test_a_changed_source_is_compiled_again(tmp_path: Path) -> None:
    write_files(tmp_path, PROGRAM)
    cache = tmp_path / "cache"
    measure(tmp_path, cache)
    aged = age_entries(cache)
    helper = tmp_path / "helper.py"
    helper.write_text(helper.read_text().replace("n % 2", "n > 10"))
    files, output = measure(tmp_path, cache)
    changed = {name for name, mtime in entries(cache).items() if aged.get(name) != mtime}
    assert len(changed) == 1 and len(entries(cache)) == 2
    assert output.split() == ["even"] * 4
    assert files["helper.py"]["missing_lines"] == [3]  # type: ignore[index]


def test_line_and_branch_mode_have_their_own_entries(tmp_path: Path) -> None:
    write_files(tmp_path, PROGRAM)
    cache = tmp_path / "cache"
    measure(tmp_path, cache)
    report = tmp_path / "lines.json"
    for _ in range(2):
        run = run_rcov(tmp_path, "--no-report", f"--json={report}", "app.py", env=cache_env(cache))
        assert run.returncode == 0, run.stderr
        files = json.loads(report.read_text())["files"]
        assert "missing_branches" not in files["helper.py"]
        assert files["helper.py"]["executed_lines"] == [1, 2, 3, 4]
    assert len(entries(cache)) == 4


def test_damaged_entries_are_compiled_again(tmp_path: Path) -> None:
    write_files(tmp_path, PROGRAM)
    cache = tmp_path / "cache"
    cold, cold_output = measure(tmp_path, cache)
    for name in entries(cache):
        entry = cache / name
        data = bytearray(entry.read_bytes())
        data[len(data) // 2] ^= 0xFF  # inside the marshalled code
        entry.write_bytes(bytes(data[: len(data) - 7]))
    aged = age_entries(cache)
    files, output = measure(tmp_path, cache)
    assert (files, output) == (cold, cold_output)
    assert all(entries(cache)[name] != mtime for name, mtime in aged.items())


def test_an_unusable_cache_directory_only_means_no_caching(tmp_path: Path) -> None:
    write_files(tmp_path, PROGRAM)
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    cold, cold_output = measure(tmp_path, blocker / "cache")
    again, again_output = measure(tmp_path, blocker / "cache")
    assert (again, again_output) == (cold, cold_output)
    assert "rcov" not in cold_output  # no message: the program's output only


def test_empty_cache_variable_turns_the_cache_off(tmp_path: Path) -> None:
    write_files(tmp_path, PROGRAM)
    home = tmp_path / "home"
    home.mkdir()
    env = cache_env("", HOME=str(home))
    env.pop("XDG_CACHE_HOME", None)
    run = run_rcov(tmp_path, "--branch", "app.py", env=env)
    assert run.returncode == 0, run.stderr
    assert list(home.rglob("*")) == []
    # And without the variable, the default place is used.
    del env["RCOV_CACHE_DIR"]
    run = run_rcov(tmp_path, "--branch", "app.py", env=env)
    assert run.returncode == 0, run.stderr
    assert len(entries(home / ".cache" / "rcov")) == 2


def test_a_file_that_warns_when_compiled_warns_on_every_run(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "app.py": "import warner\n",
            "warner.py": "x = 5\nif x is 5:\n    print('five')\n",
        },
    )
    cache = tmp_path / "cache"
    for _ in range(2):
        run = run_rcov(tmp_path, "--branch", "--no-report", "app.py", env=cache_env(cache))
        assert run.returncode == 0
        assert "warner.py:2: SyntaxWarning:" in run.stderr
    assert len(entries(cache)) == 1  # app.py only


def test_processes_filling_the_cache_at_once(tmp_path: Path) -> None:
    """Eight processes start together on a cold cache: all measure the same,
    and every entry ends up whole (the next run reads all of them)."""
    write_files(tmp_path, PROGRAM)
    cache = tmp_path / "cache"
    command = [sys.executable, "-m", "rcov.instrument", "--branch", "--no-report", "-p", "app.py"]
    procs = [
        subprocess.Popen(
            command,
            cwd=tmp_path,
            env=cache_env(cache),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(8)
    ]
    outputs = {proc.communicate(timeout=120) for proc in procs}
    assert all(proc.returncode == 0 for proc in procs)
    assert len(outputs) == 1
    assert len(entries(cache)) == 2
    aged = age_entries(cache)
    measure(tmp_path, cache)
    assert entries(cache) == aged


def code_tree(code: CodeType) -> list[tuple[str, int, list[tuple[int, int, int | None]]]]:
    """Each code object of a tree: qualified name, first line, line table."""
    found = []
    stack = [code]
    while stack:
        current = stack.pop()
        stack.extend(c for c in current.co_consts if isinstance(c, CodeType))
        found.append((current.co_qualname, current.co_firstlineno, list(current.co_lines())))
    return found


def importable_source(path: Path) -> str | None:
    """The file's text as the import system decodes it; None for a file that
    does not compile here (syntax of a newer Python) or warns when compiled
    (such files are never cached)."""
    import importlib.util
    import warnings

    text = importlib.util.decode_source(path.read_bytes())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            compile(text, str(path), "exec", dont_inherit=True)
        except (SyntaxError, SyntaxWarning):
            return None
    return text


def corpus_sources() -> Iterator[tuple[Path, str]]:
    """Each corpus file that compiles as an importable module, with its text."""
    for path in sorted(CORPUS.rglob("*.py")):
        source = importable_source(path)
        if source is not None:
            yield path, source


@pytest.mark.parametrize("branch", [True, False], ids=["branch", "line"])
def test_cached_code_is_the_compiled_code_for_every_corpus_file(
    tmp_path: Path, branch: bool
) -> None:
    """A cache hit gives the very code a compile gives: equal code objects
    (CPython compares bytecode, constants, names, line and exception tables,
    nested code included) on the same lines."""
    cache = tmp_path / "cache"
    compared = 0
    for path, source in corpus_sources():
        cold = _rcov.Collector(branch=branch, cache_dir=str(cache)).compile(source, str(path))
        written = entries(cache)
        warm = _rcov.Collector(branch=branch, cache_dir=str(cache)).compile(source, str(path))
        assert entries(cache) == written  # a hit: nothing was written again
        assert warm == cold, path
        assert code_tree(warm) == code_tree(cold), path
        compared += 1
    assert compared > 80


@pytest.mark.parametrize("branch", [True, False], ids=["branch", "line"])
def test_cached_statements_are_a_plain_compiles_for_every_corpus_file(
    tmp_path: Path, branch: bool
) -> None:
    """A report takes a file's statements from the code cache instead of
    compiling it: they are the statements CPython's own compile of the
    source gives, and only for that source."""
    cache = str(tmp_path / "cache")
    compared = 0
    for path, source in corpus_sources():
        reader = _rcov.Collector(branch=branch, cache_dir=cache)
        assert reader.raw_statements(str(path), source) is None  # nothing cached yet
        _rcov.Collector(branch=branch, cache_dir=cache).compile(source, str(path))
        cached = reader.raw_statements(str(path), source)
        assert cached is not None, path
        plain = _rcov.FileAnalysis(source, str(path), [], [])
        from_cache = _rcov.FileAnalysis(source, str(path), [], [], cached)
        assert from_cache.statements == plain.statements, path
        assert from_cache.arcs == plain.arcs, path
        assert from_cache.exit_counts() == plain.exit_counts(), path
        assert reader.raw_statements(str(path), source + "\nx = 1\n") is None
        compared += 1
    assert compared > 80


def function_signatures(module: CodeType) -> list[tuple[str, str, int, int]]:
    """What a function listing reads of a code tree, in tree order."""
    return [
        (code.co_qualname, code.co_name, code.co_firstlineno, code.co_flags & 0x2)
        for code in all_code(module)
    ]


def all_code(code: CodeType) -> list[CodeType]:
    return [code] + [
        nested
        for const in code.co_consts
        if isinstance(const, CodeType)
        for nested in all_code(const)
    ]


@pytest.mark.parametrize("branch", [True, False], ids=["branch", "line"])
def test_compiled_code_has_a_plain_compiles_functions_for_every_corpus_file(
    tmp_path: Path, branch: bool
) -> None:
    """A function listing walks the code rcov compiled (in the run, or from
    the cache) instead of compiling the file: the same code objects, under the
    same names and first lines, as CPython's compile of the source."""
    cache = str(tmp_path / "cache")
    compared = 0
    for path, source in corpus_sources():
        plain = function_signatures(compile(source, str(path), "exec", dont_inherit=True))
        measuring = _rcov.Collector(branch=branch, cache_dir=cache)
        measuring.compile(source, str(path))
        in_run = measuring.module_code(str(path), source)
        cached = _rcov.Collector(branch=branch, cache_dir=cache).module_code(str(path), source)
        assert in_run is not None and cached is not None, path
        assert function_signatures(in_run) == plain, path
        assert function_signatures(cached) == plain, path
        assert measuring.module_code(str(path), source + "\nx = 1\n") is None
        compared += 1
    assert compared > 80


# The report command, run in-process under an audit hook that lists the files
# CPython compiles from source text.
REPORT_COUNTING_COMPILES = """\
import sys
compiled = []
def hook(event, args):
    if event == "compile" and isinstance(args[1], str) and args[1].endswith(".py"):
        compiled.append(args[1])
sys.addaudithook(hook)
from rcov.cli import main
try:
    main(sys.argv[1:])
finally:
    print("compiled:", sorted(set(compiled)))
"""


@pytest.mark.parametrize(
    "command",
    [["report", "--show-missing"], ["json", "-o", "-", "--pretty-print"]],
    ids=["report", "json"],
)
def test_a_report_takes_cached_files_from_the_cache(tmp_path: Path, command: list[str]) -> None:
    """The text report needs each file's statements, the JSON report its
    functions too: with the cache of the run, neither compiles a file, and
    both say what they say without it."""
    write_files(tmp_path, PROGRAM)
    cache = tmp_path / "cache"
    run = run_rcov(tmp_path, "--branch", "--no-report", "app.py", env=cache_env(cache))
    assert run.returncode == 0, run.stderr
    script = ["-c", REPORT_COUNTING_COMPILES, *command]
    warm = run_python(tmp_path, *script, env=cache_env(cache))
    cold = run_python(tmp_path, *script, env=cache_env(""))
    assert warm.returncode == cold.returncode == 0, warm.stderr + cold.stderr
    output, _, compiled = warm.stdout.rpartition("compiled:")
    assert "helper.py" in output and "app.py" in output
    assert compiled.strip() == "[]"
    cold_output, _, cold_compiled = cold.stdout.rpartition("compiled:")
    assert without_timestamp(cold_output) == without_timestamp(output)
    assert "helper.py" in cold_compiled and "app.py" in cold_compiled


def without_timestamp(output: str) -> str:
    return "\n".join(line for line in output.splitlines() if '"timestamp"' not in line)


# Programs of tests/corpus run cold and then warm from the command line.
SAMPLE = [
    "if_elif_else.py",
    "match_guards.py",
    "one_liner_variety.py",
    "try_except_star.py",
    "generators.py",
    "import_package.py",
    "decorated_exits.py",
    "tabs_indent.py",
]


@pytest.mark.parametrize("program", SAMPLE)
def test_a_warm_run_measures_what_the_cold_run_did(tmp_path: Path, program: str) -> None:
    src = tmp_path / "src"
    shutil.copytree(CORPUS, src, ignore=shutil.ignore_patterns("__pycache__"))
    work = tmp_path / "work"
    work.mkdir()
    env = {"RCOV_CACHE_DIR": str(tmp_path / "cache")}
    cold = measure_program([program], src, work, env=env)
    aged = age_entries(tmp_path / "cache")
    warm = measure_program([program], src, work, env=env)
    assert entries(tmp_path / "cache") == aged
    assert (warm.returncode, warm.stdout, warm.stderr) == (
        cold.returncode,
        cold.stdout,
        cold.stderr,
    )
    assert cold.files and compare(cold.files, warm.files) == []
