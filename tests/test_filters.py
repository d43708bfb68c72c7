"""The source filter: which files rcov measures, and which unimported files it lists."""

from __future__ import annotations

import json
import os
import sys
import sysconfig
from pathlib import Path

import pytest
import rcov
from pyshim_helpers import run_rcov, write_files
from rcov.filters import SourceFilter, glob_matcher, split_option_list


def test_default_selects_files_under_cwd_only(tmp_path: Path) -> None:
    write_files(tmp_path, {"a.py": "", "pkg/b.py": "", "../outside_rcov_t.py": ""})
    f = SourceFilter(cwd=str(tmp_path))
    assert f.selects(str(tmp_path / "a.py"))
    assert f.selects(str(tmp_path / "pkg" / "b.py"))
    assert not f.selects(str(tmp_path.parent / "outside_rcov_t.py"))


def test_links_are_followed_file_by_file(tmp_path: Path) -> None:
    """Directories are resolved once per filter; a file that is a link
    itself is still resolved on its own."""
    write_files(tmp_path, {"src/pkg/a.py": "", "src/pkg/b.py": "", "elsewhere/c.py": ""})
    (tmp_path / "src" / "via_link").symlink_to(tmp_path / "elsewhere")
    (tmp_path / "elsewhere" / "into_src.py").symlink_to(tmp_path / "src" / "pkg" / "b.py")
    (tmp_path / "pkg_alias").symlink_to(tmp_path / "src" / "pkg")
    f = SourceFilter(source=["src"], cwd=str(tmp_path))
    for _ in range(2):  # the second time from the resolved directories
        assert f.selects(str(tmp_path / "pkg_alias" / "a.py"))
        assert f.selects(str(tmp_path / "src" / "pkg" / ".." / "pkg" / "a.py"))
        assert not f.selects(str(tmp_path / "src" / "via_link" / "c.py"))
        assert f.selects(str(tmp_path / "elsewhere" / "into_src.py"))
        assert f.selects(str(tmp_path / "src" / "via_link" / "into_src.py"))


@pytest.mark.parametrize("cwd", ["/", sys.base_prefix, sys.prefix])
def test_default_never_selects_stdlib_or_site_packages(cwd: str) -> None:
    """Also from inside the interpreter's prefix (not excluded as a whole
    then), where only the installation schemes tell its scripts directory."""
    f = SourceFilter(cwd=cwd)
    stdlib_files = [os.__file__, json.__file__, sysconfig.__file__]
    third_party = [pytest.__file__, os.path.join(sysconfig.get_paths()["scripts"], "tool.py")]
    assert "site-packages" in pytest.__file__
    for path in stdlib_files + third_party:
        assert not f.selects(path), path
    # rcov itself is never measured by default, wherever it lives.
    assert not f.selects(rcov.__file__)


def test_default_never_selects_a_virtualenv(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "env/pyvenv.cfg": "home = /usr/bin\n",
            "env/lib/python3.12/site-packages/dep.py": "",
            "env/lib/tool.py": "",
            "vendored/dist-packages/thing.py": "",
            "app.py": "",
        },
    )
    f = SourceFilter(cwd=str(tmp_path))
    assert f.selects(str(tmp_path / "app.py"))
    assert not f.selects(str(tmp_path / "env/lib/tool.py"))
    assert not f.selects(str(tmp_path / "env/lib/python3.12/site-packages/dep.py"))
    assert not f.selects(str(tmp_path / "vendored/dist-packages/thing.py"))


def test_omit_and_include_globs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_files(tmp_path, {"src/app.py": "", "src/app_test.py": "", "tests/t.py": ""})
    monkeypatch.chdir(tmp_path)
    f = SourceFilter(omit=["*_test.py", "tests/*"], cwd=str(tmp_path))
    assert f.selects(str(tmp_path / "src/app.py"))
    assert not f.selects(str(tmp_path / "src/app_test.py"))
    assert not f.selects(str(tmp_path / "tests/t.py"))

    f = SourceFilter(include=["src/*"], cwd=str(tmp_path))
    assert f.selects(str(tmp_path / "src/app.py"))
    assert not f.selects(str(tmp_path / "tests/t.py"))
    # --include is authoritative: files outside cwd can be measured with it.
    f = SourceFilter(include=[str(Path(os.__file__).parent / "json" / "*")], cwd=str(tmp_path))
    assert f.selects(json.__file__)


