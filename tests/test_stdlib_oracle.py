"""CPython's own regression tests of a few standard-library modules pass and
fail the same with rcov measuring those modules as without it (the fast
slice of scripts/stdlib_oracle.py, which runs 33 modules' tests)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "stdlib_oracle.py"
spec = importlib.util.spec_from_file_location("stdlib_oracle", SCRIPT)
assert spec is not None and spec.loader is not None
oracle = importlib.util.module_from_spec(spec)
sys.modules["stdlib_oracle"] = oracle
spec.loader.exec_module(oracle)

if importlib.util.find_spec("test.libregrtest") is None:
    pytest.skip(
        "this interpreter has no regression tests (Debian: libpython3.X-testsuite)",
        allow_module_level=True,
    )


@pytest.mark.parametrize("test", oracle.FAST_TESTS)
def test_regression_tests_end_the_same(test: str, tmp_path: Path) -> None:
    result = oracle.compare(sys.executable, test, tmp_path, timeout=600)
    assert result.plain.cases, "the plain run reported no test case"
    assert result.differences == []
    assert result.measured.status == result.plain.status
    # rcov did measure the module under test.
    assert result.measured_files >= 1
    assert result.measured_lines > 50
