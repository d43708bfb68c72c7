"""A measured program that uses sys.monitoring itself.

rcov holds a tool id (COVERAGE_ID when free). A program that claims that id,
registers callbacks or sets events on it, runs coverage.py (whose sysmon core
takes COVERAGE_ID), or calls `restart_events()` must run exactly as without
rcov; rcov says on stderr when it had to move to another id (or stop), never
crashes, and never records a line that did not run nor loses one it saw.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from covcompare import clean_env

HELPER = """\
def f(x):
    if x:
        return "taken"
    return "not taken"


def g():
    return "g"
"""


def run(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env={**clean_env(), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def write_program(cwd: Path, program: str) -> None:
    (cwd / "helper.py").write_text(HELPER, "utf-8")
    (cwd / "prog.py").write_text(textwrap.dedent(program), "utf-8")


def run_both(cwd: Path, *, branch: bool = True) -> tuple[subprocess.CompletedProcess[str], dict]:
    """The plain run and rcov's run of prog.py (same stdout and status
    asserted); rcov's run and its JSON report."""
    plain = run(cwd, "prog.py")
    options = ["--branch"] if branch else []
    measured = run(
        cwd, "-m", "rcov.instrument", *options, "--no-report", "--json", "report.json", "prog.py"
    )
    assert measured.stdout == plain.stdout
    assert measured.returncode == plain.returncode == 0, measured.stderr
    assert "Traceback" not in measured.stderr
    return measured, json.loads((cwd / "report.json").read_text("utf-8"))["files"]


def coverage_py_files(cwd: Path) -> dict:
    """coverage.py's JSON report (branch) of prog.py, with its ctrace core:
    from 3.14 its default core is sysmon, which itself holds the tool id
    these programs claim."""
    measured = run(cwd, "-m", "coverage", "run", "--branch", "prog.py", COVERAGE_CORE="ctrace")
    assert measured.returncode == 0, measured.stderr
    assert run(cwd, "-m", "coverage", "json", "-o", "coverage.json").returncode == 0
    return json.loads((cwd / "coverage.json").read_text("utf-8"))["files"]


CLAIMS_COVERAGE_ID = """\
import sys
mon = sys.monitoring
ID = mon.COVERAGE_ID
print("free:", mon.get_tool(ID), mon.get_events(ID))
mon.use_tool_id(ID, "mine")
print("mine:", mon.get_tool(ID))
seen = []
def on_line(code, line):
    if code.co_name == "f" and line < 1000:  # probe lines are rcov's (README)
        seen.append(line)
mon.register_callback(ID, mon.events.LINE, on_line)
import helper
mon.set_events(ID, mon.events.LINE)
print(helper.f(1))
mon.set_events(ID, 0)
print("seen:", sorted(set(seen)))
mon.register_callback(ID, mon.events.LINE, None)
mon.free_tool_id(ID)
print(helper.f(0), mon.get_tool(ID))
"""


def test_program_claims_coverage_id(tmp_path: Path) -> None:
    write_program(tmp_path, CLAIMS_COVERAGE_ID)
    measured, files = run_both(tmp_path)
    assert "seen: [2, 3]" in measured.stdout
    assert measured.stderr == (
        "rcov: the program calls sys.monitoring.use_tool_id() on tool id 1, which rcov "
        "was using; rcov moved to tool id 4\n"
    )
    # Every line ran: before the move, after it, and after the program let go.
    assert files["helper.py"]["executed_lines"] == [1, 2, 3, 4, 7]
    assert files["helper.py"]["missing_branches"] == []
    # CPython runs a monitoring callback with events off: its body (lines
    # 9-10) is missing for coverage.py too.
    reference = coverage_py_files(tmp_path)
    for name in ("helper.py", "prog.py"):
        for key in ("executed_lines", "missing_lines", "executed_branches", "missing_branches"):
            assert files[name][key] == reference[name][key], (name, key)