def test_glob_semantics_are_coverage_pys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    star = glob_matcher(["*/a/*.py"])
    assert star is not None
    assert star.match("/x/y/a/b.py")
    assert not star.match("/x/y/a/c/b.py")  # '*' does not cross a slash
    deep = glob_matcher(["**/gen/**/*.py"])
    assert deep is not None
    assert deep.match("/r/gen/x.py") and deep.match("/r/gen/p/q/x.py")
    bare = glob_matcher(["conftest.py"])  # no slash: a file name anywhere
    assert bare is not None
    assert bare.match(str(tmp_path / "deep" / "conftest.py"))
    rel = glob_matcher(["lib/x.py"])  # relative: made absolute with the cwd
    assert rel is not None
    assert rel.match(str(tmp_path / "lib" / "x.py"))
    assert not rel.match("/elsewhere/lib/y.py")
    assert glob_matcher([]) is None
    with pytest.raises(ValueError):
        glob_matcher(["a/***/b"])


def test_glob_matcher_agrees_with_coverage() -> None:
    files = pytest.importorskip("coverage.files")
    patterns = ["*/a/*.py", "**/gen/**/*.py", "conftest.py", "/abs/dir/*", "x?.py", "[ab]*.py"]
    paths = [
        "/x/y/a/b.py",
        "/x/y/a/c/b.py",
        "/r/gen/x.py",
        "/r/gen/p/q/x.py",
        "/deep/conftest.py",
        "/abs/dir/m.py",
        "/abs/dir/sub/m.py",
        "/q/x1.py",
        "/q/x12.py",
        "/q/a_file.py",
        "/q/c_file.py",
    ]
    for pattern in patterns:
        ours = glob_matcher([pattern])
        theirs = files.GlobMatcher(files.prep_patterns([pattern]))
        assert ours is not None
        for path in paths:
            assert bool(ours.match(path)) == theirs.match(path), (pattern, path)


def test_split_option_list() -> None:
    assert split_option_list(["a,b", " c ", "", "d,,e"]) == ["a", "b", "c", "d", "e"]


def test_source_dirs_and_packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_files(
        tmp_path,
        {
            "lib/rcov_t_srcpkg/__init__.py": "raise RuntimeError('must not be imported')\n",
            "lib/rcov_t_srcpkg/core.py": "",
            "lib/rcov_t_srcpkg/sub/__init__.py": "raise RuntimeError('nor this')\n",
            "lib/rcov_t_srcpkg/sub/deep.py": "",
            "lib/rcov_t_single.py": "",
            "app/main.py": "",
            "other.py": "",
        },
    )
    monkeypatch.syspath_prepend(str(tmp_path / "lib"))
    f = SourceFilter(source=["app", "rcov_t_srcpkg.sub", "rcov_t_single"], cwd=str(tmp_path))
    assert f.source_dirs == [str(tmp_path / "app")]
    assert "rcov_t_srcpkg" not in sys.modules
    assert "rcov_t_srcpkg.sub" not in sys.modules
    assert f.selects(str(tmp_path / "app/main.py"))
    assert f.selects(str(tmp_path / "lib/rcov_t_srcpkg/sub/deep.py"))
    assert f.selects(str(tmp_path / "lib/rcov_t_single.py"))
    assert not f.selects(str(tmp_path / "lib/rcov_t_srcpkg/core.py"))
    assert not f.selects(str(tmp_path / "other.py"))
    # Known by module name even before the package can be found.
    g = SourceFilter(source=["notyet"], cwd=str(tmp_path))
    assert g.selects(str(tmp_path / "x/notyet/m.py"), "notyet.m")
    assert not g.selects(str(tmp_path / "x/notyet/m.py"), "notyet2.m")


