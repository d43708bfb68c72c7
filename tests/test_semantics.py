"""The rewritten program behaves exactly like the original.

- Every corpus and example program is run plainly and under
  `python -m rcov.instrument --branch --no-report`: stdout, stderr (tracebacks
  with their source lines and carets, warnings with their line numbers) and the
  exit status must be byte for byte the same.
- Every corpus file compiled by rcov's collector has the same code-object tree
  as CPython's own compile: names, `co_firstlineno`, and the set of original
  line numbers in `co_lines()` (probe lines excluded).
- Importing every corpus module under rcov, each function, class and nested
  code object reports the same `co_firstlineno`, `inspect.getsource` and
  `inspect.getsourcelines` as without rcov.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
import tokenize
from collections.abc import Iterator
from pathlib import Path
from types import CodeType

import pytest
from corpus_versions import runs_here
from covcompare import clean_env, rcov_command
from test_accuracy import (
    CORPUS,
    CORPUS_PROGRAMS,
    EXAMPLE_PROGRAMS,
    EXAMPLES,
    LONG_PROGRAM_FUNCTIONS,
    copy_programs,
    long_program,
)


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        command, check=False, cwd=cwd, env=clean_env(), capture_output=True, timeout=120
    )


def assert_same_behaviour(program: str, cwd: Path, *, branch: bool = True) -> None:
    plain = run([sys.executable, program], cwd)
    command = rcov_command([program])
    if not branch:
        command.remove("--branch")
    measured = run(command, cwd)
    # Text first, for a readable diff; then the bytes.
    assert measured.stderr.decode(errors="replace") == plain.stderr.decode(errors="replace")
    assert measured.stdout.decode(errors="replace") == plain.stdout.decode(errors="replace")
    assert measured.stdout == plain.stdout
    assert measured.stderr == plain.stderr
    assert measured.returncode == plain.returncode


@pytest.mark.parametrize("program", CORPUS_PROGRAMS)
def test_corpus_program_behaves_the_same(program: str, tmp_path: Path) -> None:
    assert_same_behaviour(program, copy_programs(CORPUS, tmp_path))


@pytest.mark.parametrize(
    "program", ["traceback_carets.py", "uncaught_exception.py", "warnings_lines.py"]
)
def test_line_mode_behaves_the_same(program: str, tmp_path: Path) -> None:
    assert_same_behaviour(program, copy_programs(CORPUS, tmp_path), branch=False)


@pytest.mark.parametrize("program", EXAMPLE_PROGRAMS)
def test_example_behaves_the_same(program: str, tmp_path: Path) -> None:
    assert_same_behaviour(program, copy_programs(EXAMPLES, tmp_path))


def test_long_program_behaves_the_same(tmp_path: Path) -> None:
    (tmp_path / "long_program.py").write_text(long_program(LONG_PROGRAM_FUNCTIONS), "utf-8")
    assert_same_behaviour("long_program.py", tmp_path)


def test_failing_programs_really_fail(tmp_path: Path) -> None:
    """The traceback comparisons above are only meaningful if these programs do die."""
    cwd = copy_programs(CORPUS, tmp_path)
    for program in ("traceback_carets.py", "uncaught_exception.py", "traceback_nested_calls.py"):
        plain = run([sys.executable, program], cwd)
        assert plain.returncode == 1
        assert b"Traceback (most recent call last)" in plain.stderr
        assert b"^" in plain.stderr or b"~" in plain.stderr or program.startswith("uncaught")


# -- The compiled code-object tree ---------------------------------------------------------


def code_tree(code: CodeType, probe_base: int) -> Iterator[tuple[str, int, tuple[int, ...]]]:
    """(qualified name, co_firstlineno, sorted original lines of co_lines()) for the tree."""
    lines = sorted(
        {line for _, _, line in code.co_lines() if line is not None and line < probe_base}
    )
    yield code.co_qualname, code.co_firstlineno, tuple(lines)
    for const in code.co_consts:
        if isinstance(const, CodeType):
            yield from code_tree(const, probe_base)


CORPUS_FILES = sorted(p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*.py"))


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_code_tree_matches_plain_compile(name: str) -> None:
    from rcov import _rcov

    path = CORPUS / name
    with tokenize.open(path) as f:
        source = f.read()
    # dont_inherit: not this module's `from __future__ import annotations` (3.14+
    # compiles annotations differently under it), as when Python runs the file.
    plain = list(code_tree(compile(source, str(path), "exec", dont_inherit=True), _rcov.PROBE_BASE))
    collector = _rcov.Collector(branch=True)
    rewritten = list(code_tree(collector.compile(source, str(path)), _rcov.PROBE_BASE))
    assert rewritten == plain


# -- Introspection of imported modules -----------------------------------------------------

DRIVER = r'''
"""Import each named module and describe every function and class it defines."""
import contextlib
import importlib
import inspect
import io
import json
import sys
import types


def describe_code(code, out, prefix):
    out.append([prefix + code.co_qualname, code.co_firstlineno])
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            describe_code(const, out, prefix)


def describe(obj, module, out, seen):
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, (staticmethod, classmethod)):
        obj = obj.__func__
    if isinstance(obj, property):
        for part in (obj.fget, obj.fset):
            if part is not None:
                describe(part, module, out, seen)
        return
    func = inspect.unwrap(obj) if callable(obj) else obj
    if inspect.isfunction(func) and func.__code__.co_filename == module.__file__:
        out.append([func.__qualname__, func.__code__.co_firstlineno])
        out.append(inspect.getsourcelines(func)[1])
        out.append(inspect.getsource(func))
    elif inspect.isclass(obj) and obj.__module__ == module.__name__:
        out.append([obj.__qualname__, obj.__dict__.get("__firstlineno__")])
        try:
            out.append(inspect.getsource(obj))
        except OSError as exc:  # a class made by a function call (NamedTuple, Enum)
            out.append(str(exc))
        for value in list(vars(obj).values()):
            describe(value, module, out, seen)


result = {}
for name in sys.argv[1:]:
    out = []
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            module = importlib.import_module(name)
        except BaseException as exc:
            module = sys.modules.get(name)
            out.append(["import failed", type(exc).__name__])
    if module is not None:
        seen = set()
        for value in list(vars(module).values()):
            describe(value, module, out, seen)
    result[name] = out
json.dump(result, sys.stdout, indent=1, sort_keys=True)
'''


@pytest.fixture(scope="module")
def introspection(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[object, object]]:
    """Per corpus module: what the driver printed without rcov and with it."""
    tmp = tmp_path_factory.mktemp("introspection")
    cwd = tmp / "src"
    shutil.copytree(CORPUS, cwd, ignore=shutil.ignore_patterns("__pycache__"))
    (cwd / "introspection_driver.py").write_text(DRIVER, "utf-8")
    modules = [Path(p).stem for p in CORPUS_PROGRAMS if runs_here(p)] + ["shapes.util"]
    plain = run([sys.executable, "introspection_driver.py", *modules], cwd)
    assert plain.returncode == 0, plain.stderr.decode()
    measured = run(rcov_command(["introspection_driver.py", *modules]), cwd)
    assert measured.returncode == 0, measured.stderr.decode()
    want, got = json.loads(plain.stdout), json.loads(measured.stdout)
    return {name: (want[name], got.get(name)) for name in want}


@pytest.mark.parametrize("program", CORPUS_PROGRAMS)
def test_introspection_is_unchanged(
    program: str, introspection: dict[str, tuple[object, object]]
) -> None:
    want, got = introspection[Path(program).stem]
    tree = ast.parse((CORPUS / program).read_bytes())
    if any(isinstance(node, (ast.FunctionDef, ast.ClassDef)) for node in ast.walk(tree)):
        assert want, "the driver found nothing to describe"
    assert got == want
