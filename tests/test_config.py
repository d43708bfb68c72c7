"""Configuration files: which one is used, what each setting does, and the
messages for mistakes.

Most tests read the settings in-process (`rcfile.read_settings` in a
temporary directory); the end-to-end ones run `rcov` and, where the setting
exists in coverage.py, check that coverage.py reads the same file the same way.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from covcompare import clean_env
from pyshim_helpers import Run, run_rcov
from rcov.config import DEFAULT_EXCLUDE, Settings
from rcov.rcfile import ConfigError, read_settings


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def settings_in(
    root: Path, monkeypatch: pytest.MonkeyPatch, rcfile: str | None = None
) -> tuple[Settings, list[str]]:
    monkeypatch.chdir(root)
    for var in ("COVERAGE_RCFILE", "COVERAGE_FILE"):
        monkeypatch.delenv(var, raising=False)
    warnings: list[str] = []
    return read_settings(rcfile, warn=warnings.append), warnings


def rcov(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "import sys; from rcov.cli import main; main()", *args],
        cwd=cwd,
        env=clean_env(env),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


# --- which file ---------------------------------------------------------------

ALL_FILES = {
    "pyproject.toml": """\
        [tool.coverage.run]
        data_file = "from-pyproject-coverage"
        """,
    "tox.ini": """\
        [coverage:run]
        data_file = from-tox
        """,
    "setup.cfg": """\
        [coverage:run]
        data_file = from-setup
        """,
    ".coveragerc.toml": """\
        [run]
        data_file = "from-coveragerc-toml"
        """,
    ".coveragerc": """\
        [run]
        data_file = from-coveragerc
        """,
}


@pytest.mark.parametrize(
    ("present", "expected"),
    [
        (["pyproject.toml"], "from-pyproject-coverage"),
        (["pyproject.toml", "tox.ini"], "from-tox"),
        (["pyproject.toml", "tox.ini", "setup.cfg"], "from-setup"),
        (["pyproject.toml", "setup.cfg", ".coveragerc.toml"], "from-coveragerc-toml"),
        (list(ALL_FILES), "from-coveragerc"),
    ],
)
def test_coverage_search_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, present: list[str], expected: str
) -> None:
    write(tmp_path, {name: ALL_FILES[name] for name in present})
    settings, _ = settings_in(tmp_path, monkeypatch)
    assert settings.data_file == expected


def test_tool_rcov_wins_over_coverage_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, dict(ALL_FILES))
    with (tmp_path / "pyproject.toml").open("a", encoding="utf-8") as f:
        f.write('[tool.rcov.run]\ndata_file = "from-tool-rcov"\nbranch = true\n')
    settings, _ = settings_in(tmp_path, monkeypatch)
    assert (settings.data_file, settings.branch) == ("from-tool-rcov", True)
    assert settings.config_file == str(tmp_path / "pyproject.toml")


def test_rcfile_wins_over_everything(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, dict(ALL_FILES))
    write(tmp_path, {"ci.ini": "[run]\ndata_file = from-rcfile\n"})
    settings, _ = settings_in(tmp_path, monkeypatch, rcfile="ci.ini")
    assert settings.data_file == "from-rcfile"
    monkeypatch.setenv("COVERAGE_RCFILE", "ci.ini")
    assert read_settings().data_file == "from-rcfile"
    # A TOML rcfile: [tool.rcov] first, then [tool.coverage].
    write(tmp_path, {"ci.toml": '[tool.coverage.run]\ndata_file = "from-toml-rcfile"\n'})
    assert read_settings("ci.toml").data_file == "from-toml-rcfile"


def test_setup_cfg_without_coverage_sections_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(
        tmp_path,
        {
            "setup.cfg": "[metadata]\nname = x\n",
            "tox.ini": "[tox]\nenvlist = py312\n[coverage:report]\nprecision = 2\n",
        },
    )
    settings, _ = settings_in(tmp_path, monkeypatch)
    assert settings.precision == 2
    assert settings.config_file == str(tmp_path / "tox.ini")


def test_coverage_file_environment_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, {".coveragerc": "[run]\ndata_file = from-rc\n"})
    settings_in(tmp_path, monkeypatch)
    monkeypatch.setenv("COVERAGE_FILE", "from-env")
    assert read_settings().data_file == "from-env"


# --- values -------------------------------------------------------------------


def test_every_setting_from_an_ini_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RCOV_TEST_DIR", "gen")
    write(
        tmp_path,
        {
            ".coveragerc": r"""
            [run]
            branch = yes
            source = src, lib
            source_pkgs =
                pkg_a
                pkg_b
            include = */src/*
            omit =
                */tests/*
                */${RCOV_TEST_DIR}/*
            parallel = on
            data_file = ~/data/.coverage
            relative_files = True

            [paths]
            source =
                src/
                /ci/*/src/

            [report]
            exclude_also =
                raise NotImplementedError
                if __name__ == .__main__.:
            partial_also = # tricky
            fail_under = 87.5
            precision = 2
            show_missing = true
            skip_covered = 1
            skip_empty = true
            sort = -Cover
            include = src/*
            omit = src/vendor/*

            [html]
            directory = out/html
            title = My project

            [xml]
            output = out/cov.xml

            [json]
            output = out/cov.json
            pretty_print = true

            [lcov]
            output = out/cov.lcov
            """
        },
    )
    s, warnings = settings_in(tmp_path, monkeypatch)
    assert warnings == []
    assert s.branch is True
    assert s.source == ["src", "lib"]
    assert s.source_pkgs == ["pkg_a", "pkg_b"]
    assert s.run_include == ["*/src/*"]
    assert s.run_omit == ["*/tests/*", "*/gen/*"]
    assert s.parallel is True
    assert s.data_file == str(Path.home() / "data" / ".coverage")
    assert s.relative_files is True
    assert s.paths == {"source": ["src/", "/ci/*/src/"]}
    assert s.exclude == [
        *DEFAULT_EXCLUDE,
        "raise NotImplementedError",
        "if __name__ == .__main__.:",
    ]
    assert "# tricky" in s.partial
    assert (s.fail_under, s.precision) == (87.5, 2)
    assert (s.show_missing, s.skip_covered, s.skip_empty, s.sort) == (True, True, True, "-Cover")
    assert (s.report_include, s.report_omit) == (["src/*"], ["src/vendor/*"])
    assert (s.html_dir, s.html_title) == ("out/html", "My project")
    assert (s.xml_output, s.json_output, s.lcov_output) == (
        "out/cov.xml",
        "out/cov.json",
        "out/cov.lcov",
    )
    assert s.json_pretty_print is True


