"""rcov --branch reports exactly what coverage.py 7.17.3 --branch reports.

Each program of tests/corpus/ and examples/ is run twice by the interpreter
running the tests, once under `coverage run --branch` and once under
`python -m rcov.instrument --branch`, and the JSON reports are compared file
by file (see covcompare.py). There are no hand-written expected numbers:
coverage.py is the reference. A difference is either a bug in rcov or one of
the deliberate differences listed in README.md, each pinned by its own test.
"""

from __future__ import annotations

import ast
import shutil
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from corpus_versions import runs_here
from covcompare import (
    COVERAGE_VERSION,
    Agreement,
    Measurement,
    compare,
    run_coverage,
    run_rcov,
    write_summary,
)

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
EXAMPLES = ROOT / "examples"
CORPUS_PROGRAMS = sorted(p.name for p in CORPUS.glob("*.py"))
EXAMPLE_PROGRAMS = sorted(p.name for p in EXAMPLES.glob("*.py"))

# Lines in the generated long program; must stay above SlipCover's 32,767 limit
# and above the 40,000 the issue asks for.
LONG_PROGRAM_FUNCTIONS = 6000

_agreement = Agreement()


@pytest.fixture(scope="module", autouse=True)
def agreement_summary(request: pytest.FixtureRequest) -> Iterator[None]:
    """Print the agreement figures of every comparison in this module at its end."""
    yield
    write_summary(request.config, _agreement.summary("accuracy vs coverage.py (corpus + examples)"))


