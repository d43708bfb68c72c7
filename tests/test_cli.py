"""The command line: option parsing, the `rcov` console script, report options."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pyshim_helpers import Run, clean_env, run_python, run_rcov, write_files
from rcov.cli import UsageError, split_command_line
from rcov.runner import Program

RCOV_SCRIPT = Path(sys.executable).parent / "rcov"


def run_console(cwd: Path, *args: str) -> Run:
    if not RCOV_SCRIPT.exists():
        pytest.skip("the rcov console script is not installed in this environment")
    proc = subprocess.run(
        [str(RCOV_SCRIPT), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=clean_env(),
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


@pytest.mark.parametrize(
    ("argv", "options", "program"),
    [
        (["prog.py"], [], Program("script", "prog.py", [])),
        (
            ["--branch", "--source", "src", "prog.py", "--branch", "-m", "x", "--", "--json", "j"],
            ["--branch", "--source", "src"],
            Program("script", "prog.py", ["--branch", "-m", "x", "--", "--json", "j"]),
        ),
        (
            ["--json=out.json", "--omit", "a,b", "-m", "pkg.mod", "--omit", "c"],
            ["--json=out.json", "--omit", "a,b"],
            Program("module", "pkg.mod", ["--omit", "c"]),
        ),
        (["-mpkg", "-x"], [], Program("module", "pkg", ["-x"])),
        (
            ["--no-report", "--", "-weird.py", "a"],
            ["--no-report"],
            Program("script", "-weird.py", ["a"]),
        ),
        (["--branch"], ["--branch"], None),
        ([], [], None),
    ],
)
def test_split_command_line(argv: list[str], options: list[str], program: Program | None) -> None:
    assert split_command_line(argv) == (options, program)


def test_split_command_line_needs_a_module_after_m() -> None:
    with pytest.raises(UsageError):
        split_command_line(["--branch", "-m"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "nothing to run"),
        (["--frobnicate", "prog.py"], "unrecognized arguments: --frobnicate"),
        (["--precision", "-1", "prog.py"], "must not be negative"),
        (["--bra", "prog.py"], "unrecognized arguments: --bra"),
        (["-m"], "expected a module name"),
    ],
)
def test_usage_errors_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    write_files(tmp_path, {"prog.py": "print('ran')\n"})
    result = run_rcov(tmp_path, *args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "usage: python -m rcov.instrument [options] (script.py | -m module)" in result.stderr
    assert message in result.stderr


def test_help(tmp_path: Path) -> None:
    result = run_rcov(tmp_path, "--help")
    assert result.returncode == 0
    for option in ("--branch", "--source", "--include", "--omit", "--json", "--no-report"):
        assert option in result.stdout
    for option in ("--report-file", "--precision", "--skip-covered"):
        assert option in result.stdout


def test_help_fits_the_terminal(tmp_path: Path) -> None:
    # The parser is built at a fixed width (cli._parser); help gets the terminal's.
    narrow = run_rcov(tmp_path, "--help", env=clean_env(COLUMNS="60"))
    wide = run_rcov(tmp_path, "--help", env=clean_env(COLUMNS="200"))
    assert narrow.returncode == wide.returncode == 0
    assert max(len(line) for line in narrow.stdout.splitlines()[1:]) <= 60  # after the usage
    assert max(len(line) for line in wide.stdout.splitlines()) > 100


# Every measured run pays for what rcov imports: these are imported only when
# used (help and errors, Ctrl-C, --sigterm, the `erase` command, the reports
# that list functions), never by a plain run.
# (sysconfig: only for a directory under the interpreter's prefixes.)
NOT_IMPORTED_BY_A_RUN = (
    "shutil",
    "bz2",
    "lzma",
    "tempfile",
    "random",
    "glob",
    "signal",
    "ast",
    "sysconfig",
)


def imported_modules(run: Run) -> set[str]:
    """The modules a run imported, from `-X importtime`'s lines on stderr."""
    prefix = "import time:"
    return {
        line.rpartition("|")[2].strip()
        for line in run.stderr.splitlines()
        if line.startswith(prefix)
    }


