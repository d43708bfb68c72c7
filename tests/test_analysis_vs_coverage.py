"""rcov's static analysis against coverage.py's own parser, file by file.

For a deterministic sample of the running interpreter's standard library (and
every corpus program), `_rcov.FileAnalysis` must give exactly what
coverage.py 7.17's `PythonParser` gives: statements, excluded lines, possible
arcs, exit counts and no-branch lines. This is the ground truth every report
number is built on, checked over real code far beyond the corpus.
"""

from __future__ import annotations

import importlib.util
import os
import sysconfig
from pathlib import Path

import pytest
from coverage.config import DEFAULT_EXCLUDE, DEFAULT_PARTIAL, DEFAULT_PARTIAL_ALWAYS
from coverage.misc import join_regex
from coverage.parser import PythonParser
from rcov import _rcov

STDLIB = Path(sysconfig.get_paths()["stdlib"])
CORPUS = Path(__file__).parent / "corpus"
# One file in SAMPLE_EVERY: enough to meet every construct the library uses,
# quick enough for every CI run. RCOV_FULL_STDLIB=1 checks them all.
SAMPLE_EVERY = 7


def stdlib_sample() -> list[Path]:
    files = sorted(p for p in STDLIB.rglob("*.py") if "site-packages" not in p.parts)
    every = 1 if os.environ.get("RCOV_FULL_STDLIB") else SAMPLE_EVERY
    return files[::every]


def coverage_facts(text: str, path: str) -> dict[str, object]:
    parser = PythonParser(text=text, filename=path, exclude=join_regex(DEFAULT_EXCLUDE))
    parser.parse_source()
    return {
        "statements": sorted(parser.statements),
        "excluded": sorted(parser.excluded),
        "arcs": sorted(parser.arcs()),
        "exit_counts": {line: n for line, n in parser.exit_counts().items()},
        "no_branch": sorted(
            parser.lines_matching(join_regex(DEFAULT_PARTIAL + DEFAULT_PARTIAL_ALWAYS))
        ),
    }


def rcov_facts(text: str, path: str) -> dict[str, object]:
    analysis = _rcov.FileAnalysis(
        text, path, DEFAULT_EXCLUDE, DEFAULT_PARTIAL + DEFAULT_PARTIAL_ALWAYS
    )
    return {
        "statements": sorted(analysis.statements),
        "excluded": sorted(analysis.excluded),
        "arcs": sorted(tuple(arc) for arc in analysis.arcs),
        "exit_counts": dict(analysis.exit_counts()),
        "no_branch": sorted(analysis.no_branch),
    }


def readable_python(path: Path) -> str | None:
    """The file's text if CPython compiles it (test data holds broken files)."""
    try:
        text = path.read_text(encoding="utf-8")
        compile(text, str(path), "exec", dont_inherit=True)
    except (SyntaxError, UnicodeDecodeError, ValueError):
        return None
    return text


@pytest.mark.filterwarnings("ignore::SyntaxWarning")
def test_stdlib_sample_matches_coverage_parser() -> None:
    mismatches: list[str] = []
    checked = 0
    for path in stdlib_sample():
        text = readable_python(path)
        if text is None:
            continue
        checked += 1
        expected = coverage_facts(text, str(path))
        actual = rcov_facts(text, str(path))
        for key, value in expected.items():
            if actual[key] != value:
                mismatches.append(f"{path}: {key} differs")
    assert checked > 150, f"only {checked} stdlib files checked"
    assert not mismatches, "\n".join(mismatches[:20])


@pytest.mark.parametrize("program", sorted(CORPUS.rglob("*.py")), ids=lambda p: p.name)
def test_corpus_analysis_matches_coverage_parser(program: Path) -> None:
    source = importlib.util.decode_source(program.read_bytes())
    assert rcov_facts(source, str(program)) == coverage_facts(source, str(program))
