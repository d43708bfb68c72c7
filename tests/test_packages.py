"""rcov agrees with coverage.py on real packages' own test suites.

Each package's sdist is downloaded from PyPI at test time (pinned versions, so the
figures are reproducible; kept in a cache directory shared by every Python
version and run), unpacked, and its test suite is run by pytest twice: under
`coverage run --branch --source PKG` and under
`python -m rcov.instrument --branch --source PKG`. The reports are compared file
by file like the corpus (see covcompare.py) and the agreement figures are
printed at the end of the module.

rcov's own Python package is compared too: a copy of the installed package
under another name (`rcov_under_test`, so it cannot be confused with the
measuring rcov) is exercised by a copy of rcov's in-process unit tests.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from covcompare import (
    Agreement,
    FileFacts,
    clean_env,
    compare,
    read_json_report,
    run_coverage,
    run_rcov,
    write_summary,
)

pytestmark = pytest.mark.network

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Suite:
    """A PyPI package whose sdist carries a test suite that runs with pytest alone."""

    name: str
    version: str
    source: str  # what --source names: the package directory (or "." for a single module)
    pytest_args: tuple[str, ...]
    # Files whose lines depend on the machine's timing (a timeout that may or
    # may not expire), so that no two runs of the suite are sure to agree on
    # them, whatever measures them: left out of the comparison.
    timing_dependent: tuple[str, ...] = ()

    @property
    def requirement(self) -> str:
        return f"{self.name}=={self.version}"


SUITES = [
    Suite("six", "1.17.0", ".", ("test_six.py",)),
    Suite("toolz", "1.2.0", "toolz", ("toolz/tests",)),
    # test_socketutils.py takes timing-dependent branches (a timeout that may or may
    # not expire), which no two runs are sure to share.
    Suite(
        "boltons",
        "26.2.0",
        "boltons",
        ("tests", "--ignore=tests/test_socketutils.py"),
        # recv_until's `if cur_timeout <= 0.0` (seen to differ between runs).
        timing_dependent=("boltons/socketutils.py",),
    ),
    # test_idna_properties.py needs hypothesis; the other tests need nothing.
    Suite("idna", "3.20", "idna", ("tests", "--ignore=tests/test_idna_properties.py")),
]

_agreement = Agreement()


@pytest.fixture(scope="module", autouse=True)
def agreement_summary(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if _agreement.files:
        write_summary(request.config, _agreement.summary("accuracy vs coverage.py (packages)"))


def sdist_cache() -> Path:
    path = os.environ.get("RCOV_SDIST_CACHE")
    cache = Path(path) if path else Path.home() / ".cache" / "rcov-tests" / "sdists"
    cache.mkdir(parents=True, exist_ok=True)
    return cache


def download_sdist(suite: Suite) -> Path:
    """The sdist of `suite`, from the cache or downloaded by pip."""
    cache = sdist_cache()
    pattern = re.compile(
        rf"{re.escape(suite.name).replace('-', '[-_]')}-{re.escape(suite.version)}\.tar\.gz",
        re.IGNORECASE,
    )
    found = [p for p in cache.iterdir() if pattern.fullmatch(p.name)]
    if not found:
        # Download beside the cache and move the file in whole: another Python
        # version's run may be looking at the same cache at the same time.
        download = Path(tempfile.mkdtemp(dir=cache, prefix=".download-"))
        proc = subprocess.run(
            [
                sys.executable,
                *("-m", "pip", "download", "--quiet", "--disable-pip-version-check"),
                *("--no-deps", "--no-binary", ":all:", "--dest", str(download)),
                suite.requirement,
            ],
            check=False,
            capture_output=True,
            text=True,
            env=clean_env(),
            timeout=600,
        )
        assert proc.returncode == 0, f"pip download {suite.requirement} failed:\n{proc.stderr}"
        for item in download.iterdir():
            if pattern.fullmatch(item.name):
                os.replace(item, cache / item.name)
        shutil.rmtree(download, ignore_errors=True)
        found = [p for p in cache.iterdir() if pattern.fullmatch(p.name)]
    assert found, f"no sdist for {suite.requirement} in {cache}"
    return found[0]


def unpack(sdist: Path, target: Path) -> Path:
    with tarfile.open(sdist) as tar:
        tar.extractall(target, filter="data")
    (root,) = [p for p in target.iterdir() if p.is_dir()]
    return root


@pytest.mark.parametrize("suite", SUITES, ids=lambda s: s.requirement)
def test_package_suite(suite: Suite, tmp_path: Path) -> None:
    root = unpack(download_sdist(suite), tmp_path / "src")
    work = tmp_path / "work"
    work.mkdir()
    args = ["-m", "pytest", "-q", "-p", "no:cacheprovider", *suite.pytest_args]
    expected = run_coverage(args, root, work, source=[suite.source])
    assert expected.returncode == 0, f"the suite fails under coverage.py:\n{expected.stdout}"
    assert expected.files, "coverage.py measured nothing"
    actual = run_rcov(args, root, work, source=[suite.source])
    assert actual.returncode == 0, f"the suite fails under rcov:\n{actual.stdout}\n{actual.stderr}"
    assert all(name in expected.files for name in suite.timing_dependent)
    theirs, ours = (
        {name: facts for name, facts in files.items() if name not in suite.timing_dependent}
        for files in (expected.files, actual.files)
    )
    _agreement.add(theirs, ours)
    problems = compare(theirs, ours)
    assert not problems, f"rcov differs from coverage.py on {suite.requirement}:\n" + "\n".join(
        problems
    )
    # coverage.py reports rcov's data file as rcov does.
    problems = compare(coverage_json_of_rcov_data(root, work), actual.files)
    assert not problems, f"coverage json on rcov's data of {suite.requirement}:\n" + "\n".join(
        problems
    )


def coverage_json_of_rcov_data(root: Path, work: Path) -> dict[str, FileFacts]:
    """`coverage json` of the `.coverage` file the rcov run wrote in `root`."""
    report = work / "coverage-of-rcov.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "coverage",
            "json",
            f"--rcfile={work / 'coveragerc'}",
            f"--data-file={root / '.coverage'}",
            "-o",
            str(report),
            "-q",
        ],
        cwd=root,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return read_json_report(report, root)


# The in-process unit tests of rcov's own package that can run against a renamed copy.
OWN_TESTS = ["test_filters.py", "test_report.py", "test_cli.py"]


@pytest.mark.parametrize("unused", ["rcov"])
def test_own_package(unused: str, tmp_path: Path) -> None:
    import rcov

    src = tmp_path / "src"
    package = src / "rcov_under_test"
    shutil.copytree(
        Path(rcov.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__")
    )
    tests = src / "tests"
    tests.mkdir()
    present = [name for name in OWN_TESTS if (ROOT / "tests" / name).exists()]
    assert present, "none of rcov's own unit tests found"
    for name in [*present, "pyshim_helpers.py"]:
        if (ROOT / "tests" / name).exists():
            text = (ROOT / "tests" / name).read_text("utf-8")
            text = re.sub(r"\brcov\.(?!instrument\b)", "rcov_under_test.", text)
            text = re.sub(r"\bfrom rcov import\b", "from rcov_under_test import", text)
            text = re.sub(
                r"^import rcov$", "import rcov_under_test as rcov", text, flags=re.MULTILINE
            )
            (tests / name).write_text(text, "utf-8")
    work = tmp_path / "work"
    work.mkdir()
    args = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"]
    expected = run_coverage(args, src, work, source=["rcov_under_test"])
    assert expected.files, f"coverage.py measured nothing:\n{expected.stdout}\n{expected.stderr}"
    actual = run_rcov(args, src, work, source=["rcov_under_test"])
    assert actual.returncode == expected.returncode, actual.stdout + actual.stderr
    _agreement.add(expected.files, actual.files)
    problems = compare(expected.files, actual.files)
    assert not problems, "rcov differs from coverage.py on its own package:\n" + "\n".join(problems)
