"""The LCOV report (rcov.lcovreport) against `coverage lcov` on the same data.

See reportcompare.py: for every corpus program, rcov's LCOV of coverage.py's
measured data equals coverage.py's, record for record, function records (FN,
FNDA, FNF, FNH) included: from coverage.py's data (which has no function
data) a function is hit when any of its statements ran, as coverage.py says;
from rcov's data, when its start was recorded, which must say the same.
"""

from __future__ import annotations

import ast
import io
import re
import shutil
from pathlib import Path

import pytest
from pyshim_helpers import parsed_corpus_and_stdlib
from rcov import _rcov
from rcov.lcovreport import line_hash, write_lcov
from rcov.summary import FileReport
from reportcompare import (
    CORPUS,
    CORPUS_PROGRAMS,
    commands_on_rcov_data,
    measure,
    measured_corpus_program,
)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("reports")


def rcov_lcov(reports: list[FileReport], **options: bool) -> str:
    out = io.StringIO()
    write_lcov(reports, out, **options)
    return out.getvalue()


@pytest.mark.parametrize("program", CORPUS_PROGRAMS)
def test_corpus_program_branch(program: str, base: Path) -> None:
    run = measured_corpus_program(program, base)
    assert rcov_lcov(run.reports, branch=True) == run.lcov


@pytest.mark.parametrize("program", ["if_elif_else.py", "import_package.py", "non_ascii.py"])
def test_corpus_program_lines(program: str, base: Path) -> None:
    run = measured_corpus_program(program, base, branch=False)
    ours = rcov_lcov(run.reports, branch=False)
    assert ours == run.lcov
    assert "BRDA" not in ours


EXITS = """\
import sys
def f(x):
    if x:
        y = 1


class C:
    if len(sys.argv) > 5:
        z = 1


@staticmethod
def g(x):
    for i in x:
        pass

f(0); f(1); g([])
if len(sys.argv) > 5:
    print()
"""


def test_exit_arcs_are_named_by_their_scope(tmp_path: Path) -> None:
    # An arc leaving a function, a class body or the module is named as
    # coverage.py names it; a decorated function starts at its decorator.
    (tmp_path / "exits.py").write_text(EXITS, encoding="utf-8")
    run = measure("exits.py", tmp_path, tmp_path)
    ours = rcov_lcov(run.reports, branch=True)
    assert ours == run.lcov
    for record in (
        "BRDA:3,0,return from function 'f',1",
        "BRDA:8,0,exit class 'C',1",
        "BRDA:14,0,return from function 'g',1",
        "BRDA:18,0,exit the module,1",
    ):
        assert record + "\n" in ours


@pytest.mark.parametrize(
    "program", ["if_elif_else.py", "early_return.py", "try_except.py", "while_variants.py"]
)
def test_rcov_lcov_on_rcov_data(program: str, tmp_path: Path) -> None:
    cwd = tmp_path / "src"
    shutil.copytree(CORPUS, cwd)
    ours, theirs = commands_on_rcov_data(program, cwd, "lcov")
    assert ours == theirs


def test_rcov_lcov_on_rcov_data_with_source(tmp_path: Path) -> None:
    cwd = tmp_path / "src"
    shutil.copytree(CORPUS, cwd)
    ours, theirs = commands_on_rcov_data("import_package.py", cwd, "lcov", source=["shapes"])
    assert ours == theirs
    assert ours.count("end_of_record") == 4  # the package's four files


def test_unrun_branch_lines_say_dash(base: Path) -> None:
    run = measured_corpus_program("if_elif_else.py", base)
    ours = rcov_lcov(run.reports, branch=True)
    records = re.findall(r"^BRDA:(\d+),0,[^,]*,([01-])$", ours, re.MULTILINE)
    for report in run.reports:
        for line, (total, taken) in report.result.branch_stats().items():
            hits = [hit for n, hit in records if int(n) == line]
            if taken == 0:
                assert hits == ["-"] * total
            else:
                assert hits.count("1") + hits.count("0") == total


def test_totals_and_return_value(base: Path) -> None:
    run = measured_corpus_program("while_variants.py", base)
    out = io.StringIO()
    pct = write_lcov(run.reports, out, branch=True)
    text = out.getvalue()
    (report,) = run.reports
    nums = report.numbers
    assert f"LF:{nums.n_statements}\nLH:{nums.n_executed}\n" in text
    assert f"BRF:{nums.n_branches}\n" in text
    assert text.endswith("end_of_record\n")
    assert pct == pytest.approx(nums.pc_covered)


