"""rcov's data file is coverage.py's: coverage.py reads it, reports on it and
appends to it exactly as it does its own, and a save killed half-way never
leaves a broken file.

The corpus tests run each program once under `rcov run`, then ask both tools
for a report of that one `.coverage` file: `coverage report -m` and `rcov
report -m` must print the same table, and `coverage json` and `rcov json` the
same statements, missing lines, excluded lines and branches per file.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from covcompare import FileFacts, clean_env
from rcov import _rcov

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
CORPUS_PROGRAMS = sorted(p.name for p in CORPUS.glob("*.py") if p.name != "corpus_helper.py")
# A few programs for the slower line-mode comparison: plain, package, pragmas.
LINE_MODE_PROGRAMS = [p for p in CORPUS_PROGRAMS if p.startswith(("if_", "package", "pragma"))][:6]

# coverage.py must not pick up any configuration but the empty one we give it.
EMPTY_RC = "[run]\n"


def run(cwd: Path, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"{args} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def rcov(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return run(cwd, "-c", "import sys; from rcov.cli import main; main()", *args, check=check)


def coverage(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return run(cwd, "-m", "coverage", *args, "--rcfile=covrc", check=check)


def facts(report: Path) -> dict[str, FileFacts]:
    data = json.loads(report.read_text(encoding="utf-8"))
    return {name: FileFacts.from_json(entry) for name, entry in data["files"].items()}


def totals(report: Path) -> dict[str, object]:
    data = json.loads(report.read_text(encoding="utf-8"))
    return dict(data["totals"])


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target, ignore=shutil.ignore_patterns("__pycache__"))
    (target / "covrc").write_text(EMPTY_RC, encoding="utf-8")
    return target


def compare_reports(cwd: Path, branch: bool) -> None:
    """Both tools' reports of the same .coverage file agree, file by file."""
    theirs = coverage(cwd, "report", "-m", check=False)
    ours = rcov(cwd, "report", "-m", check=False)
    assert (ours.returncode, ours.stdout) == (theirs.returncode, theirs.stdout), ours.stderr
    coverage(cwd, "json", "-o", "coverage.json", "-q")
    rcov(cwd, "json", "-o", "rcov.json", "-q")
    expected, actual = facts(cwd / "coverage.json"), facts(cwd / "rcov.json")
    assert actual == expected
    keys = ["covered_lines", "num_statements", "missing_lines", "excluded_lines"]
    if branch:
        keys += ["num_branches", "num_partial_branches", "covered_branches", "missing_branches"]
    want, got = totals(cwd / "coverage.json"), totals(cwd / "rcov.json")
    assert {k: got[k] for k in keys} == {k: want[k] for k in keys}
    assert got["percent_covered"] == pytest.approx(want["percent_covered"])


@pytest.mark.parametrize("program", CORPUS_PROGRAMS)
def test_coverage_reports_rcov_branch_data_as_rcov_does(corpus_dir: Path, program: str) -> None:
    rcov(corpus_dir, "run", "--branch", "--no-report", program, check=False)
    assert (corpus_dir / ".coverage").exists()
    compare_reports(corpus_dir, branch=True)


@pytest.mark.parametrize("program", LINE_MODE_PROGRAMS)
def test_coverage_reports_rcov_line_data_as_rcov_does(corpus_dir: Path, program: str) -> None:
    rcov(corpus_dir, "run", "--no-report", program, check=False)
    compare_reports(corpus_dir, branch=False)


def test_data_file_layout(tmp_path: Path) -> None:
    (tmp_path / "prog.py").write_text("import helper\nx = 1\nif x:\n    y = 2\n", encoding="utf-8")
    (tmp_path / "helper.py").write_text("def f():\n    return 1\n", encoding="utf-8")
    (tmp_path / "never.py").write_text("z = 3\n", encoding="utf-8")
    rcov(tmp_path, "run", "--no-report", "--source=.", "prog.py")
    con = sqlite3.connect(tmp_path / ".coverage")
    assert con.execute("SELECT version FROM coverage_schema").fetchall() == [(7,)]
    meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
    assert meta["has_arcs"] == "0"
    assert meta["version"] == _rcov.__version__
    assert set(meta) >= {"sys_argv", "when"}
    assert con.execute("SELECT id, context FROM context").fetchall() == [(1, "")]
    root = tmp_path.resolve()
    files = dict(con.execute("SELECT path, id FROM file").fetchall())
    assert set(files) == {str(root / n) for n in ("prog.py", "helper.py", "never.py")}
    bits = dict(con.execute("SELECT file_id, numbits FROM line_bits").fetchall())
    # The never-imported file is listed, with no row of data.
    assert files[str(root / "never.py")] not in bits
    from coverage.numbits import numbits_to_nums

    assert numbits_to_nums(bits[files[str(root / "prog.py")]]) == [1, 2, 3, 4]
    assert numbits_to_nums(bits[files[str(root / "helper.py")]]) == [1]
    assert {row[0] for row in con.execute("SELECT context_id FROM line_bits")} == {1}
    assert con.execute("SELECT count(*) FROM arc").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM tracer").fetchone() == (0,)


