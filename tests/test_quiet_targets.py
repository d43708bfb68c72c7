"""Quiet jump targets (runtime/src/quiet_targets.rs).

CPython makes every jump target a line start; a jump from the same line
(`a if c else b`, `x or y`) then enters the LINE instrumentation on every
pass without ever calling rcov, so rcov could never disable it. rcov drops
the location of such targets (and of quiet jumps that stay on their line)
where nothing can tell. These tests check the effect on the running
interpreter, and the rule itself against `dis` over part of the standard
library.
"""

from __future__ import annotations

import dis
import itertools
import opcode
import sys
import sysconfig
import traceback
from collections.abc import Iterator
from pathlib import Path
from types import CodeType

import pytest
from rcov import _rcov

HOT = """\
class Task:
    def __init__(self, waiting, pending):
        self.waiting = waiting
        self.pending = pending

    def take(self):
        return 1


def step(task, limit):
    packet = task.take() if task.waiting or task.pending else None
    size = 2 if packet else 3
    flag = task.waiting and task.pending
    if limit < 0:
        raise ValueError("never")
    return packet, size, flag
"""


def instrumented_lines(code: CodeType) -> list[tuple[int, int | None]]:
    """(offset, line) of each instruction of `code` that holds an
    INSTRUMENTED_LINE now."""
    marker = dis.opmap["INSTRUMENTED_LINE"]
    raw = code._co_code_adaptive  # type: ignore[attr-defined]
    return [
        (ins.offset, ins.positions.lineno if ins.positions else None)
        for ins in dis.get_instructions(code)
        if raw[ins.offset] == marker
    ]


@pytest.mark.parametrize("branch", [False, True], ids=["line", "branch"])
def test_same_line_jump_targets_stop_costing_once_run(branch: bool, tmp_path: Path) -> None:
    filename = str(tmp_path / "hot.py")
    collector = _rcov.Collector(branch=branch)
    namespace: dict[str, object] = {"__name__": "hot"}
    exec(collector.compile(HOT, filename), namespace)  # noqa: S102 - the test program
    step = namespace["step"]
    task = namespace["Task"]
    collector.start()
    try:
        for waiting, pending in [(True, False), (False, True), (False, False)] * 3:
            step(task(waiting, pending), 1)  # type: ignore[operator]
        left = instrumented_lines(step.__code__)  # type: ignore[attr-defined]
    finally:
        collector.stop()
    # Only the line that never ran (the raise) may still be armed: every
    # site on a line that ran was reported once and disabled. Before 3.13 a
    # conditional jump calls `__bool__` itself, so it keeps its location, and
    # the value of `x and y` joins on a store, which can run a `__del__`: that
    # one site (line 13) stays armed there.
    may_stay = {15} if "TO_BOOL" in opcode.opmap else {13, 15}
    assert {line for _, line in left} <= may_stay, left
    executed = collector.executed()[filename][0]
    assert {11, 12, 13, 14, 16} <= set(executed)
    assert 15 not in executed


def test_errors_in_conditional_expressions_keep_their_lines(tmp_path: Path) -> None:
    source = (
        "def pick(flag, values):\n"
        "    first = values[0] if flag else None\n"
        "    second = values[1] if flag or first else values[2]\n"
        "    return first, second\n"
    )
    filename = str(tmp_path / "pick.py")
    for branch in (False, True):
        namespace: dict[str, object] = {}
        exec(_rcov.Collector(branch=branch).compile(source, filename), namespace)  # noqa: S102 - the test program
        pick = namespace["pick"]
        for flag, values, line in [(True, [], 2), (True, [1], 3), (False, [], 3)]:
            with pytest.raises(IndexError) as caught:
                pick(flag, values)  # type: ignore[operator]
            assert traceback.extract_tb(caught.value.__traceback__)[-1].lineno == line


# The rule, written again with `dis` for the jump targets.
QUIET = {
    "NOP",
    "NOT_TAKEN",
    "LOAD_CONST",
    "LOAD_SMALL_INT",
    "LOAD_FAST",
    "LOAD_FAST_BORROW",
    "LOAD_FAST_LOAD_FAST",
    "LOAD_FAST_BORROW_LOAD_FAST_BORROW",
    "PUSH_NULL",
    "COPY",
    "SWAP",
    "JUMP_FORWARD",
}
if "TO_BOOL" in opcode.opmap:  # conditional jumps then take exact bools
    QUIET |= {"POP_JUMP_IF_TRUE", "POP_JUMP_IF_FALSE"}


def handler_offsets(code: CodeType) -> set[int]:
    values, value = [], 0
    for byte in code.co_exceptiontable:
        value = (value << 6) | (byte & 0x3F)
        if not byte & 0x40:
            values.append(value)
            value = 0
    return {2 * values[i + 2] for i in range(0, len(values) - 3, 4)}


def jump_targets(ins: dis.Instruction) -> list[int]:
    target = getattr(ins, "jump_target", None)
    if target is None and ins.opcode in dis.hasjrel:
        target = ins.argval
    if target is None:
        return []
    # An iterator's exit lands on the END_FOR/END_SEND or just past it.
    return [target, target + 2] if ins.opname in ("FOR_ITER", "SEND") else [target]


