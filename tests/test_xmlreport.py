"""The Cobertura XML report (rcov.xmlreport) against `coverage xml` on the same data.

See reportcompare.py: for every corpus program, rcov's XML of coverage.py's
measured data equals coverage.py's, byte for byte apart from the tool's
version, name and the timestamp.
"""

from __future__ import annotations

import io
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from rcov import _rcov
from rcov.summary import FileReport, Numbers
from rcov.xmlreport import rate, write_xml
from reportcompare import (
    CORPUS,
    CORPUS_PROGRAMS,
    commands_on_rcov_data,
    measure,
    measured_corpus_program,
    xml_comparable,
)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("reports")


def rcov_xml(reports: list[FileReport], **options: object) -> str:
    out = io.StringIO()
    write_xml(reports, out, version=_rcov.__version__, **options)  # type: ignore[arg-type]
    return out.getvalue()


@pytest.mark.parametrize("program", CORPUS_PROGRAMS)
def test_corpus_program_branch(program: str, base: Path) -> None:
    run = measured_corpus_program(program, base)
    ours = rcov_xml(run.reports, branch=True, source_roots=[])
    assert xml_comparable(ours) == xml_comparable(run.xml)


@pytest.mark.parametrize("program", ["if_elif_else.py", "import_package.py", "non_ascii.py"])
def test_corpus_program_lines(program: str, base: Path) -> None:
    run = measured_corpus_program(program, base, branch=False)
    ours = rcov_xml(run.reports, branch=False, source_roots=[])
    assert xml_comparable(ours) == xml_comparable(run.xml)
    assert 'branches-valid="0"' in ours and 'branch="true"' not in ours


# A spread of constructs; the corpus-wide comparison above covers the rest.
END_TO_END = [
    "if_elif_else.py",
    "early_return.py",
    "match_guards.py",
    "try_except.py",
    "pragma_no_branch.py",
    "with_statements.py",
    "deep_nesting.py",
]


@pytest.mark.parametrize("program", END_TO_END)
def test_rcov_xml_on_rcov_data(program: str, tmp_path: Path) -> None:
    cwd = tmp_path / "src"
    shutil.copytree(CORPUS, cwd)
    ours, theirs = commands_on_rcov_data(program, cwd, "xml")
    assert xml_comparable(ours) == xml_comparable(theirs)


def test_rcov_xml_on_rcov_data_with_source(tmp_path: Path) -> None:
    cwd = tmp_path / "src"
    shutil.copytree(CORPUS, cwd)
    ours, theirs = commands_on_rcov_data("import_package.py", cwd, "xml", source=["shapes"])
    assert xml_comparable(ours) == xml_comparable(theirs)
    assert "<source>" + str((cwd / "shapes").resolve()) + "</source>" in ours


def test_source_roots_name_files_relative_to_them(tmp_path: Path) -> None:
    cwd = tmp_path / "src"
    shutil.copytree(CORPUS, cwd)
    run = measure("import_package.py", cwd, tmp_path, source=["shapes"])
    ours = rcov_xml(run.reports, branch=True, source_roots=[str(cwd / "shapes")])
    assert xml_comparable(ours) == xml_comparable(run.xml)
    root = ET.fromstring(ours)
    assert [s.text for s in root.iter("source")] == [str((cwd / "shapes").resolve())]
    names = [c.get("filename") for c in root.iter("class")]
    assert names == ["__init__.py", "circle.py", "square.py", "util.py"]


def test_document_header_and_totals(base: Path) -> None:
    run = measured_corpus_program("if_elif_else.py", base)
    ours = rcov_xml(run.reports, branch=True, source_roots=[])
    assert ours.startswith('<?xml version="1.0" ?>\n<coverage version="')
    root = ET.fromstring(ours)
    assert root.get("version") == _rcov.__version__
    assert int(root.get("timestamp", "0")) > 1_600_000_000_000  # milliseconds
    total = sum((r.numbers for r in run.reports), Numbers())
    assert root.get("lines-valid") == str(total.n_statements)
    assert root.get("lines-covered") == str(total.n_executed)
    assert root.get("branches-valid") == str(total.n_branches)
    covered_branches = sum(
        taken for r in run.reports for _, taken in r.result.branch_stats().values()
    )
    assert root.get("branches-covered") == str(covered_branches)


def test_returns_the_total_percentage(base: Path) -> None:
    run = measured_corpus_program("early_return.py", base)
    pct = write_xml(run.reports, io.StringIO(), branch=True, version="x")
    root = ET.fromstring(rcov_xml(run.reports, branch=True))
    lines, covered = int(root.get("lines-valid", "")), int(root.get("lines-covered", ""))
    branches, taken = int(root.get("branches-valid", "")), int(root.get("branches-covered", ""))
    assert pct == pytest.approx(100.0 * (covered + taken) / (lines + branches))
    assert write_xml([], io.StringIO(), branch=True, version="x") == 0.0


def test_package_depth_groups_directories(tmp_path: Path) -> None:
    pkg = tmp_path / "a" / "b"
    pkg.mkdir(parents=True)
    analysis = _rcov.FileAnalysis("x = 1\n", str(pkg / "m.py"), [], [])
    reports = [FileReport("a/b/m.py", str(pkg / "m.py"), analysis.result([1], None))]
    deep = ET.fromstring(rcov_xml(reports, branch=False))
    assert [p.get("name") for p in deep.iter("package")] == ["a.b"]
    assert [c.get("name") for c in deep.iter("class")] == ["m.py"]
    shallow = ET.fromstring(rcov_xml(reports, branch=False, package_depth=1))
    assert [p.get("name") for p in shallow.iter("package")] == ["a"]
    assert [c.get("name") for c in shallow.iter("class")] == ["b/m.py"]


def test_hostile_file_names_stay_well_formed(tmp_path: Path) -> None:
    name = 'a&b<"c">\x1b[31m.py'
    path = tmp_path / name
    path.write_text("x = 1\n")
    result = _rcov.FileAnalysis("x = 1\n", str(path), [], []).result([], None)
    text = rcov_xml([FileReport(name, str(path), result)], branch=False)
    root = ET.fromstring(text)  # well-formed despite &, <, quotes and an escape sequence
    assert [c.get("filename") for c in root.iter("class")] == ['a&b<"c">?[31m.py']


def test_empty_files_skipped_on_request(tmp_path: Path) -> None:
    path = tmp_path / "empty.py"
    path.write_text("")
    result = _rcov.FileAnalysis("", str(path), [], []).result([], None)
    reports = [FileReport("empty.py", str(path), result)]
    assert 'line-rate="1"' in rcov_xml(reports, branch=False)
    assert "<packages/>" in rcov_xml(reports, branch=False, skip_empty=True)


@pytest.mark.parametrize(
    ("hit", "num", "expected"),
    [
        (0, 0, "1"),
        (3, 3, "1"),
        (0, 5, "0"),
        (1, 3, "0.3333"),
        (9999, 10000, "0.9999"),
        (99999, 100000, "0.9999"),
        (1, 100000, "0.0001"),
    ],
)
def test_rate_never_rounds_to_0_or_1(hit: int, num: int, expected: str) -> None:
    assert rate(hit, num) == expected
