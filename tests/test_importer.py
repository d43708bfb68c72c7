"""rcov's import hook: measured modules look normal, skip __pycache__, and never break.

In-process tests install `MeasuringFinder` with a collector that refuses every
file (the only way to reach the "cannot instrument" path while the rewriter
accepts all the Python that CPython accepts); subprocess tests check the whole
command line.
"""

from __future__ import annotations

import importlib
import importlib.resources
import importlib.util
import inspect
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import CodeType

import pytest
from pyshim_helpers import clean_env, run_python, run_rcov, write_files
from rcov import _rcov
from rcov.filters import SourceFilter
from rcov.importer import MeasuringFinder, MeasuringLoader, read_source


class RefusingCollector:
    """Stands in for _rcov.Collector: cannot instrument anything."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def compile(self, source: str, filename: str) -> CodeType:
        self.calls.append(filename)
        raise _rcov.InstrumentError("unsupported construct at line 1")


class CompilingCollector:
    """Stands in for _rcov.Collector: compiles normally and remembers what it saw."""

    def __init__(self) -> None:
        self.sources: dict[str, str] = {}

    def compile(self, source: str, filename: str) -> CodeType:
        self.sources[filename] = source
        return compile(source, filename, "exec", dont_inherit=True)


@pytest.fixture
def hooked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """tmp_path on sys.path, and any module imported from it forgotten afterwards."""
    monkeypatch.syspath_prepend(str(tmp_path))
    before = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - before:
        del sys.modules[name]
    importlib.invalidate_caches()


def install(finder: MeasuringFinder) -> None:
    sys.meta_path.insert(0, finder)
    importlib.invalidate_caches()


def test_uninstrumentable_file_imports_normally_with_one_warning(
    hooked: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_files(hooked, {"rcov_t_mod.py": "VALUE = 6 * 7\n"})
    collector = RefusingCollector()
    finder = MeasuringFinder(collector, SourceFilter(cwd=str(hooked)))  # type: ignore[arg-type]
    install(finder)
    try:
        mod = importlib.import_module("rcov_t_mod")
        importlib.reload(mod)
    finally:
        sys.meta_path.remove(finder)
    path = str(hooked / "rcov_t_mod.py")
    assert mod.VALUE == 42
    assert collector.calls == [path, path]
    err = capsys.readouterr().err
    assert err == f"rcov: not measuring {path}: unsupported construct at line 1\n"


def test_spec_attributes_are_the_normal_ones(hooked: Path) -> None:
    write_files(
        hooked,
        {
            "rcov_t_pkg/__init__.py": "def hello():\n    return 'hi'\n",
            "rcov_t_pkg/data.txt": "payload",
        },
    )
    normal = importlib.machinery.PathFinder.find_spec("rcov_t_pkg")
    assert normal is not None
    collector = CompilingCollector()
    finder = MeasuringFinder(collector, SourceFilter(cwd=str(hooked)))  # type: ignore[arg-type]
    install(finder)
    try:
        pkg = importlib.import_module("rcov_t_pkg")
    finally:
        sys.meta_path.remove(finder)
    spec = pkg.__spec__
    assert isinstance(spec.loader, MeasuringLoader)
    assert (spec.name, spec.origin, spec.cached, spec.has_location, spec.parent) == (
        normal.name,
        normal.origin,
        normal.cached,
        normal.has_location,
        normal.parent,
    )
    assert list(spec.submodule_search_locations or []) == list(
        normal.submodule_search_locations or []
    )
    assert pkg.__file__ == normal.origin
    assert pkg.__path__ == [str(hooked / "rcov_t_pkg")]
    assert collector.sources == {normal.origin: "def hello():\n    return 'hi'\n"}
    assert inspect.getsource(pkg.hello) == "def hello():\n    return 'hi'\n"
    assert importlib.resources.files(pkg).joinpath("data.txt").read_text() == "payload"


def test_unselected_files_keep_the_normal_loader(hooked: Path) -> None:
    write_files(hooked, {"rcov_t_other.py": "X = 1\n"})
    collector = CompilingCollector()
    finder = MeasuringFinder(  # type: ignore[arg-type]
        collector, SourceFilter(omit=["*rcov_t_other.py"], cwd=str(hooked))
    )
    install(finder)
    try:
        mod = importlib.import_module("rcov_t_other")
        json_mod = importlib.import_module("json")
    finally:
        sys.meta_path.remove(finder)
    assert type(mod.__spec__.loader) is importlib.machinery.SourceFileLoader
    assert collector.sources == {}
    assert json_mod.dumps([1]) == "[1]"


def test_source_is_decoded_like_the_compiler_does(hooked: Path) -> None:
    (hooked / "rcov_t_latin.py").write_bytes(b"# -*- coding: latin-1 -*-\r\nNAME = '\xe9t\xe9'\r\n")
    (hooked / "rcov_t_bom.py").write_bytes(b"\xef\xbb\xbfNAME = '\xc3\xa9'\n")
    collector = CompilingCollector()
    finder = MeasuringFinder(collector, SourceFilter(cwd=str(hooked)))  # type: ignore[arg-type]
    install(finder)
    try:
        latin = importlib.import_module("rcov_t_latin")
        bom = importlib.import_module("rcov_t_bom")
    finally:
        sys.meta_path.remove(finder)
    assert latin.NAME == "\u00e9t\u00e9"
    assert bom.NAME == "\u00e9"
    assert (
        collector.sources[latin.__file__] == "# -*- coding: latin-1 -*-\nNAME = '\u00e9t\u00e9'\n"
    )
    assert collector.sources[bom.__file__] == "NAME = '\u00e9'\n"


# Sources whose decoding takes rcov's UTF-8 path, or must leave it to Python.
DECODED = [
    b"x = 1\n",
    b"x = '\xc3\xa9'\r\ny = 2\rz = 3\n",
    b"x = '\xc3\xa9'\r\ny = 2\rz = 3\r",
    b"x = 1\r\r",
    b"\r",
    b"",
    b"\xef\xbb\xbfx = 1\n",
    b"\xef\xbb\xbf# coding: utf-8\nx = 1\n",
    b"# -*- coding: latin-1 -*-\nx = '\xe9'\n",
    b"#!/usr/bin/env python\n# vim: set fileencoding=cp1252 :\nx = '\x80'\n",
    b"x = 1\ny = 2\n# coding: latin-1\n",
    b"# a comment about decoding\nx = 1\n",
]


@pytest.mark.parametrize("data", DECODED)
def test_read_source_decodes_as_cpython_does(data: bytes) -> None:
    assert read_source(data) == importlib.util.decode_source(data)


@pytest.mark.parametrize(
    "data", [b"x = '\xe9'\n", b"\xef\xbb\xbf# coding: latin-1\n", b"# coding: nonesuch\n"]
)
def test_read_source_refuses_what_cpython_refuses(data: bytes) -> None:
    with pytest.raises(Exception) as ours:
        read_source(data)
    with pytest.raises(Exception) as theirs:
        importlib.util.decode_source(data)
    assert (type(ours.value), str(ours.value)) == (type(theirs.value), str(theirs.value))


def _compiled_or_raised(compile_file: Callable[[], CodeType]) -> object:
    try:
        code = compile_file()
    except Exception as exc:  # noqa: BLE001 - the error is what is compared
        return type(exc), str(exc), getattr(exc, "lineno", None)
    return code.co_filename, code.co_code, code.co_consts, list(code.co_lines())


@pytest.mark.parametrize(
    "data",
    [
        *DECODED,
        b"x = '\xe9'\n",
        b"# coding: nonesuch\n",
        b"x = 1\0\n",
        b"def f(:\n",
        b"def f():\n    x = 'caf\xc3\xa9'\n    return x\n",
    ],
)
@pytest.mark.parametrize("filename", ["prog.py", "/tmp/dir \u00e9t\u00e9/prog.py", "bad\udcff.py"])
def test_compile_file_compiles_as_compile_does(data: bytes, filename: str) -> None:
    ours = _compiled_or_raised(lambda: _rcov.compile_file(data, filename))
    theirs = _compiled_or_raised(lambda: compile(data, filename, "exec", dont_inherit=True))
    assert ours == theirs


def test_read_source_decodes_the_standard_library_as_cpython_does() -> None:
    stdlib = Path(inspect.getfile(inspect)).parent
    differing = []
    for path in sorted(stdlib.rglob("*.py")):
        data = path.read_bytes()
        try:
            expected = importlib.util.decode_source(data)
        except (SyntaxError, UnicodeDecodeError, LookupError):
            continue
        if read_source(data) != expected:
            differing.append(path)
    assert differing == []


def test_existing_pyc_does_not_bypass_measurement_and_none_is_written(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "prog.py": "import helper\nhelper.run()\n",
            "helper.py": "def run():\n    return 1\n\ndef unused():\n    return 2\n",
        },
    )
    env = clean_env(drop=("PYTHONDONTWRITEBYTECODE",))
    # A normal run leaves a .pyc of helper.py behind.
    assert run_python(tmp_path, "prog.py", env=env).returncode == 0
    pycache = tmp_path / "__pycache__"
    pycs = sorted(pycache.iterdir())
    assert [p.name.split(".")[0] for p in pycs] == ["helper"]
    stamps = {p: p.stat().st_mtime_ns for p in pycs}

    result = run_rcov(tmp_path, "--json", "out.json", "prog.py", env=env)
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "out.json").read_text())
    assert report["files"]["helper.py"]["executed_lines"] == [1, 2, 4]
    assert report["files"]["helper.py"]["missing_lines"] == [5]
    assert {p: p.stat().st_mtime_ns for p in sorted(pycache.iterdir())} == stamps

    # Without a cache at all, a measured run writes none.
    for p in pycs:
        p.unlink()
    assert run_rcov(tmp_path, "--no-report", "prog.py", env=env).returncode == 0
    assert list(pycache.iterdir()) == []


WRAPPER = """\
import sys
from rcov import _rcov, cli