def test_line_checksums(tmp_path: Path) -> None:
    source = "x = 1\nif x:\n    y = 'é'\n"
    path = tmp_path / "m.py"
    path.write_text(source, encoding="utf-8")
    result = _rcov.FileAnalysis(source, str(path), [], []).result([1, 2], None)
    text = rcov_lcov([FileReport("m.py", str(path), result)], branch=False, line_checksums=True)
    assert f"DA:3,0,{line_hash(chr(32) * 4 + 'y = ' + repr('é'))}\n" in text
    assert line_hash("x = 1") == "03/8VLZ86N4fAe+x8uM2iQ"  # base64 MD5, '=' stripped
    assert "DA:1,1,03/8VLZ86N4fAe+x8uM2iQ\n" in text


def test_control_characters_cannot_forge_records(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text("x = 1\n")
    result = _rcov.FileAnalysis("x = 1\n", str(path), [], []).result([1], None)
    text = rcov_lcov([FileReport("m\nend_of_record\nSF:evil.py", str(path), result)], branch=False)
    assert text.splitlines()[0] == "SF:m?end_of_record?SF:evil.py"
    assert text.count("end_of_record\n") == 1


def test_empty_files(tmp_path: Path) -> None:
    path = tmp_path / "empty.py"
    path.write_text("")
    result = _rcov.FileAnalysis("", str(path), [], []).result([], None)
    reports = [FileReport("empty.py", str(path), result)]
    assert rcov_lcov(reports, branch=True) == "SF:empty.py\nend_of_record\n"
    assert rcov_lcov(reports, branch=True, skip_empty=True) == ""


def test_html_sentences_say_why() -> None:
    # The HTML report's sentences (lcov shares the phrases, not the causes).
    from rcov.arcphrases import ArcPhrases, parse_source

    phrases = ArcPhrases(parse_source(EXITS))
    assert phrases.missed(3, 4) == (
        "line 3 didn't jump to line 4 because the condition on line 3 was never true"
    )
    assert phrases.missed(3, -2) == (
        "line 3 didn't return from function 'f' because the condition on line 3 was always true"
    )
    assert phrases.missed(14, -12) == (
        "line 14 didn't return from function 'g' because the loop on line 14 didn't complete"
    )
    assert phrases.missed(14, 15) == (
        "line 14 didn't jump to line 15 because the loop on line 14 never started"
    )
    assert phrases.missed(18, -1) == (
        "line 18 didn't exit the module because the condition on line 18 was always true"
    )
    assert ArcPhrases(parse_source("if x: y()\n")).missed(1, -1) == "line 1 didn't exit the module"
    assert ArcPhrases(parse_source(None)).missed(3, -2) == "line 3 didn't jump to the function exit"


def ast_def_regions(tree: ast.Module) -> list[tuple[str, int, set[int]]]:
    """The reference: coverage.py's regions of `def`s, from Python's `ast`."""
    regions: list[tuple[str, int, set[int]]] = []
    fields = ("body", "orelse", "finalbody", "handlers", "cases")

    def visit(node: ast.AST, names: list[str], enclosing: set[int] | None) -> None:
        for field in fields:
            for child in getattr(node, field, ()):
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    end = child.body[-1].end_lineno or child.body[-1].lineno
                    lines = set(range(child.body[0].lineno, end + 1))
                    if enclosing is not None:
                        enclosing -= lines
                    regions.append((".".join([*names, child.name]), child.lineno, lines))
                    visit(child, [*names, child.name], lines)
                elif isinstance(child, ast.ClassDef):
                    visit(child, [*names, child.name], enclosing)
                else:
                    visit(child, names, enclosing)

    visit(tree, [], None)
    return regions


def test_def_regions_are_asts_for_the_corpus_and_standard_library() -> None:
    from rcov import _rcov

    compared = functions = 0
    for path, source, tree in parsed_corpus_and_stdlib():
        expected = ast_def_regions(tree)
        analysis = _rcov.FileAnalysis(source, str(path), [], [], definitions=True)
        found = [(name, start, set(lines)) for name, start, lines in analysis.def_regions or ()]
        # The same parse also gives what function listings show.
        assert analysis.definition_lines == _rcov.definition_lines(source), path
        assert sorted(found, key=str) == sorted(expected, key=str), path
        compared += 1
        functions += len(expected)
    assert compared > 200
    assert functions > 5000


def test_an_analysis_finds_definitions_only_when_asked() -> None:
    from rcov import _rcov

    source = "@dec\ndef f():\n    return 1\n"
    plain = _rcov.FileAnalysis(source, "m.py", [], [])
    assert (plain.definition_lines, plain.def_regions) == (None, None)
    asked = _rcov.FileAnalysis(source, "m.py", [], [], definitions=True)
    assert asked.definition_lines == {1: 2}
    assert asked.def_regions == [("f", 2, [3])]