def test_every_setting_from_toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": """\
            [tool.rcov.run]
            branch = true
            source = ["src"]
            omit = ["*/tests/*"]
            relative_files = true

            [tool.rcov.paths]
            source = ["src/", "/ci/*/src/"]

            [tool.rcov.report]
            exclude_lines = ["pragma: no cover", "^\\\\s*raise AssertionError"]
            fail_under = 90
            precision = 1
            show_missing = true

            [tool.rcov.json]
            pretty_print = true
            """
        },
    )
    s, _ = settings_in(tmp_path, monkeypatch)
    assert (s.branch, s.source, s.run_omit, s.relative_files) == (
        True,
        ["src"],
        ["*/tests/*"],
        True,
    )
    assert s.paths == {"source": ["src/", "/ci/*/src/"]}
    assert s.exclude == ["pragma: no cover", r"^\s*raise AssertionError"]
    assert (s.fail_under, s.precision, s.show_missing) == (90.0, 1, True)
    assert s.json_pretty_print is True


# --- mistakes -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            {".coveragerc": "[run]\nbranch = maybe\n"},
            ".coveragerc: [run] branch: expected a boolean (true or false), got 'maybe'",
        ),
        (
            {"setup.cfg": "[coverage:report]\nprecision = two\n"},
            "setup.cfg: [report] precision: expected an integer, got 'two'",
        ),
        (
            {"tox.ini": "[coverage:report]\nfail_under = lots\n"},
            "tox.ini: [report] fail_under: expected a number, got 'lots'",
        ),
        (
            {".coveragerc": "[report]\nexclude_lines =\n    (unclosed\n"},
            ".coveragerc: [report] exclude_lines: invalid regular expression '(unclosed'",
        ),
        (
            {"pyproject.toml": '[tool.coverage.run]\nbranch = "yes"\n'},
            "pyproject.toml: [run] branch: expected true or false, got 'yes'",
        ),
        (
            {"pyproject.toml": '[tool.coverage.run]\nomit = "*/tests/*"\n'},
            "pyproject.toml: [run] omit: expected a list of strings, got '*/tests/*'",
        ),
        (
            {"pyproject.toml": "[tool.rcov.run]\nbrnach = true\n"},
            "pyproject.toml: [run] brnach: unknown option",
        ),
        (
            {"pyproject.toml": "[tool.rcov.reprot]\nprecision = 1\n"},
            "pyproject.toml: [tool.rcov.reprot]: unknown section",
        ),
        (
            {"pyproject.toml": "[tool.rcov.run\nbranch = true\n"},
            "Couldn't read config file pyproject.toml: ",
        ),
        (
            {".coveragerc": "[run\nbranch = true\n"},
            "Couldn't read config file .coveragerc: ",
        ),
        (
            {".coveragerc": "[run]\ndata_file = ${NO_SUCH_VARIABLE_HERE?}\n"},
            ".coveragerc: [run] data_file: variable NO_SUCH_VARIABLE_HERE is undefined",
        ),
    ],
)
def test_bad_values_name_the_file_and_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str], message: str
) -> None:
    write(tmp_path, files)
    with pytest.raises(ConfigError) as excinfo:
        settings_in(tmp_path, monkeypatch)
    assert message in str(excinfo.value)


def test_unknown_keys_in_coverage_sections_warn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(
        tmp_path,
        {
            ".coveragerc": """\
            [run]
            brnach = true
            concurrency = thread
            plugins = some_plugin
            [report]
            ignore_errors = true
            """
        },
    )
    settings, warnings = settings_in(tmp_path, monkeypatch)
    # coverage.py's own keys that rcov does not use are accepted silently.
    assert warnings == [".coveragerc: [run] brnach: unrecognized option, ignored"]
    assert settings.branch is False


def test_missing_rcfile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="Couldn't read 'nope.ini' as a config file"):
        settings_in(tmp_path, monkeypatch, rcfile="nope.ini")


# --- end to end ----------------------------------------------------------------

PROG = """\
def f(x):
    if x:
        return 1
    return 2