def test_callbacks_on_rcovs_id_without_claiming_it(tmp_path: Path) -> None:
    """Registering on an id the program does not hold fails without rcov: so
    it must with rcov, and rcov's callback must not be the one replaced."""
    write_program(
        tmp_path,
        """\
        import sys, helper
        mon = sys.monitoring
        for call in (lambda: mon.register_callback(mon.COVERAGE_ID, mon.events.LINE, print),
                     lambda: mon.set_events(mon.COVERAGE_ID, mon.events.LINE),
                     lambda: mon.set_local_events(mon.COVERAGE_ID, helper.f.__code__, mon.events.LINE)):
            try:
                call()
                print("accepted")
            except ValueError as exc:
                print("ValueError", exc)
        print(mon.free_tool_id(mon.COVERAGE_ID), helper.f(0), helper.f(1))
        """,
    )
    measured, files = run_both(tmp_path)
    # register_callback takes any id; the two others refuse one not in use.
    assert measured.stdout.startswith("accepted\nValueError tool 1 is not in use\n")
    assert measured.stdout.count("ValueError tool 1 is not in use") == 2
    assert measured.stderr.startswith(
        "rcov: the program calls sys.monitoring.register_callback() on tool id 1"
    )
    assert files["helper.py"]["executed_lines"] == [1, 2, 3, 4, 7]


def test_restart_events_changes_no_data(tmp_path: Path) -> None:
    program = """\
        import sys, helper
        for i in range(3):
            print(helper.f(i % 2))
            sys.monitoring.restart_events()
        print(helper.g())
        """
    write_program(tmp_path, program)
    measured, with_restarts = run_both(tmp_path)
    assert measured.stderr == ""
    # The same program with a call of the same length that restarts nothing.
    write_program(tmp_path, program.replace("restart_events()", "get_tool(0)     "))
    _, without = run_both(tmp_path)
    for name in ("helper.py", "prog.py"):
        for key in ("executed_lines", "missing_lines", "executed_branches", "missing_branches"):
            assert with_restarts[name][key] == without[name][key], (name, key)


def test_every_tool_id_taken_stops_measuring(tmp_path: Path) -> None:
    write_program(
        tmp_path,
        """\
        import sys, helper
        mon = sys.monitoring
        print(helper.f(1))
        for tool in range(6):
            mon.use_tool_id(tool, f"tool {tool}")
        print(helper.f(0), [mon.get_tool(t) for t in range(6)])
        for tool in range(6):
            mon.free_tool_id(tool)
        """,
    )
    measured, files = run_both(tmp_path)
    # rcov moves out of the way (to ids no tool is named for first) until no
    # id is left.
    assert measured.stderr == (
        "rcov: the program calls sys.monitoring.use_tool_id() on tool id 1, which rcov "
        "was using; rcov moved to tool id 4\n"
        "rcov: the program calls sys.monitoring.use_tool_id() on tool id 4, which rcov "
        "was using; rcov moved to tool id 5\n"
        "rcov: the program calls sys.monitoring.use_tool_id() on tool id 5, which rcov "
        "was using, and no other tool id is free: rcov stopped measuring; what runs "
        "from here on is not recorded\n"
    )
    # What ran before is recorded; what ran after is not, and nothing else.
    assert files["helper.py"]["executed_lines"] == [1, 2, 3, 7]
    assert files["helper.py"]["missing_lines"] == [4, 8]


COVERAGE_INSIDE = """\
import os, sys
os.environ["COVERAGE_CORE"] = {core!r}
import coverage
cov = coverage.Coverage(data_file=None, branch=False, include=["*/helper.py"])
cov.start()
import helper
print(helper.f(1))
cov.stop()
print(helper.f(0))
lines = cov.get_data().lines(os.path.abspath("helper.py"))
print("coverage.py saw", sorted(line for line in lines if line < 1000))
"""


@pytest.mark.parametrize(
    ("core", "branch"),
    # Not sysmon under rcov --branch: its LINE events then include rcov's
    # probe lines, 2**30 + k (README, "Differences"), and coverage.py's line
    # set of 2**30 bits takes minutes to read back.
    [("sysmon", False), ("ctrace", True), ("ctrace", False)],
    ids=["sysmon-line", "ctrace-branch", "ctrace-line"],
)
def test_coverage_py_running_inside(tmp_path: Path, core: str, branch: bool) -> None:
    write_program(tmp_path, COVERAGE_INSIDE.format(core=core))
    measured, files = run_both(tmp_path, branch=branch)
    assert "coverage.py saw [1, 2, 3" in measured.stdout  # and the same as without rcov
    if core == "sysmon":
        assert "rcov moved to tool id 4" in measured.stderr
    else:
        assert measured.stderr == ""
    assert files["helper.py"]["executed_lines"] == [1, 2, 3, 4, 7]