def copy_programs(directory: Path, tmp_path: Path) -> Path:
    """A private copy of a program directory, so runs never share files or caches."""
    target = tmp_path / "src"
    shutil.copytree(directory, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return target


def measure_both(
    program: str, cwd: Path, tmp_path: Path, coverage_env: dict[str, str] | None = None
) -> tuple[Measurement, Measurement]:
    """coverage.py's measurement and rcov's. rcov runs twice, with a cache of
    its own: the first run compiles and fills the instrumented-code cache, the
    second reads every module from it, and must measure exactly the same."""
    work = tmp_path / "work"
    work.mkdir()
    expected = run_coverage([program], cwd, work, env=coverage_env)
    cache = {"RCOV_CACHE_DIR": str(tmp_path / "rcov-cache")}
    cold = run_rcov([program], cwd, work, env=cache)
    warm = run_rcov([program], cwd, work, env=cache)
    assert (warm.returncode, warm.stdout, warm.stderr) == (cold.returncode, cold.stdout, cold.stderr)
    assert compare(cold.files, warm.files) == [], "the cached run measured differently"
    return expected, warm


def assert_same_coverage(
    expected: Measurement, actual: Measurement, known: Sequence[str] = ()
) -> None:
    """`known`: the differences there must be (see SYSMON_DIFFERENCES), and no others."""
    assert expected.files, f"coverage.py measured nothing:\n{expected.stderr}"
    assert actual.returncode == expected.returncode, (
        f"exit status {actual.returncode} under rcov, {expected.returncode} under coverage.py\n"
        f"{actual.stderr}"
    )
    _agreement.add(expected.files, actual.files)
    problems = compare(expected.files, actual.files)
    assert problems == list(known), "rcov differs from coverage.py:\n" + "\n".join(problems)


# From Python 3.14 coverage.py measures branches with sys.monitoring by default (its
# "sysmon" core), which differs from its ctrace core, and from rcov, in two cases of
# the corpus (README.md, "Python 3.14 and later"): a branch into a one-line body
# counts as taken even when the body raises before finishing (the arc's destination,
# after the body, never runs), and a line first reached from a generator's `close()`
# is joined to the last line reported earlier in that code object (a stale
# predecessor, here the `for` line, not the `yield` that really preceded it). rcov,
# like ctrace, counts the arcs that ran. These differences must be exactly these;
# test_sysmon_differences_are_the_cores_own checks that ctrace has none of them.
SYSMON_DIFFERENCES: dict[str, list[str]] = {
    "traceback_carets.py": [
        "traceback_carets.py: missing_arcs: coverage.py only [-], rcov only [12->11]"
    ],
    "yield_in_try.py": ["yield_in_try.py: missing_arcs: coverage.py only [-], rcov only [6->11]"],
}
SYSMON_IS_DEFAULT = sys.version_info >= (3, 14)


@pytest.mark.parametrize("program", CORPUS_PROGRAMS)
def test_corpus_program(program: str, tmp_path: Path) -> None:
    cwd = copy_programs(CORPUS, tmp_path)
    expected, actual = measure_both(program, cwd, tmp_path)
    # The corpus is only useful if every program leaves something unrun.
    assert any(facts.has_gaps() for facts in expected.files.values()), (
        f"{program} runs every line and branch: make it miss something"
    )
    known = SYSMON_DIFFERENCES.get(program, []) if SYSMON_IS_DEFAULT else []
    assert_same_coverage(expected, actual, known)


@pytest.mark.skipif(
    not SYSMON_IS_DEFAULT, reason="coverage.py's sysmon core measures branches from 3.14 on"
)
@pytest.mark.parametrize("program", sorted(SYSMON_DIFFERENCES))
def test_sysmon_differences_are_the_cores_own(program: str, tmp_path: Path) -> None:
    """With coverage.py's ctrace core the programs of SYSMON_DIFFERENCES agree fully."""
    cwd = copy_programs(CORPUS, tmp_path)
    expected, actual = measure_both(program, cwd, tmp_path, {"COVERAGE_CORE": "ctrace"})
    assert expected.files and actual.returncode == expected.returncode
    assert compare(expected.files, actual.files) == []


@pytest.mark.parametrize("program", EXAMPLE_PROGRAMS)
def test_example_program(program: str, tmp_path: Path) -> None:
    cwd = copy_programs(EXAMPLES, tmp_path)
    expected, actual = measure_both(program, cwd, tmp_path)
    assert_same_coverage(expected, actual)


def long_program(functions: int) -> str:
    """A generated program of more than 40,000 lines whose last branches run near its end."""
    parts = ['"""Generated by test_accuracy.long_program: a very long file."""\n\n']
    for i in range(functions):
        parts.append(
            f"def f{i}(x: int) -> int:\n"
            f"    if x > {i % 7}:\n"
            f"        return x - {i}\n"
            f"    elif x < -1000:\n"
            f"        return 0\n"
            f"    return x + {i}\n\n\n"
        )
    parts.append(
        "def near_end(values: list[int]) -> list[int]:\n"
        "    out = []\n"
        "    for v in values:\n"
        "        if v % 2: out.append(v)\n"
        "        elif v > 10**6:\n"
        "            out.append(-v)\n"
        "    return out\n\n\n"
        "total = 0\n"
        f"for i in range(0, {functions}, 97):\n"
        "    total += globals()[f'f{i}'](i % 11)\n"
        "print(total, near_end([1, 2, 3]))\n"
        "try:\n"
        "    near_end([None])\n"
        "except TypeError:\n"
        "    import traceback\n"
        "    print(traceback.format_exc())\n"
        "if total == 12345: print('unlikely')\n"
    )
    return "".join(parts)


def test_long_file(tmp_path: Path) -> None:
    cwd = tmp_path / "src"
    cwd.mkdir()
    text = long_program(LONG_PROGRAM_FUNCTIONS)
    assert text.count("\n") > 40_000
    (cwd / "long_program.py").write_text(text, encoding="utf-8")
    expected, actual = measure_both("long_program.py", cwd, tmp_path)
    facts = expected.files["long_program.py"]
    assert max(facts.arcs)[0] > 40_000, "the last branch must be near the end"
    assert actual.stdout == expected.stdout
    assert_same_coverage(expected, actual)


def test_coverage_is_the_pinned_version() -> None:
    import coverage

    assert coverage.__version__ == COVERAGE_VERSION


def test_corpus_size() -> None:
    assert len(CORPUS_PROGRAMS) >= 60


# Every construct the issue names, as (description, predicate over a parsed module).
_CONSTRUCTS: dict[str, type[ast.AST] | tuple[type[ast.AST], ...]] = {
    "if/elif": ast.If,
    "for": ast.For,
    "async for": ast.AsyncFor,
    "while": ast.While,
    "break": ast.Break,
    "continue": ast.Continue,
    "match": ast.Match,
    "match OR-pattern": ast.MatchOr,
    "match class pattern": ast.MatchClass,
    "match mapping pattern": ast.MatchMapping,
    "match star pattern": ast.MatchStar,
    "try": ast.Try,
    "try/except*": ast.TryStar,
    "with": ast.With,
    "async with": ast.AsyncWith,
    "lambda": ast.Lambda,
    "list comprehension": ast.ListComp,
    "set comprehension": ast.SetComp,
    "dict comprehension": ast.DictComp,
    "generator expression": ast.GeneratorExp,
    "conditional expression": ast.IfExp,
    "and/or": ast.BoolOp,
    "assert": ast.Assert,
    "yield": ast.Yield,
    "yield from": ast.YieldFrom,
    "await": ast.Await,
    "global": ast.Global,
    "nonlocal": ast.Nonlocal,
    "walrus": ast.NamedExpr,
    "type alias": ast.TypeAlias,
    "class": ast.ClassDef,
    "async def": ast.AsyncFunctionDef,
}


def _corpus_sources() -> dict[str, bytes]:
    # Programs for newer Pythons (conftest.py) cannot be parsed by an older `ast`.
    return {
        p.relative_to(CORPUS).as_posix(): p.read_bytes()
        for p in CORPUS.rglob("*.py")
        if runs_here(p)
    }


def test_corpus_covers_every_construct() -> None:
    found: set[str] = set()
    for raw in _corpus_sources().values():
        tree = ast.parse(raw)
        kinds = {type(node) for node in ast.walk(tree)}
        for name, kind in _CONSTRUCTS.items():
            if isinstance(kind, tuple):
                if kinds & set(kind):
                    found.add(name)
            elif kind in kinds:
                found.add(name)
        for node in ast.walk(tree):
            if isinstance(node, (ast.For, ast.While, ast.AsyncFor)) and node.orelse:
                found.add("loop else")
            if isinstance(node, ast.Try) and node.finalbody:
                for inner in ast.walk(ast.Module(body=node.finalbody, type_ignores=[])):
                    if isinstance(inner, (ast.Return, ast.Break, ast.Continue)):
                        found.add(f"{type(inner).__name__.lower()} in finally")
            if isinstance(node, ast.match_case) and node.guard is not None:
                found.add("case guard")
            if isinstance(node, ast.While) and isinstance(node.test, ast.Constant):
                found.add(f"while {node.test.value!r}")
            if isinstance(node, ast.If) and isinstance(node.test, ast.Constant):
                found.add(f"if {node.test.value!r}")
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and len(node.decorator_list) > 1:
                found.add("stacked decorators")
    missing = set(_CONSTRUCTS) - found
    missing |= {
        "loop else",
        "return in finally",
        "break in finally",
        "continue in finally",
        "case guard",
        "while True",
        "while 1",
        "while False",
        "if 0",
        "stacked decorators",
    } - found
    assert not missing, f"no corpus program uses: {sorted(missing)}"


def test_corpus_covers_every_source_form() -> None:
    sources = _corpus_sources()
    texts = {name: raw.decode("latin-1") for name, raw in sources.items()}
    forms = {
        "CRLF line endings": any(b"\r\n" in raw for raw in sources.values()),
        "tab indentation": any("\n\t" in text for text in texts.values()),
        "latin-1 coding cookie": any(
            text.startswith("# -*- coding: latin-1 -*-") for text in texts.values()
        ),
        "non-ASCII identifiers": any(
            not name.isascii()
            for raw in sources.values()
            if raw.isascii() is False and b"coding: latin-1" not in raw
            for name in _identifiers(raw)
        ),
        "backslash continuation": any("\\\n" in text for text in texts.values()),
        "pragma: no cover": any("# pragma: no cover" in text for text in texts.values()),
        "pragma: no branch": any("# pragma: no branch" in text for text in texts.values()),
        "if TYPE_CHECKING": any("if TYPE_CHECKING:" in text for text in texts.values()),
        "if __debug__": any("if __debug__:" in text for text in texts.values()),
        "one-line case body": any("case 1: return" in text for text in texts.values()),
        "one-line while body": any("while items: " in text for text in texts.values()),
        "a package": (CORPUS / "shapes" / "__init__.py").exists(),
    }
    absent = [name for name, present in forms.items() if not present]
    assert not absent, f"the corpus lacks: {absent}"


def _identifiers(raw: bytes) -> Iterator[str]:
    for node in ast.walk(ast.parse(raw)):
        if isinstance(node, ast.Name):
            yield node.id
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            yield node.name
