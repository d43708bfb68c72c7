"""The README's "Library API" examples run as they are, from examples/api/.

Each ```python block of the section runs in its own interpreter, in a copy
of examples/api/, and must succeed; the `--show` excerpt must be what the
command prints.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from covcompare import clean_env

ROOT = Path(__file__).resolve().parent.parent


def api_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("### Library API")
    end = text.index("\n### ", start + 1)
    return text[start:end]


PYTHON_BLOCKS = re.findall(r"```python\n(.*?)```", api_section(), flags=re.DOTALL)


def test_the_section_has_examples() -> None:
    assert len(PYTHON_BLOCKS) >= 4


@pytest.mark.parametrize("block", range(len(PYTHON_BLOCKS)))
def test_python_example_runs(block: int, tmp_path: Path) -> None:
    work = tmp_path / "api"
    shutil.copytree(ROOT / "examples" / "api", work)
    proc = subprocess.run(
        [sys.executable, "-c", PYTHON_BLOCKS[block]],
        cwd=work,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip()
    assert not proc.stderr, proc.stderr


def test_show_excerpt_is_what_show_prints() -> None:
    (excerpt,) = re.findall(
        r"```\n\$ python -m rcov.instrument --show (\S+)\n(.*?)```", api_section(), re.DOTALL
    )
    path, shown = excerpt
    proc = subprocess.run(
        [sys.executable, "-m", "rcov.instrument", "--show", path],
        cwd=ROOT,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    printed = proc.stdout.splitlines()
    lines = [line for line in shown.splitlines() if line.strip() != "..."]
    assert lines
    start = printed.index(lines[0])
    assert printed[start : start + len(lines)] == lines