@pytest.mark.parametrize("report", [True, False])
def test_a_run_imports_only_what_it_uses(tmp_path: Path, report: bool) -> None:
    write_files(
        tmp_path,
        {
            "prog.py": "def f():\n    return 1\nprint(f())\n",
            # What argparse itself imports to parse options (on 3.14 its
            # formatter loads _colorize, which loads dataclasses and ast).
            "parse.py": "import argparse\nparser = argparse.ArgumentParser()\n"
            "parser.add_argument('--x')\nparser.parse_args(['--x', '1'])\n",
        },
    )
    plain = imported_modules(run_python(tmp_path, "-X", "importtime", "prog.py"))
    plain |= imported_modules(run_python(tmp_path, "-X", "importtime", "parse.py"))
    options = ["--branch"] if report else ["--branch", "--no-report"]
    run = run_python(tmp_path, "-X", "importtime", "-m", "rcov.instrument", *options, "prog.py")
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("1\n")
    imported = imported_modules(run)
    assert {"rcov.session", "rcov.filters"} <= imported  # stderr was read right
    unwanted = set(NOT_IMPORTED_BY_A_RUN) | (set() if report else {"rcov.report", "rcov.analysis"})
    assert sorted((imported - plain) & unwanted) == []


PROG = """\
import os, sys
print("args", sys.argv[1:])
if len(sys.argv) > 1 and sys.argv[1] == "chdir":
    os.chdir(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    print("moved")
else:
    print("stayed")
"""


def test_no_report_and_report_file(tmp_path: Path) -> None:
    write_files(tmp_path, {"prog.py": PROG})
    quiet = run_rcov(tmp_path, "--no-report", "prog.py", "x")
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "args ['x']\nstayed\n", "")

    to_file = run_rcov(tmp_path, "--report-file", "rep.txt", "prog.py", "x")
    assert (to_file.returncode, to_file.stdout, to_file.stderr) == (0, "args ['x']\nstayed\n", "")
    report = (tmp_path / "rep.txt").read_text().splitlines()
    assert report[0].split() == ["Name", "Stmts", "Miss", "Cover", "Missing"]
    assert report[2].split() == ["prog.py", "6", "2", "67%", "4-5"]
    assert report[-1].split() == ["TOTAL", "6", "2", "67%"]


def test_output_paths_are_fixed_before_the_program_changes_directory(tmp_path: Path) -> None:
    work = tmp_path / "work"
    write_files(work, {"prog.py": PROG})
    result = run_rcov(work, "--json", "out.json", "--report-file", "rep.txt", "prog.py", "chdir")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "args ['chdir']\nmoved\n"
    data = json.loads((work / "out.json").read_text())
    assert list(data["files"]) == ["prog.py"]
    assert data["files"]["prog.py"]["missing_lines"] == [7]
    assert (work / "rep.txt").exists()


def test_repeated_and_comma_separated_options(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "prog.py": "import a, b, c\n",
            "a.py": "A = 1\n",
            "b.py": "B = 1\n",
            "c.py": "C = 1\n",
        },
    )
    result = run_rcov(
        tmp_path, "--omit", "a.py,b.py", "--omit", "prog.py", "--json", "o.json", "prog.py"
    )
    assert result.returncode == 0, result.stderr
    assert list(json.loads((tmp_path / "o.json").read_text())["files"]) == ["c.py"]


def test_report_failures_do_not_change_the_exit_status(tmp_path: Path) -> None:
    write_files(tmp_path, {"prog.py": "import sys\nprint('hi')\nsys.exit(5)\n"})
    result = run_rcov(tmp_path, "--json", str(tmp_path / "no" / "such" / "dir.json"), "prog.py")
    assert result.returncode == 5
    assert result.stderr.startswith("rcov: couldn't write the JSON report: ")
    assert result.stdout.startswith("hi\nName ")


