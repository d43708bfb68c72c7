"""Module and class bodies that run in order report the lines they ran.

rcov measures a module or class body without jumps or handlers by its start,
its return and, for a run that has not returned, its frame's current
instruction (runtime/src/runs.rs), not by LINE events. These tests read the
data while such a body is still running, stop and start measurement in the
middle of one, switch context in the middle of one, end the process from
inside one, and check that a body that raised is not kept alive; tests/corpus/
stopped_bodies.py compares bodies that raise part way with coverage.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import coverage
import pytest
import rcov

# The measured module: a straight-line body that calls out to `observer`
# (not measured) part way.
BODY = """\
import observer
FIRST = 1
observer.during_body()
SECOND = 2
observer.later_in_body()
THIRD = 3
"""


@pytest.fixture
def measured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A source directory holding the measured `body.py`, and `observer.py` beside it."""
    for name in list(os.environ):
        if name.startswith(("COVERAGE_", "RCOV_")):
            monkeypatch.delenv(name)
    source = tmp_path / "src"
    source.mkdir()
    (source / "body.py").write_text(BODY, encoding="utf-8")
    helpers = tmp_path / "helpers"
    helpers.mkdir()
    (helpers / "observer.py").write_text(
        "def during_body(): pass\ndef later_in_body(): pass\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(helpers))
    monkeypatch.syspath_prepend(str(source))
    monkeypatch.chdir(tmp_path)
    yield source / "body.py"
    for name in ("body", "observer"):
        sys.modules.pop(name, None)


def import_body(during: object, later: object) -> None:
    """Imports `body` afresh, with the observer's two calls replaced."""
    import observer

    sys.modules.pop("body", None)
    observer.during_body = during  # type: ignore[attr-defined]
    observer.later_in_body = later  # type: ignore[attr-defined]
    __import__("body")


@pytest.mark.parametrize("branch", [False, True])
def test_data_read_while_a_body_runs_holds_the_lines_run_so_far(
    measured: Path, branch: bool
) -> None:
    def lines_seen(cov: coverage.Coverage | rcov.Coverage) -> list[list[int]]:
        seen: list[list[int]] = []

        def look() -> None:
            seen.append(sorted(cov.get_data().lines(str(measured)) or []))

        cov.start()
        try:
            import_body(look, look)
        finally:
            cov.stop()
        seen.append(sorted(cov.get_data().lines(str(measured)) or []))
        return seen

    theirs = lines_seen(coverage.Coverage(branch=branch, data_file=None, config_file=False))
    ours = lines_seen(rcov.Coverage(branch=branch, data_file=None, config_file=False))
    assert ours == [[1, 2, 3], [1, 2, 3, 4, 5], [1, 2, 3, 4, 5, 6]]
    assert ours == theirs


@pytest.mark.parametrize("branch", [False, True])
def test_a_context_switch_inside_a_body_splits_its_lines(
    measured: Path, branch: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # coverage.py's sysmon core (its default from 3.14) has no dynamic contexts.
    monkeypatch.setenv("COVERAGE_CORE", "ctrace")

    def contexts(cov: coverage.Coverage | rcov.Coverage) -> dict[int, list[str]]:
        cov.start()
        try:
            import_body(lambda: cov.switch_context("second"), lambda: None)
        finally:
            cov.stop()
        by_line = cov.get_data().contexts_by_lineno(str(measured))
        return {line: sorted(names) for line, names in by_line.items()}

    theirs = contexts(coverage.Coverage(branch=branch, data_file=None, config_file=False))
    ours = contexts(rcov.Coverage(branch=branch, data_file=None, config_file=False))
    # Line 3 switches; what runs after it, from line 4 on, is the new context's.
    assert ours == {1: [""], 2: [""], 3: [""], 4: ["second"], 5: ["second"], 6: ["second"]}
    if not branch:
        assert ours == theirs
    else:
        # coverage.py files the arc 3->4, which crosses the switch, under the
        # new context, so line 3 is in both there: a difference of contexts'
        # arcs that LINE-measured code has too, not of in-order bodies.
        assert theirs[3] == ["", "second"]


def test_lines_run_while_measurement_is_stopped_are_left_out(measured: Path) -> None:
    cov = rcov.Coverage(branch=True, data_file=None, config_file=False)
    cov.start()
    import_body(cov.stop, cov.start)
    cov.stop()
    # Line 3 ran until the stop; line 4 ran stopped; line 5 restarted
    # measurement from inside its call, so what follows in it is measured.
    assert cov.get_data().lines(str(measured)) == [1, 2, 3, 6]


def test_os_exit_inside_a_body_keeps_the_lines_it_ran(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "main.py").write_text("import ends\nprint('never')\n", encoding="utf-8")
    (source / "ends.py").write_text(
        textwrap.dedent(
            """\
            import os
            BEFORE = 1
            class Config:
                name = "x"
                os._exit(3)
                never = 2
            AFTER = 3
            """
        ),
        encoding="utf-8",
    )
    report = tmp_path / "rcov.json"
    command = [sys.executable, "-m", "rcov.instrument", "--branch", "--no-report"]
    command += [f"--json={report}", f"--source={source}", "main.py"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COVERAGE_", "RCOV_"))}
    proc = subprocess.run(command, cwd=source, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 3, proc.stderr
    files = json.loads(report.read_text(encoding="utf-8"))["files"]
    ends = next(facts for name, facts in files.items() if name.endswith("ends.py"))
    assert ends["executed_lines"] == [1, 2, 3, 4, 5]
    assert ends["missing_lines"] == [6, 7]


def test_a_body_that_raised_does_not_keep_its_locals(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "fails.py").write_text(
        textwrap.dedent(
            """\
            import tokens
            class Fails:
                held = tokens.Token()
                tokens.fail()
                never = 1
            """
        ),
        encoding="utf-8",
    )
    (tmp_path / "tokens.py").write_text(
        textwrap.dedent(
            """\
            import weakref
            made = []
            class Token:
                def __init__(self):
                    made.append(weakref.ref(self))
            def fail():
                raise ValueError("part way")
            def alive():
                return sum(ref() is not None for ref in made)
            """
        ),
        encoding="utf-8",
    )
    output = run_harness(
        tmp_path,
        source,
        """\
            import gc, tokens
            cov.start()
            most = 0
            for _ in range(40):
                sys.modules.pop("fails", None)
                try:
                    import fails
                except ValueError:
                    pass
                gc.collect()
                most = max(most, tokens.alive())
            lines = cov.get_data().lines(str(SOURCE / "fails.py"))
            gc.collect()
            print(most, tokens.alive(), lines)
            cov.stop()
        """,
    )
    most, after_reading, lines = output.split(maxsplit=2)
    # Without rcov each token dies with its failed class body; rcov keeps a
    # stopped body's frame until it looks for stopped ones, and reading the
    # data drops them all.
    assert int(most) <= 16
    assert int(after_reading) == 0
    assert lines.strip() == "[1, 2, 3, 4]"


def test_a_body_started_while_stopped_is_measured_once_restarted(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "later.py").write_text(
        textwrap.dedent(
            """\
            import observer
            def make():
                class Made:
                    first = 1
                    observer.restart()
                    second = 2
                return Made
            """
        ),
        encoding="utf-8",
    )
    (tmp_path / "observer.py").write_text("restart = None\n", encoding="utf-8")
    output = run_harness(
        tmp_path,
        source,
        """\
            import observer
            observer.restart = cov.start
            cov.start()
            import later
            cov.stop()
            later.make()
            cov.stop()
            print(cov.get_data().lines(str(SOURCE / "later.py")))
        """,
    )
    # make() and the class body start while measurement is off; from the
    # restart in line 5 on, the rest of the class body and of make() count.
    assert output.strip() == "[1, 2, 6, 7]"


def run_harness(tmp_path: Path, source: Path, body: str) -> str:
    """Runs `body` as a script in its own process, after `cov`, an unstarted
    `rcov.Coverage` measuring `source` (also `SOURCE`, and on `sys.path`), is
    made; returns what it prints."""
    prelude = f"""\
        import sys
        from pathlib import Path
        SOURCE = Path({str(source)!r})
        sys.path[:0] = [str(SOURCE)]
        import rcov
        cov = rcov.Coverage(branch=True, data_file=None, config_file=False,
                            source=[str(SOURCE)])
    """
    script = textwrap.dedent(prelude) + textwrap.dedent(body)
    (tmp_path / "main.py").write_text(script, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COVERAGE_", "RCOV_"))}
    proc = subprocess.run(
        [sys.executable, "main.py"],
        check=False,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout
