"""Generated programs (tests/progen.py: every statement kind, nested at
random) behave the same rewritten and measured as compiled plainly, and their
line maps hold together (tests/progcheck.py says what is checked).

A fast sample of 400 programs runs here; `scripts/generated_programs.py`
runs as many as asked (10,000 and more).
"""

from __future__ import annotations

import ast

import pytest
from progcheck import check
from progen import generate

SAMPLE = 400
CHUNK = 50


@pytest.mark.parametrize("first", range(0, SAMPLE, CHUNK))
def test_generated_programs_behave_the_same(first: int) -> None:
    failures = {seed: problems for seed in range(first, first + CHUNK) if (problems := check(seed))}
    assert not failures, "\n\n".join(f"seed {seed}: {p[0]}" for seed, p in failures.items())


def test_the_sample_holds_every_statement_kind() -> None:
    kinds = {
        type(node)
        for seed in range(SAMPLE)
        for node in ast.walk(ast.parse(generate(seed)))
        if isinstance(node, ast.stmt)
    }
    # TypeAlias is 3.12's newest statement; nothing newer exists in 3.13.
    assert kinds == set(ast.stmt.__subclasses__())


def test_the_sample_takes_both_ways_out() -> None:
    """Some programs end in an uncaught exception, most do not, so both
    endings are compared."""
    from progcheck import run

    endings = [run(compile(generate(seed), "g", "exec"))[1] is None for seed in range(60)]
    assert any(endings) and not all(endings)