def test_schema_is_coverage_schema(tmp_path: Path) -> None:
    """Same tables, columns and unique constraints as a file coverage.py writes."""
    from coverage.sqldata import CoverageData

    theirs = CoverageData(str(tmp_path / "theirs"))
    theirs.add_lines({"/x.py": [1]})
    theirs.write()
    ours = _rcov.CoverageData(has_arcs=False)
    ours.add_lines("/x.py", [1])
    ours.write(str(tmp_path / "ours"), [])

    def shape(path: Path) -> dict[str, object]:
        con = sqlite3.connect(path)
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        out: dict[str, object] = {}
        for table in sorted(tables):
            columns = [(r[1], r[2]) for r in con.execute(f"PRAGMA table_info({table})")]
            uniques = sorted(
                tuple(r[2] for r in con.execute(f"PRAGMA index_info({idx[1]})"))
                for idx in con.execute(f"PRAGMA index_list({table})")
                if idx[2]
            )
            keys = sorted(tuple(r[2:5]) for r in con.execute(f"PRAGMA foreign_key_list({table})"))
            out[table] = (columns, uniques, keys)
        return out

    assert shape(tmp_path / "ours") == shape(tmp_path / "theirs")


def test_arcs_are_unique_by_a_primary_key_without_rowid(tmp_path: Path) -> None:
    """The data file's one deliberate difference (README, "The data file"):
    `arc` keeps its rows in one B-tree; a row coverage.py adds again is
    ignored as in coverage.py's own table."""
    ours = _rcov.CoverageData(has_arcs=True)
    ours.add_arcs("/x.py", [(1, 2), (2, -1)])
    ours.write(str(tmp_path / "ours"), [])
    con = sqlite3.connect(tmp_path / "ours")
    (sql,) = con.execute("SELECT sql FROM sqlite_master WHERE name = 'arc'").fetchone()
    assert sql.rstrip().endswith("WITHOUT ROWID")
    con.execute("INSERT OR IGNORE INTO arc VALUES (1, 1, 1, 2), (1, 1, 2, 3)")
    rows = con.execute("SELECT fromno, tono FROM arc ORDER BY fromno, tono").fetchall()
    assert rows == [(1, 2), (2, -1), (2, 3)]


def test_coverage_appends_to_an_rcov_file(tmp_path: Path) -> None:
    (tmp_path / "covrc").write_text(EMPTY_RC, encoding="utf-8")
    (tmp_path / "prog.py").write_text(
        "import sys\nif sys.argv[1] == 'a':\n    print('a')\nelse:\n    print('b')\n",
        encoding="utf-8",
    )
    rcov(tmp_path, "run", "--branch", "--no-report", "prog.py", "a")
    coverage(tmp_path, "run", "--branch", "--append", "prog.py", "b")
    out = rcov(tmp_path, "report", "-m").stdout
    assert out.splitlines()[2].split() == ["prog.py", "4", "0", "2", "0", "100%"]
    # And the other way round: rcov appends to coverage.py's file.
    os.remove(tmp_path / ".coverage")
    coverage(tmp_path, "run", "--branch", "prog.py", "a")
    rcov(tmp_path, "run", "--branch", "--append", "--no-report", "prog.py", "b")
    out = coverage(tmp_path, "report", "-m").stdout
    assert out.splitlines()[2].split() == ["prog.py", "4", "0", "2", "0", "100%"]


def test_append_refuses_to_mix_line_and_branch_data(tmp_path: Path) -> None:
    (tmp_path / "prog.py").write_text("x = 1\n", encoding="utf-8")
    rcov(tmp_path, "run", "--no-report", "prog.py")
    before = (tmp_path / ".coverage").read_bytes()
    result = rcov(tmp_path, "run", "--branch", "-a", "--no-report", "prog.py")
    assert "Can't combine branch coverage data with statement data" in result.stderr
    assert (tmp_path / ".coverage").read_bytes() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"garbage " * 200, "isn't a coverage data file"),
        (b"", "isn't a coverage data file"),
    ],
)
def test_a_bad_data_file_is_named(tmp_path: Path, content: bytes, message: str) -> None:
    (tmp_path / ".coverage").write_bytes(content)
    result = rcov(tmp_path, "report", check=False)
    assert result.returncode == 1
    assert message in result.stderr
    assert str(tmp_path / ".coverage") in result.stderr


def test_data_file_option_and_relative_files(tmp_path: Path) -> None:
    (tmp_path / "prog.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / ".coveragerc").write_text("[run]\nrelative_files = true\n", encoding="utf-8")
    rcov(tmp_path, "run", "--data-file=out/data", "--no-report", "prog.py", check=False)
    assert not (tmp_path / ".coverage").exists()
    # The directory must exist, as for coverage.py; make it and try again.
    (tmp_path / "out").mkdir()
    rcov(tmp_path, "run", "--data-file=out/data", "--no-report", "prog.py")
    data = _rcov.CoverageData.read(str(tmp_path / "out" / "data"))
    assert data.measured_files() == ["prog.py"]
    report = rcov(tmp_path, "report", "--data-file=out/data").stdout
    assert report.splitlines()[2].split() == ["prog.py", "1", "0", "100%"]


# --- a save killed half-way ---------------------------------------------------

SAVER = """\
import sys
from rcov import _rcov

target, files, arcs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
data = _rcov.CoverageData(has_arcs=True)
for f in range(files):
    data.add_arcs(f"/src/module{f}.py", [(i, i + f % 7 + 1) for i in range(1, arcs)])
generation = 0
while True:
    generation += 1
    data.touch(f"/generation/{generation}")
    data.write(target, [("generation", str(generation))])
    print(generation, flush=True)
"""

FILES, ARCS = 20, 2500


def test_sigkill_during_save_leaves_the_old_or_the_new_file(tmp_path: Path) -> None:
    """A process saving a large data file over and over is killed at random
    moments of a save; the data file is always a complete one, readable by
    both tools, and never one that was never finished."""
    from coverage import CoverageData
    from rcov.datafiles import combinable_files

    saver = tmp_path / "saver.py"
    saver.write_text(SAVER, encoding="utf-8")
    target = tmp_path / ".coverage"
    rng = random.Random(1234)
    kills_mid_save = 0
    for _attempt in range(10):
        proc = subprocess.Popen(
            [sys.executable, str(saver), str(target), str(FILES), str(ARCS)],
            stdout=subprocess.PIPE,
            text=True,
            env=clean_env(),
        )
        assert proc.stdout is not None
        # Two complete saves: an old file to lose, and the length of one save.
        proc.stdout.readline()
        start = time.monotonic()
        proc.stdout.readline()
        cycle = time.monotonic() - start
        time.sleep(rng.uniform(0.05, 0.95) * cycle)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        leftovers = [p for p in tmp_path.iterdir() if p.name.startswith(".rcov-tmp-")]
        kills_mid_save += bool(leftovers)

        # rcov reads a complete generation (the last one finished, or the one
        # whose rename had just happened)...
        ours = _rcov.CoverageData.read(str(target))
        files = ours.measured_files()
        generation_files = [f for f in files if f.startswith("/generation/")]
        n = max(int(f.rsplit("/", 1)[1]) for f in generation_files)
        assert n >= 2
        assert generation_files == sorted(f"/generation/{g}" for g in range(1, n + 1))
        assert len(files) == FILES + n
        for f in (0, FILES - 1):
            assert ours.arcs(f"/src/module{f}.py") == [(i, i + f % 7 + 1) for i in range(1, ARCS)]
        # ...and so does coverage.py.
        theirs = CoverageData(str(target), read_only=True)
        theirs.read()
        assert len(theirs.measured_files()) == FILES + n
        assert sorted(theirs.arcs("/src/module3.py") or []) == ours.arcs("/src/module3.py")
        con = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert dict(con.execute("SELECT key, value FROM meta").fetchall())["generation"] == str(n)
        con.close()
        # A leftover temporary file is never taken for a data file to combine.
        assert combinable_files(str(target)) == []
        for leftover in leftovers:
            leftover.unlink()
    # The kills must really have hit saves in progress, not only the gaps.
    assert kills_mid_save >= 5, kills_mid_save


def test_erase_removes_data_parallel_files_and_leftovers(tmp_path: Path) -> None:
    (tmp_path / "prog.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "keep.txt").write_text("x", encoding="utf-8")
    rcov(tmp_path, "run", "--no-report", "prog.py")
    rcov(tmp_path, "run", "-p", "--no-report", "prog.py")
    (tmp_path / ".rcov-tmp-1-abcdef-.coverage").write_bytes(b"half")
    # As coverage.py: the parallel files go only under [run] parallel.
    rcov(tmp_path, "erase")
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left[0].startswith(".coverage.") and left[1:] == ["keep.txt", "prog.py"]
    (tmp_path / ".coveragerc").write_text("[run]\nparallel = true\n", encoding="utf-8")
    rcov(tmp_path, "erase")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".coveragerc", "keep.txt", "prog.py"]


def test_at_exit_report_and_data_file_agree(tmp_path: Path) -> None:
    (tmp_path / "prog.py").write_text(
        textwrap.dedent(
            """\
            def f(x):
                if x:
                    return 1
                return 2
            f(1)
            """
        ),
        encoding="utf-8",
    )
    at_exit = run(tmp_path, "-m", "rcov.instrument", "--branch", "prog.py", check=True).stdout
    assert rcov(tmp_path, "report", "-m").stdout == at_exit