def test_unimported_files(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "src/a.py": "",
            "src/b.pyw": "",
            "src/notes.txt": "",
            "src/.#a.py": "",
            "src/pkg/__init__.py": "",
            "src/pkg/m.py": "",
            "src/scripts/loose.py": "",  # no __init__.py: not importable, not listed
            "src/pkg/skip_me.py": "",
        },
    )
    f = SourceFilter(source=["src"], omit=["*/skip_me.py"], cwd=str(tmp_path))
    found = sorted(os.path.relpath(p, tmp_path) for p in f.unimported_files())
    assert found == ["src/a.py", "src/b.pyw", "src/pkg/__init__.py", "src/pkg/m.py"]
    measured = {os.path.realpath(tmp_path / name) for name in ("src/a.py", "src/pkg/m.py")}
    rest = sorted(os.path.relpath(p, tmp_path) for p in f.unimported_files(measured))
    assert rest == ["src/b.pyw", "src/pkg/__init__.py"]


PROGRAM = {
    "prog.py": "import json, textwrap\nimport mine\nprint(mine.f(), json.dumps(1))\n",
    "mine.py": "def f():\n    return 'mine'\n",
    "lib/unused.py": "x = 1\ny = 2\n",
    "lib/__init__.py": "",
}


def test_default_run_measures_only_the_project(tmp_path: Path) -> None:
    write_files(tmp_path, PROGRAM)
    result = run_rcov(tmp_path, "--json", "out.json", "prog.py")
    assert result.returncode == 0, result.stderr
    files = json.loads((tmp_path / "out.json").read_text())["files"]
    assert sorted(files) == ["mine.py", "prog.py"]


def test_source_run_lists_never_imported_files(tmp_path: Path) -> None:
    write_files(tmp_path, PROGRAM)
    result = run_rcov(tmp_path, "--source", ".", "--omit", "prog.py", "--json", "o.json", "prog.py")
    assert result.returncode == 0, result.stderr
    files = json.loads((tmp_path / "o.json").read_text())["files"]
    assert sorted(files) == ["lib/__init__.py", "lib/unused.py", "mine.py"]
    assert files["lib/unused.py"]["missing_lines"] == [1, 2]
    assert files["lib/unused.py"]["summary"]["percent_covered"] == 0.0
    rows = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines()[2:-2]}
    assert rows["lib/unused.py"] == ["2", "2", "0%", "1-2"]


def test_project_inside_a_virtualenv_is_still_measured(tmp_path: Path) -> None:
    write_files(tmp_path, {"env/pyvenv.cfg": "", "env/project/app.py": "", "env/lib/dep.py": ""})
    f = SourceFilter(cwd=str(tmp_path / "env" / "project"))
    assert f.selects(str(tmp_path / "env/project/app.py"))


def test_source_warnings(tmp_path: Path) -> None:
    write_files(tmp_path, {"prog.py": "print('hi')\n"})
    result = run_rcov(tmp_path, "--source", "nosuchpkg", "--include", "x*", "prog.py")
    assert result.returncode == 0
    assert result.stdout == "hi\n"
    assert result.stderr == (
        "rcov: --include is ignored because --source is set\n"
        "rcov: module nosuchpkg was never imported\n"
        "rcov: no data to report\n"
    )


def test_source_package_found_after_the_program_extends_sys_path(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "prog.py": "import sys\nsys.path.insert(0, 'lib')\nimport srcpkg.used\n",
            "lib/srcpkg/__init__.py": "",
            "lib/srcpkg/used.py": "A = 1\n",
            "lib/srcpkg/unused.py": "B = 1\nC = 2\n",
            "lib/other.py": "D = 1\n",
        },
    )
    result = run_rcov(tmp_path, "--source", "srcpkg", "--json", "o.json", "prog.py")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    files = json.loads((tmp_path / "o.json").read_text())["files"]
    assert sorted(files) == [
        "lib/srcpkg/__init__.py",
        "lib/srcpkg/unused.py",
        "lib/srcpkg/used.py",
    ]
    assert files["lib/srcpkg/used.py"]["executed_lines"] == [1]
    assert files["lib/srcpkg/unused.py"]["missing_lines"] == [1, 2]
