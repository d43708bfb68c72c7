"""`rcov.instrument_source` and `python -m rcov.instrument --show FILE`.

The probe table is checked by running: the rewritten text is compiled as it
is (so code objects report rewritten line numbers), run under a line tracer,
and the probes that ran must record exactly the branch arcs coverage.py
measures when it runs the original program with the same input.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from types import FrameType
from typing import Any

import coverage
import pytest
import rcov
from rcov import _rcov

PROGRAM = textwrap.dedent(
    """\
    def grade(scores):
        out = []
        for s in scores:
            if s >= 90:
                out.append("A")
            elif s >= 50:
                out.append("pass")
            else:
                out.append("fail")
        while out and out[-1] == "fail":
            out.pop()
        match len(out):
            case 0:
                return None
            case 1:
                return out[0]
        if out: return out
    """
)

INPUTS = [[95, 60], [10], [95], [70, 80, 20]]


def test_text_and_line_map_are_the_rewrite() -> None:
    source = rcov.instrument_source(PROGRAM, "grade.py")
    text, lines, table = _rcov.rewrite(PROGRAM, sys.version_info[:2])
    assert source.text == text
    assert source.line_map == lines
    assert [(p.line, p.side == "taken") for p in source.probes] == table
    originals = [n for n in source.line_map if n < _rcov.PROBE_BASE]
    assert sorted(set(originals)) == list(range(1, PROGRAM.count("\n") + 1))
    for probe in source.probes:
        assert probe.rewritten_lines
        for line in probe.rewritten_lines:
            assert source.line_map[line - 1] == _rcov.PROBE_BASE + probe.number
        assert probe.arcs, probe
        assert all(start == probe.line for start, _ in probe.arcs), probe


def rewritten_lines_run(text: str, args: list[int]) -> set[int]:
    """Rewritten line numbers that ran while `grade(args)` ran."""
    namespace: dict[str, Any] = {}
    exec(compile(text, "grade_rewritten.py", "exec", dont_inherit=True), namespace)  # noqa: S102 - the test program
    seen: set[int] = set()

    def tracer(frame: FrameType, event: str, _arg: object) -> Any:
        if frame.f_code.co_filename == "grade_rewritten.py" and event == "line":
            seen.add(frame.f_lineno)
        return tracer

    sys.settrace(tracer)
    try:
        namespace["grade"](args)
    finally:
        sys.settrace(None)
    return seen


def coverage_py_arcs(tmp_path: Path, args: list[int]) -> set[tuple[int, int]]:
    path = tmp_path / "grade.py"
    path.write_text(PROGRAM, encoding="utf-8")
    sys.path.insert(0, str(tmp_path))
    cov = coverage.Coverage(branch=True, data_file=None, config_file=False)
    try:
        sys.modules.pop("grade", None)
        cov.start()
        try:
            __import__("grade").grade(args)
        finally:
            cov.stop()
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("grade", None)
    return set(cov.get_data().arcs(str(path)) or [])


@pytest.mark.parametrize("args", INPUTS, ids=str)
def test_each_probe_records_the_arcs_it_names(tmp_path: Path, args: list[int]) -> None:
    source = rcov.instrument_source(PROGRAM, "grade.py")
    ran = rewritten_lines_run(source.text, args)
    measured = coverage_py_arcs(tmp_path, args)
    # Two edges may record the same arc (`if x: return` exits either way).
    probed = {arc for probe in source.probes for arc in probe.arcs}
    recorded = {
        arc
        for probe in source.probes
        if any(line in ran for line in probe.rewritten_lines)
        for arc in probe.arcs
    }
    assert recorded == measured & probed


def test_the_inputs_run_probes() -> None:
    """Not every input reaches a probe (edges read from their destination's
    own line have none), but together they run more than one."""
    source = rcov.instrument_source(PROGRAM, "grade.py")
    ran = set().union(*(rewritten_lines_run(source.text, args) for args in INPUTS))
    reached = [p for p in source.probes if any(line in ran for line in p.rewritten_lines)]
    assert len(reached) >= 2


def test_not_python_is_an_instrument_error() -> None:
    with pytest.raises(_rcov.InstrumentError, match="bad.py"):
        rcov.instrument_source("if x\n", "bad.py")


def show(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rcov.instrument", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )


def test_show_prints_the_rewrite_with_each_probe_annotated(tmp_path: Path) -> None:
    (tmp_path / "grade.py").write_text(PROGRAM, encoding="utf-8")
    result = show(tmp_path, "--show", "grade.py")
    assert result.returncode == 0, result.stderr
    source = rcov.instrument_source(PROGRAM, "grade.py")
    shown = result.stdout.splitlines()
    assert len(shown) == len(source.line_map)
    texts = source.text.splitlines()
    for line, text, reported in zip(shown, texts, source.line_map, strict=True):
        margin, _, rest = line.partition("| ")
        if reported < _rcov.PROBE_BASE:
            assert margin.strip() == str(reported)
            assert rest == text.rstrip()
        else:
            assert margin.strip() == f"P{reported - _rcov.PROBE_BASE}"
            assert rest.startswith(text.rstrip())
    for probe in source.probes:
        arcs = ", ".join(f"{a}->{b}" if b > 0 else f"{a}->exit" for a, b in probe.arcs)
        note = f"# probe {probe.number}: line {probe.line} {probe.side}: {arcs}"
        assert shown[probe.rewritten_lines[0] - 1].endswith(note)


def test_show_errors(tmp_path: Path) -> None:
    result = show(tmp_path, "--show", "missing.py")
    assert result.returncode == 1
    assert result.stderr.startswith("rcov: cannot show missing.py:")
    (tmp_path / "bad.py").write_text("if x\n", encoding="utf-8")
    result = show(tmp_path, "--show", "bad.py")
    assert result.returncode == 1
    assert "rcov: cannot show bad.py" in result.stderr
