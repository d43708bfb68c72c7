"""Random valid Python programs covering every statement kind, for testing
that rcov's rewrite changes nothing a program does.

`generate(seed)` returns the text of a deterministic, terminating program:
functions, generators, coroutines, classes and top-level code built from
every kind of statement (simple and compound, one-line bodies and
semicolons included), nested at random, printing as it goes so that the
output records the path taken. Loops are bounded; integer division and
`assert`/`raise` make some paths end in exceptions, which callers catch and
print, and some programs end with an uncaught exception on purpose.

Programs use the syntax of Python 3.12 (PEP 695 type parameters and `type`
statements included) and run the same on 3.12 and later.
"""

from __future__ import annotations

import random

INT_NAMES = ("a", "b", "c", "n")


class Generator:
    """Builds one program; `lines` collects it, four spaces per level."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.lines: list[str] = []
        self.counter = 0
        self.max_depth = self.rng.randint(2, 5)

    # -- helpers --------------------------------------------------------------------------

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def emit(self, depth: int, text: str) -> None:
        self.lines.append("    " * depth + text)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def int_expr(self, level: int = 0) -> str:
        r = self.rng.random()
        if level > 2 or r < 0.35:
            return self.rng.choice([*INT_NAMES, "0", "1", "2", "3", "7", "-1"])
        op = self.rng.choice(["+", "-", "*", "//", "%", "&", "|", "^"])
        if op in ("//", "%") and self.chance(0.7):
            # Mostly safe divisors; sometimes one that can be zero.
            return (
                f"({self.int_expr(level + 1)} {op} {self.rng.choice(['3', '5', '(abs(n) + 1)'])})"
            )
        if r < 0.45:
            return f"({self.int_expr(level + 1)} if {self.cond(level + 1)} else {self.int_expr(level + 1)})"
        if r < 0.5:
            return f"len([x for x in range(abs({self.int_expr(3)}) % 4) if x % 2 == 0])"
        if r < 0.55:
            return f"sum(x * 2 for x in range(3) if {self.cond(level + 1)})"
        return f"({self.int_expr(level + 1)} {op} {self.int_expr(level + 1)})"

    def cond(self, level: int = 0) -> str:
        r = self.rng.random()
        if level > 2 or r < 0.4:
            cmp = self.rng.choice(["<", ">", "==", "!=", "<=", ">="])
            return f"{self.rng.choice(INT_NAMES)} {cmp} {self.rng.randint(-2, 4)}"
        if r < 0.55:
            return f"not ({self.cond(level + 1)})"
        if r < 0.7:
            return (
                f"({self.cond(level + 1)} {self.rng.choice(['and', 'or'])} {self.cond(level + 1)})"
            )
        if r < 0.8:
            return f"(t := {self.int_expr(level + 1)}) > 1"
        if r < 0.9:
            return f"{self.rng.randint(-1, 3)} < {self.rng.choice(INT_NAMES)} < {self.rng.randint(2, 6)}"
        return self.rng.choice(["True", "False", "0", "1", "s", "lst", "not lst"])

    def say(self, depth: int, what: str | None = None) -> None:
        tag = self.fresh("p")
        detail = what or self.rng.choice(INT_NAMES)
        self.emit(depth, f"print({tag!r}, {detail})")

    # -- statements -----------------------------------------------------------------------

    def body(self, depth: int, ctx: dict[str, bool], count: int | None = None) -> None:
        for _ in range(count or self.rng.randint(1, 3)):
            self.statement(depth, ctx)

    def statement(self, depth: int, ctx: dict[str, bool]) -> None:
        nesting = len(self.lines) < 400 and depth < self.max_depth + 1
        kinds = ["assign", "augassign", "print", "print", "simple_line"]
        if ctx.get("loop"):
            kinds += ["break", "continue"]
        if ctx.get("function"):
            kinds += ["return"]
        if ctx.get("generator"):
            kinds += ["yield", "yield"]
        if ctx.get("coroutine"):
            kinds += ["await", "async_for", "async_with"]
        kinds += ["assert", "raise", "del", "pass", "annassign", "global", "import", "one_line_if"]
        if nesting:
            kinds += ["if", "if", "for", "while", "try", "try_star", "with", "match", "match"]
            kinds += ["one_line_for", "nested_def", "class"]
        getattr(self, "stmt_" + self.rng.choice(kinds))(depth, ctx)

    def stmt_assign(self, depth: int, ctx: dict[str, bool]) -> None:
        target = self.rng.choice(INT_NAMES)
        if self.chance(0.2):
            other = self.rng.choice(INT_NAMES)
            self.emit(depth, f"{target}, {other} = {other}, {self.int_expr()}")
        else:
            self.emit(depth, f"{target} = {self.int_expr()}")

    def stmt_augassign(self, depth: int, ctx: dict[str, bool]) -> None:
        op = self.rng.choice(["+=", "-=", "*=", "|=", "^="])
        self.emit(depth, f"{self.rng.choice(INT_NAMES)} {op} {self.int_expr(1)}")

    def stmt_annassign(self, depth: int, ctx: dict[str, bool]) -> None:
        self.emit(depth, f"{self.rng.choice(INT_NAMES)}: int = {self.int_expr(1)}")

    def stmt_print(self, depth: int, ctx: dict[str, bool]) -> None:
        self.say(depth, self.int_expr())

    def stmt_simple_line(self, depth: int, ctx: dict[str, bool]) -> None:
        # Several simple statements on one line.
        self.emit(
            depth, f"a = {self.int_expr(2)}; lst.append(a % 10); print({self.fresh('p')!r}, a)"
        )

    def stmt_break(self, depth: int, ctx: dict[str, bool]) -> None:
        self.emit(depth, f"if {self.cond()}: break")

    def stmt_continue(self, depth: int, ctx: dict[str, bool]) -> None:
        self.emit(depth, f"if {self.cond()}:")
        self.say(depth + 1, "'continue'")
        self.emit(depth + 1, "continue")

    def stmt_return(self, depth: int, ctx: dict[str, bool]) -> None:
        self.emit(depth, f"if {self.cond()}: return {self.int_expr()}")

    def stmt_yield(self, depth: int, ctx: dict[str, bool]) -> None:
        if self.chance(0.3):
            self.emit(depth, "yield from range(abs(a) % 3)")
        else:
            self.emit(depth, f"yield {self.int_expr()}")

    def stmt_await(self, depth: int, ctx: dict[str, bool]) -> None:
        self.emit(depth, f"a = await step({self.int_expr(1)})")

    def stmt_async_for(self, depth: int, ctx: dict[str, bool]) -> None:
        var = self.fresh("i")
        self.emit(depth, f"async for {var} in ticks({self.rng.randint(0, 3)}):")
        self.body(depth + 1, {**ctx, "loop": True})
        if self.chance(0.3):
            self.emit(depth, "else:")
            self.body(depth + 1, ctx)

    def stmt_async_with(self, depth: int, ctx: dict[str, bool]) -> None:
        self.emit(
            depth, "async with Manager(swallow={}) as m:".format(self.rng.choice(["True", "False"]))
        )
        self.body(depth + 1, ctx)

    def stmt_assert(self, depth: int, ctx: dict[str, bool]) -> None:
        self.emit(depth, f"assert {self.cond()}, ({self.fresh('assert')!r}, a, b)")

    def stmt_raise(self, depth: int, ctx: dict[str, bool]) -> None:
        exc = self.rng.choice(["ValueError", "KeyError", "RuntimeError", "Oops"])
        self.emit(depth, f"if {self.cond()}:")
        self.emit(depth + 1, f"raise {exc}({self.fresh('raise')!r})")

    def stmt_del(self, depth: int, ctx: dict[str, bool]) -> None:
        self.emit(depth, "lst.append(9); del lst[-1]")

    def stmt_pass(self, depth: int, ctx: dict[str, bool]) -> None:
        self.emit(depth, "pass")

    def stmt_global(self, depth: int, ctx: dict[str, bool]) -> None:
        if ctx.get("function") and not ctx.get("global_used"):
            # Only valid before any use of the name in this scope: a helper.
            name = self.fresh("bump")
            self.emit(depth, f"def {name}():")
            self.emit(depth + 1, "global counter")
            self.emit(depth + 1, "counter += 1")
            self.emit(depth, f"{name}()")
        else:
            self.emit(depth, "counter = counter + 1")

    def stmt_import(self, depth: int, ctx: dict[str, bool]) -> None:
        self.emit(
            depth,
            self.rng.choice(["import math", "from functools import reduce", "import os.path"]),
        )

    def stmt_one_line_if(self, depth: int, ctx: dict[str, bool]) -> None:
        self.emit(depth, f"if {self.cond()}: print({self.fresh('p')!r}); b = {self.int_expr(2)}")
        if self.chance(0.5):
            self.emit(depth, f"elif {self.cond()}: print({self.fresh('p')!r})")
        if self.chance(0.5):
            self.emit(depth, f"else: c = {self.int_expr(2)}")

    def stmt_one_line_for(self, depth: int, ctx: dict[str, bool]) -> None:
        self.emit(depth, f"for i in range(abs(b) % 3): a += i; print({self.fresh('p')!r}, a)")

    def stmt_if(self, depth: int, ctx: dict[str, bool]) -> None:
        self.emit(depth, f"if {self.cond()}:")
        self.body(depth + 1, ctx)
        for _ in range(self.rng.choice([0, 0, 1, 2])):
            self.emit(depth, f"elif {self.cond()}:")
            self.body(depth + 1, ctx)
        if self.chance(0.5):
            self.emit(depth, "else:")
            self.body(depth + 1, ctx)

    def stmt_for(self, depth: int, ctx: dict[str, bool]) -> None:
        var = self.fresh("i")
        iterable = self.rng.choice(
            [
                f"range({self.rng.randint(0, 4)})",
                "list(lst[:3])",
                "s",
                "enumerate('xyz'[:abs(a) % 4])",
            ]
        )
        target = f"({var}, _)" if iterable.startswith("enumerate") else var
        self.emit(depth, f"for {target} in {iterable}:")
        self.body(depth + 1, {**ctx, "loop": True})
        if self.chance(0.4):
            self.emit(depth, "else:")
            self.body(depth + 1, ctx)

    def stmt_while(self, depth: int, ctx: dict[str, bool]) -> None:
        guard = self.fresh("w")
        self.emit(depth, f"{guard} = 0")
        form = self.rng.random()
        if form < 0.3:
            self.emit(depth, "while True:")
            self.emit(depth + 1, f"{guard} += 1")
            self.emit(depth + 1, f"if {guard} > {self.rng.randint(1, 3)}: break")
        else:
            self.emit(
                depth,
                f"while {guard} < {self.rng.randint(0, 3)} and ({self.cond()} or {guard} < 2):",
            )
            self.emit(depth + 1, f"{guard} += 1")
        self.body(depth + 1, {**ctx, "loop": True})
        if self.chance(0.3):
            self.emit(depth, "else:")
            self.body(depth + 1, ctx)

    def stmt_try(self, depth: int, ctx: dict[str, bool]) -> None:
        self.emit(depth, "try:")
        self.body(depth + 1, ctx)
        handlers = self.rng.choice([0, 1, 1, 2])
        for i in range(handlers):
            exc = self.rng.choice(
                ["ZeroDivisionError", "(ValueError, KeyError)", "Oops", "AssertionError"]
            )
            name = " as e" if self.chance(0.5) else ""
            self.emit(depth, f"except {exc}{name}:")
            self.say(depth + 1, "'caught'" if not name else "type(e).__name__")
            if self.chance(0.5):
                self.body(depth + 1, ctx, 1)
        if handlers and self.chance(0.3):
            self.emit(depth, "else:")
            self.body(depth + 1, ctx)
        if not handlers or self.chance(0.3):
            self.emit(depth, "finally:")
            self.say(depth + 1, "'finally'")

    def stmt_try_star(self, depth: int, ctx: dict[str, bool]) -> None:
        if ctx.get("loop") or ctx.get("function"):
            # break/continue/return are not allowed in except* bodies: keep them out.
            ctx = {
                k: v
                for k, v in ctx.items()
                if k not in ("loop", "function", "generator", "coroutine")
            }
        self.emit(depth, "try:")
        self.emit(
            depth + 1, f"if {self.cond()}: raise ExceptionGroup('g', [ValueError(1), KeyError(2)])"
        )
        self.body(depth + 1, ctx, 1)
        self.emit(depth, "except* ValueError:")
        self.say(depth + 1, "'star value'")
        self.emit(depth, "except* KeyError as eg:")
        self.say(depth + 1, "len(eg.exceptions)")

    def stmt_with(self, depth: int, ctx: dict[str, bool]) -> None:
        manager = self.rng.choice(["Manager()", "Manager(swallow=True)", "nullcontext(a)"])
        target = " as m" if self.chance(0.5) else ""
        if self.chance(0.3):
            self.emit(depth, f"with {manager}{target}, Manager(): print({self.fresh('p')!r})")
            return
        self.emit(depth, f"with {manager}{target}:")
        self.body(depth + 1, ctx)

    def stmt_match(self, depth: int, ctx: dict[str, bool]) -> None:
        subject = self.rng.choice(
            ["a", "(a, b)", "Point(a, b)", "{'k': a, 'n': n}", "lst[:2]", "s"]
        )
        self.emit(depth, f"match {subject}:")
        patterns = [
            f"case {self.rng.randint(-1, 3)}:",
            f"case {self.rng.randint(0, 2)} | {self.rng.randint(3, 5)}:",
            f"case x if x > {self.rng.randint(0, 3)}:",
            "case (0, y):",
            "case (x, y) if x == y:",
            "case [x, *rest]:",
            "case []:",
            "case Point(x=0, y=y):",
            "case Point(x, y) if x > y:",
            "case {'k': 0}:",
            "case {'k': k, **others}:",
            "case str() as text:",
            "case int(x):",
        ]
        for pattern in self.rng.sample(patterns, self.rng.randint(1, 4)):
            if self.chance(0.3):
                self.emit(depth + 1, f"{pattern} print({self.fresh('p')!r})")
            else:
                self.emit(depth + 1, pattern)
                self.body(depth + 2, ctx)
        if self.chance(0.4):
            self.emit(depth + 1, "case _:")
            self.body(depth + 2, ctx)

    def stmt_nested_def(self, depth: int, ctx: dict[str, bool]) -> None:
        name = self.fresh("inner")
        self.emit(depth, f"def {name}(a, b=1, *args, c=2, **kw):")
        self.emit(depth + 1, "n = len(args)")
        if self.chance(0.4):
            closure = self.fresh("closure")
            self.emit(depth + 1, f"def {closure}():")
            self.emit(depth + 2, "nonlocal n")
            self.emit(depth + 2, f"n += {self.rng.randint(1, 3)}")
            self.emit(depth + 2, "return lambda x=n: x * 2")
            self.emit(depth + 1, f"a += {closure}()()")
        self.body(depth + 1, {"function": True})
        self.emit(depth + 1, "return a + b")
        self.emit(depth, f"a = {name}(a, c, 1)")

    def stmt_class(self, depth: int, ctx: dict[str, bool]) -> None:
        name = self.fresh("K")
        self.emit(depth, f"class {name}:")
        self.emit(depth + 1, f"'''A docstring of {name}.'''")
        self.emit(depth + 1, f"size = {self.int_expr(2)}")
        self.emit(depth + 1, "def get(self, a=0):")
        self.body(depth + 2, {"function": True})
        self.emit(depth + 2, "return self.size + a")
        self.emit(depth, f"b = {name}().get(b)")

    # -- the program ----------------------------------------------------------------------

    def function(self, name: str) -> None:
        kind = self.rng.random()
        decorator = self.chance(0.2)
        if decorator:
            self.emit(0, "@traced")
        if kind < 0.15:
            self.emit(0, f"def {name}(a, b=2, c=3):")
            self.emit(1, "n = 0")
            self.body(1, {"function": True, "generator": True}, self.rng.randint(2, 4))
            self.emit(1, "yield a")
            self.calls.append(f"list({name}(a, b))")
        elif kind < 0.25:
            self.emit(0, f"async def {name}(a, b=2, c=3):")
            self.emit(1, "n = 0")
            self.body(1, {"function": True, "coroutine": True}, self.rng.randint(2, 4))
            self.emit(1, "return a")
            self.calls.append(f"drive({name}(a, b))")
        elif kind < 0.35:
            self.emit(0, f"def {name}[T](a: T, b: int = 2, c=3) -> T:")
            self.emit(1, "n = 1")
            self.body(1, {"function": True}, self.rng.randint(2, 4))
            self.emit(1, "return a")
            self.calls.append(f"{name}(a, b)")
        else:
            self.emit(0, f"def {name}(a, b=2, c=3):")
            self.emit(1, f"'''{name}'s docstring.'''" if self.chance(0.3) else "n = a")
            self.emit(1, "n = a - b")
            self.body(1, {"function": True}, self.rng.randint(2, 5))
            self.emit(1, "return a + b")
            self.calls.append(f"{name}(a, b)")

    def program(self) -> str:
        self.calls: list[str] = []
        self.lines.extend(PRELUDE.splitlines())
        for _ in range(self.rng.randint(1, 4)):
            self.function(self.fresh("f"))
            self.lines.append("")
        self.emit(0, "def main(a, b):")
        self.emit(1, "c = n = 1")
        self.body(1, {"function": True}, self.rng.randint(1, 4))
        self.emit(1, "return a")
        self.calls.append("main(a, b)")
        self.lines.append("")
        self.emit(0, "type Alias = list[int]")
        self.emit(0, "for a, b in [(0, 0), (1, 2), (3, -1), (-2, 5), (4, 4)]:")
        self.emit(1, "c = n = 1")
        self.emit(1, "for call in (" + ", ".join(f"lambda: {c}" for c in self.calls) + ",):")
        self.emit(2, "try:")
        self.emit(3, "print('->', call())")
        self.emit(2, "except Exception as exc:")
        self.emit(3, "print('!!', type(exc).__name__, exc)")
        self.emit(0, "print('counter', counter, lst[-5:])")
        if self.chance(0.15):
            # An uncaught exception: the traceback must be the same too.
            self.emit(0, f"{self.calls[0].replace('(a, b)', '(3, 0)')}")
            self.emit(0, "print(1 // (a - a))")
        return "\n".join(self.lines) + "\n"


PRELUDE = """\
from contextlib import nullcontext
from dataclasses import dataclass

counter = 0
lst = [1, 2, 3]
s = "ab"
a = b = c = n = 1


class Oops(Exception):
    pass


@dataclass
class Point:
    x: int
    y: int


class Manager:
    def __init__(self, swallow=False):
        self.swallow = swallow

    def __enter__(self):
        print("enter")
        return self

    def __exit__(self, kind, value, tb):
        print("exit", kind.__name__ if kind else None)
        return self.swallow

    async def __aenter__(self):
        return self.__enter__()

    async def __aexit__(self, kind, value, tb):
        return self.__exit__(kind, value, tb)


async def ticks(count):
    for i in range(count):
        yield i


def traced(function):
    def wrapper(*args, **kwargs):
        print("call", function.__name__)
        return function(*args, **kwargs)
    return wrapper


async def step(x):
    return x + 1


def drive(coroutine):
    try:
        coroutine.send(None)
    except StopIteration as stop:
        return stop.value
    raise RuntimeError("suspended")

"""


def generate(seed: int) -> str:
    """The program for `seed` (the same text for the same seed)."""
    return Generator(seed).program()


if __name__ == "__main__":
    import sys

    sys.stdout.write(generate(int(sys.argv[1]) if len(sys.argv) > 1 else 0))