def test_console_script_run(tmp_path: Path) -> None:
    write_files(tmp_path, {"prog.py": PROG, "pkg/__init__.py": "", "pkg/__main__.py": PROG})
    script = run_console(tmp_path, "run", "--no-report", "prog.py", "--branch", "y")
    plain = run_python(tmp_path, "prog.py", "--branch", "y")
    assert (script.returncode, script.stdout, script.stderr) == (
        plain.returncode,
        plain.stdout,
        plain.stderr,
    )
    module = run_console(tmp_path, "run", "--branch", "-m", "pkg", "z")
    assert module.returncode == 0, module.stderr
    assert module.stdout.startswith("args ['z']\nstayed\nName ")
    assert "pkg/__main__.py" in module.stdout


@pytest.mark.parametrize(
    ("command", "status", "stderr"),
    [
        ("report", 1, "rcov: No data to report.\n"),
        ("json", 1, "rcov: No data to report.\n"),
        ("xml", 1, "rcov: No data to report.\n"),
        ("lcov", 1, "rcov: No data to report.\n"),
        ("html", 1, "rcov: No data to report.\n"),
        ("combine", 1, "rcov: No data to combine\n"),
        ("erase", 0, ""),
    ],
)
def test_console_script_data_commands_without_data(
    tmp_path: Path, command: str, status: int, stderr: str
) -> None:
    # coverage.py's statuses and messages for an empty directory.
    result = run_console(tmp_path, command)
    assert (result.returncode, result.stdout, result.stderr) == (status, "", stderr)


def test_console_script_usage(tmp_path: Path) -> None:
    bare = run_console(tmp_path)
    assert bare.returncode == 2
    assert bare.stderr.startswith("usage: rcov run")
    unknown = run_console(tmp_path, "frob")
    assert unknown.returncode == 2
    assert "unknown command 'frob'" in unknown.stderr
    version = run_console(tmp_path, "--version")
    assert version.returncode == 0
    assert version.stdout == f"rcov {__import__('rcov').__version__}\n"
    help_run = run_console(tmp_path, "run", "--help")
    assert help_run.returncode == 0
    assert help_run.stdout.startswith("usage: rcov run [options]")


def test_forked_child_does_not_print_a_second_report(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "prog.py": """\
            import os, sys
            pid = os.fork()
            if pid == 0:
                print("child", flush=True)
                sys.exit(0)
            os.waitpid(pid, 0)
            print("parent")
            """
        },
    )
    result = run_rcov(tmp_path, "prog.py")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("child\nparent\nName ")
    assert result.stdout.count("TOTAL") == 1


def test_file_gone_by_report_time_is_skipped_with_a_warning(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "prog.py": "import os, sys\nimport temp_mod\nos.remove(temp_mod.__file__)\nsys.exit(6)\n",
            "temp_mod.py": "X = 1\n",
        },
    )
    result = run_rcov(tmp_path, "prog.py")
    assert result.returncode == 6
    assert result.stderr.startswith(f"rcov: couldn't read {tmp_path / 'temp_mod.py'}: ")
    rows = [line.split()[0] for line in result.stdout.splitlines()[2:]]
    assert rows == ["prog.py", "-" * len(result.stdout.splitlines()[1]), "TOTAL"]


def test_python_dash_m_rcov_is_the_console_script(tmp_path: Path) -> None:
    write_files(tmp_path, {"prog.py": PROG})
    run = run_python(tmp_path, "-m", "rcov", "run", "--branch", "prog.py", "y")
    script = run_console(tmp_path, "run", "--branch", "prog.py", "y")
    assert run.returncode == script.returncode == 0, run.stderr
    assert run.stdout == script.stdout
    assert "prog.py" in run.stdout
    report = run_python(tmp_path, "-m", "rcov", "report", "--show-missing")
    assert report.returncode == 0, report.stderr
    assert report == run_console(tmp_path, "report", "--show-missing")