f(1)
if f(1) == 3:
    raise NotImplementedError
"""


def test_run_and_report_use_the_configuration(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "prog.py": PROG,
            "setup.cfg": """\
            [coverage:run]
            branch = true
            data_file = data/cov
            [coverage:report]
            exclude_also = raise NotImplementedError
            show_missing = true
            fail_under = 95
            [coverage:json]
            output = out/report.json
            """,
        },
    )
    (tmp_path / "data").mkdir()
    run = subprocess.run(
        [sys.executable, "-m", "rcov.instrument", "prog.py"],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "data" / "cov").exists()
    assert not (tmp_path / ".coverage").exists()
    # Branch mode and the exclusion came from the file.
    assert run.stdout.splitlines()[2].split() == ["prog.py", "6", "1", "2", "1", "75%", "4"]
    report = rcov(tmp_path, "report")
    assert report.returncode == 2
    assert report.stdout.endswith("Coverage failure: total of 75 is less than fail-under=95\n")
    # coverage.py reads the same file the same way.
    theirs = subprocess.run(
        [sys.executable, "-m", "coverage", "report"],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert (report.returncode, report.stdout) == (theirs.returncode, theirs.stdout)
    # Command-line flags win.
    assert rcov(tmp_path, "report", "--fail-under=70").returncode == 0
    no_missing = rcov(tmp_path, "report", "--data-file=data/cov", "--fail-under=0")
    assert "Missing" in no_missing.stdout
    assert rcov(tmp_path, "json").returncode == 2
    data = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert data["totals"]["percent_covered_display"] == "75"
    assert rcov(tmp_path, "json", "-o", "other.json", "--fail-under=10").returncode == 0
    assert (tmp_path / "other.json").exists()


def test_a_configuration_error_stops_run_before_the_program(tmp_path: Path) -> None:
    write(tmp_path, {"prog.py": "print('ran')\n", ".coveragerc": "[run]\nparallel = sometimes\n"})
    run = subprocess.run(
        [sys.executable, "-m", "rcov.instrument", "prog.py"],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert (run.returncode, run.stdout) == (1, "")
    assert run.stderr == (
        "rcov: .coveragerc: [run] parallel: expected a boolean (true or false), got 'sometimes'\n"
    )
    report = rcov(tmp_path, "report")
    assert report.returncode == 1
    assert "[run] parallel" in report.stderr


def test_parallel_from_config_and_append_conflict(tmp_path: Path) -> None:
    write(tmp_path, {"prog.py": "x = 1\n", ".coveragerc": "[run]\nparallel = true\n"})
    run = subprocess.run(
        [sys.executable, "-m", "rcov.instrument", "--no-report", "prog.py"],
        cwd=tmp_path,
        env=clean_env(),
        check=True,
    )
    del run
    assert [p.name.startswith(".coverage.") for p in tmp_path.glob(".coverage.*")] == [True]
    assert not (tmp_path / ".coverage").exists()
    conflict = subprocess.run(
        [sys.executable, "-m", "rcov.instrument", "-a", "prog.py"],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert (conflict.returncode, conflict.stderr) == (
        1,
        "rcov: Can't append to data files in parallel mode.\n",
    )


# --- files parsed in an earlier run -------------------------------------------

# The program says whether rcov had to import the parsers before it ran.
PARSERS_LOADED = "import sys; print(sorted({'configparser', 'tomllib'} & set(sys.modules)))\n"


def run_in(tmp_path: Path, cache: Path | str) -> Run:
    return run_rcov(tmp_path, "prog.py", env=clean_env({"RCOV_CACHE_DIR": str(cache)}))


@pytest.mark.parametrize(
    ("name", "text", "changed", "parser"),
    [
        (".coveragerc", "[run]\nbranch = true\n", "[run]\nbranch = false\n", "configparser"),
        (
            "pyproject.toml",
            "[tool.coverage.run]\nbranch = true\n",
            "[tool.coverage.run]\nbranch = false\n",
            "tomllib",
        ),
    ],
    ids=["ini", "toml"],
)
def test_an_unchanged_file_is_not_parsed_again(
    tmp_path: Path, name: str, text: str, changed: str, parser: str
) -> None:
    write(tmp_path, {"prog.py": PARSERS_LOADED, name: text})
    cache = tmp_path / "cache"
    first, second = run_in(tmp_path, cache), run_in(tmp_path, cache)
    assert first.stdout.splitlines()[0] == f"['{parser}']", first.stderr
    assert second.stdout.splitlines()[0] == "[]", second.stderr
    assert "Branch" in first.stdout and "Branch" in second.stdout  # branch = true, both times
    write(tmp_path, {name: changed})
    third = run_in(tmp_path, cache)
    assert third.stdout.splitlines()[0] == f"['{parser}']", third.stderr
    assert "Branch" not in third.stdout


def test_parsed_files_kept_nowhere_or_unreadable_change_nothing(tmp_path: Path) -> None:
    write(tmp_path, {"prog.py": PARSERS_LOADED, ".coveragerc": "[run]\nbranch = true\n"})
    (tmp_path / "not-a-dir").write_text("")
    garbage = tmp_path / "garbage"
    garbage.mkdir()
    (garbage / f"config-{sys.implementation.cache_tag}.marshal").write_bytes(b"\xff\x00junk")
    for cache in ("", tmp_path / "not-a-dir", garbage, garbage):
        run = run_in(tmp_path, cache)
        assert run.returncode == 0, run.stderr
        assert "Branch" in run.stdout
    # The garbage was replaced by what the first run there parsed.
    assert run.stdout.splitlines()[0] == "[]"


def test_a_file_that_does_not_parse_is_reported_every_time(tmp_path: Path) -> None:
    write(tmp_path, {"prog.py": "print('ran')\n", ".coveragerc": "[run\nbranch = true\n"})
    for _ in range(2):
        run = run_in(tmp_path, tmp_path / "cache")
        assert (run.returncode, run.stdout) == (1, "")
        assert run.stderr.startswith("rcov: Couldn't read config file .coveragerc: ")