def expected_quiet(code: CodeType) -> set[int]:
    instructions = list(dis.get_instructions(code))
    line = {ins.offset: ins.positions.lineno if ins.positions else None for ins in instructions}
    handlers = handler_offsets(code)
    sources: dict[int, list[int | None]] = {}
    for ins in instructions:
        for target in jump_targets(ins):
            sources.setdefault(target, []).append(line[ins.offset])
    quiet = set()
    for before, ins in itertools.pairwise(instructions):
        here = line[ins.offset]
        targets = jump_targets(ins)
        stays = bool(targets) and all(line.get(t) == here for t in targets)
        if (
            ins.opname in QUIET
            and here is not None
            and (ins.offset in sources or stays)
            and all(source == here for source in sources.get(ins.offset, []))
            and ins.offset not in handlers
            and line[before.offset] == here
            and before.opname not in ("RESUME", "EXTENDED_ARG")
        ):
            quiet.add(ins.offset)
    return quiet


def pairs(plain: CodeType, rebuilt: CodeType) -> Iterator[tuple[CodeType, CodeType]]:
    yield plain, rebuilt
    children = [c for c in rebuilt.co_consts if isinstance(c, CodeType)]
    originals = [c for c in plain.co_consts if isinstance(c, CodeType)]
    assert len(children) == len(originals)
    for original, child in zip(originals, children):
        yield from pairs(original, child)


STDLIB_SAMPLE = [
    "argparse.py",
    "ast.py",
    "collections/__init__.py",
    "dataclasses.py",
    "difflib.py",
    "email/_header_value_parser.py",
    "inspect.py",
    "json/decoder.py",
    "pathlib.py",
    "pydoc.py",
    "statistics.py",
    "textwrap.py",
    "typing.py",
    "asyncio/base_events.py",
]


def test_quiet_locations_follow_the_rule_over_the_standard_library() -> None:
    """In line mode rcov compiles the file as it is, so its code objects
    match a plain compile instruction for instruction: exactly the
    instructions the rule names lose their location, and no other line
    changes."""
    root = Path(sysconfig.get_paths()["stdlib"])
    dropped = 0
    checked = 0
    for name in STDLIB_SAMPLE:
        path = root / name
        if not path.exists():  # pathlib is a package from 3.13 on
            continue
        checked += 1
        source = path.read_text(encoding="utf-8")
        plain = compile(source, str(path), "exec", dont_inherit=True)
        rebuilt = _rcov.Collector(branch=False).compile(source, str(path))
        for original, code in pairs(plain, rebuilt):
            assert code.co_code == original.co_code
            quiet = expected_quiet(original)
            dropped += len(quiet)
            for ins, new in zip(dis.get_instructions(original), dis.get_instructions(code)):
                want = None if ins.offset in quiet else ins.positions.lineno
                got = new.positions.lineno if new.positions else None
                assert got == want, f"{name}:{code.co_qualname} @{ins.offset} {ins.opname}"
    assert checked >= 12
    assert dropped > 100  # the rule does apply to real code


def test_counting_keeps_every_location(tmp_path: Path) -> None:
    """Line counts follow jumps by their targets' lines, so a counting
    collector leaves the code as CPython compiled it."""
    filename = str(tmp_path / "hot.py")
    plain = compile(HOT, filename, "exec", dont_inherit=True)
    counted = _rcov.Collector(branch=False, count=True).compile(HOT, filename)
    for original, code in pairs(plain, counted):
        assert list(code.co_lines()) == list(original.co_lines())


def test_a_tracer_sees_the_line_again_and_nothing_else(tmp_path: Path) -> None:
    """The documented difference: a `sys.settrace` tracer gets repeated
    `line` events for a line with quiet targets, never another line or
    event."""
    source = "def f(a, b):\n    x = a.real if a or b else None\n    return x\n"
    filename = str(tmp_path / "traced.py")

    def events(code: CodeType) -> list[tuple[str, int | None]]:
        namespace: dict[str, object] = {}
        exec(code, namespace)  # noqa: S102 - the test program
        seen: list[tuple[str, int | None]] = []

        def tracer(frame, event, arg):  # type: ignore[no-untyped-def]
            if frame.f_code.co_name == "f":
                seen.append((event, frame.f_lineno))
            return tracer

        sys.settrace(tracer)
        try:
            for a, b in [(0, 1), (1, 0), (0, 0)]:
                namespace["f"](a, b)  # type: ignore[operator]
        finally:
            sys.settrace(None)
        return seen

    plain = events(compile(source, filename, "exec", dont_inherit=True))
    rebuilt = events(_rcov.Collector(branch=False).compile(source, filename))
    deduplicated = [e for i, e in enumerate(rebuilt) if i == 0 or e != rebuilt[i - 1]]
    assert deduplicated == plain
    assert len(rebuilt) > len(plain)