Real = _rcov.Collector

class Refusing:
    def __init__(self, *, branch, **options):
        self._real = Real(branch=branch, **options)
        self.branch = branch

    def compile(self, source, filename):
        if "REFUSE" in source:
            raise _rcov.InstrumentError("simulated rewriter failure")
        return self._real.compile(source, filename)

    def __getattr__(self, name):
        return getattr(self._real, name)

_rcov.Collector = Refusing
cli.run_main(sys.argv[1:])
"""


def test_refused_file_runs_unmeasured_end_to_end(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "wrapper_main.py": WRAPPER,
            "prog.py": "import odd, plain\nprint(odd.f(), plain.g())\n",
            "odd.py": "# REFUSE\ndef f():\n    return 'odd'\n",
            "plain.py": "def g():\n    return 'plain'\n",
        },
    )
    result = run_python(tmp_path, "wrapper_main.py", "prog.py")
    assert result.returncode == 0, result.stderr
    assert (
        result.stderr == f"rcov: not measuring {tmp_path / 'odd.py'}: simulated rewriter failure\n"
    )
    lines = result.stdout.splitlines()
    assert lines[0] == "odd plain"
    names = [line.split()[0] for line in lines[1:] if "%" in line]
    assert names == ["plain.py", "prog.py", "TOTAL"]
