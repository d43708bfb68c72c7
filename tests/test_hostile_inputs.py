"""Inputs nobody writes on purpose: rcov must not change what the program does.

Each test writes a small program (and the modules it imports) to a temporary
directory and runs it twice, plainly and under
`python -m rcov.instrument --branch`: stdout, stderr and the exit status must
be the same, byte for byte, apart from rcov's own `rcov: ...` warnings that a
test names. Where rcov should measure a file, the JSON report says it did.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from covcompare import clean_env, rcov_command

DEPTH = 10_000
MEGABYTE = 1 << 20


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        command, check=False, cwd=cwd, env=clean_env(), capture_output=True, timeout=300
    )


def write(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")


def measured_files(report: Path) -> dict[str, list[int]]:
    """File name -> executed lines, from rcov's JSON report."""
    files = json.loads(report.read_text("utf-8"))["files"]
    return {name: data["executed_lines"] for name, data in files.items()}


def _stack_use_hidden(output: bytes) -> bytes:
    """Python 3.14+ says how much C stack a too-deep compile used ("stack
    overflow (used 8160 kB)"); rcov's few frames below the program change
    that number by a few kB, and nothing else."""
    return re.sub(rb"\(used \d+ kB\)", b"(used N kB)", output)


def same_behaviour(
    cwd: Path, program: str = "prog.py", *, warnings: tuple[str, ...] = ()
) -> dict[str, list[int]]:
    """Run `program` plainly and under rcov; assert they behave the same
    (rcov's stderr may add exactly `warnings`, one line each). Returns what
    rcov measured."""
    plain = run([sys.executable, program], cwd)
    report = cwd / "rcov-report.json"
    measured = run(rcov_command([program], json_file=report), cwd)
    expected_stderr = plain.stderr + b"".join(f"{w}\n".encode() for w in warnings)
    plain_out, measured_out = _stack_use_hidden(plain.stdout), _stack_use_hidden(measured.stdout)
    assert measured_out.decode(errors="replace") == plain_out.decode(errors="replace")
    assert _stack_use_hidden(measured.stderr).decode(errors="replace") == _stack_use_hidden(
        expected_stderr
    ).decode(errors="replace")
    assert measured_out == plain_out
    assert measured.returncode == plain.returncode
    return measured_files(report)


# Each module below is one hostile input, imported by a program that prints
# what the import did, so a difference in the error (type, message, line)
# shows in stdout.
IMPORT_AND_REPORT = """\
import sys
sys.setrecursionlimit(10**6)  # a deep structure must not be saved by a limit
for name in sys.argv[1:] or {names!r}:
    try:
        module = __import__(name)
    except BaseException as exc:
        print(name, type(exc).__name__, getattr(exc, "msg", exc), getattr(exc, "lineno", None))
    else:
        print(name, "imported", getattr(module, "result", None))
"""


def importing(names: list[str]) -> str:
    return IMPORT_AND_REPORT.format(names=names)


DEEP_MODULES: dict[str, str | bytes] = {
    # What CPython refuses (too many parentheses / indentation levels, parser
    # or compiler stack exhausted), rcov must neither crash on nor accept.
    "deep_parens.py": "result = " + "(" * DEPTH + "1" + ")" * DEPTH + "\n",
    "deep_brackets.py": "result = " + "[" * DEPTH + "]" * DEPTH + "\n",
    "deep_unary.py": "result = " + "-" * DEPTH + "1\n",
    "deep_not.py": "result = " + "not " * DEPTH + "1\n",
    "deep_lambda.py": "result = " + "lambda: " * DEPTH + "1\n",
    "deep_if.py": "".join(" " * i + "if 1:\n" for i in range(DEPTH)) + " " * DEPTH + "pass\n",
    "deep_tabs.py": "".join("\t" * i + "while 0:\n" for i in range(DEPTH))
    + "\t" * DEPTH
    + "pass\n",
    "deep_attribute.py": "class A:\n    pass\na = A()\na.a = a\nresult = a"
    + ".a" * DEPTH
    + " is a\n",
    "deep_subscript.py": "a = [0]\na[0] = a\nresult = a" + "[0]" * DEPTH + " is a\n",
    "deep_call.py": "f = lambda: f\nresult = f" + "()" * DEPTH + " is f\n",
    "long_sum.py": "result = " + "+".join(["1"] * (DEPTH * 10)) + "\n",
    # A megabyte of nesting on one line: deep enough to overflow any stack
    # that recursed once per level (rcov refuses it before parsing).
    "mega_unary.py": "result = " + "-" * MEGABYTE + "1\n",
    "mega_attribute.py": "result = a" + ".a" * (MEGABYTE // 2) + "\n",
    "mega_call.py": "result = f" + "()" * (MEGABYTE // 2) + "\n",
    "mega_sum.py": "result = 1" + "+1" * (MEGABYTE // 2) + "\n",
    "mega_ternary.py": "result = " + "1 if 1 else " * (MEGABYTE // 12) + "1\n",
    "mega_fstring.py": "result = f'{" + "-" * MEGABYTE + "1}'\n",
    # Deep but accepted by CPython: measured like any other file.
    "deep_ok_parens.py": "result = " + "(" * 190 + "1" + ")" * 190 + "\n",
    "deep_ok_if.py": "".join(" " * i + "if 1:\n" for i in range(95))
    + " " * 95
    + "result = 'deep'\n",
    "long_compare.py": "result = " + " < ".join(map(str, range(DEPTH * 10))) + "\n",
    "long_and.py": "result = " + " and ".join(["1"] * (DEPTH * 10)) + "\n",
    "long_else_if.py": "x = 5\nif x == 0:\n    result = 0\n"
    + "".join(f"elif x == {i}:\n    result = {i}\n" for i in range(1, DEPTH // 4))
    + "else:\n    result = -1\n",
}


def test_deep_nesting(tmp_path: Path) -> None:
    names = sorted(name.removesuffix(".py") for name in DEEP_MODULES)
    write(tmp_path, {**DEEP_MODULES, "prog.py": importing(names)})
    measured = same_behaviour(tmp_path)
    accepted = [
        "deep_ok_parens.py",
        "deep_ok_if.py",
        "long_compare.py",
        "long_and.py",
        "long_else_if.py",
    ]
    for name in accepted:
        assert name in measured, name
    assert 1 in measured["deep_ok_parens.py"]
    assert 96 in measured["deep_ok_if.py"]
    assert measured["long_else_if.py"][-2:] == [12, 13]  # `elif x == 5:` and its body


def test_megabyte_lines(tmp_path: Path) -> None:
    numbers = ",".join(["7"] * (MEGABYTE // 2))
    write(
        tmp_path,
        {
            "long_list.py": f"data = [{numbers}]\nresult = len(data) if data else 0\n",
            "long_string.py": "result = len('" + "x" * MEGABYTE + "')\n",
            "long_branchy.py": "result = 0\n"
            + "; ".join(f"result += {i} if result % 3 else 1" for i in range(MEGABYTE // 40))
            + "\nif result > 0: result = 'positive'\n",
            "prog.py": importing(["long_list", "long_string", "long_branchy"]),
        },
    )
    measured = same_behaviour(tmp_path)
    assert measured["long_list.py"] == [1, 2]
    assert measured["long_string.py"] == [1]
    assert measured["long_branchy.py"] == [1, 2, 3]


BAD_BYTES: dict[str, str | bytes] = {
    "null_in_code.py": b"x = 1\x00\nresult = x\n",
    "null_in_string.py": b"result = 'a\x00b'\n",
    "null_in_comment.py": b"result = 1  # \x00\n",
    "latin1_without_cookie.py": b"result = '\xe9t\xe9'\n",
    "ascii_cookie_violated.py": b"# -*- coding: ascii -*-\nresult = '\xc3\xa9'\n",
    "unknown_cookie.py": b"# -*- coding: no-such-codec -*-\nresult = 1\n",
    "cookie_after_line_two.py": b"\n\n# -*- coding: latin-1 -*-\nresult = '\xe9'\n",
    "bom_and_latin1_cookie.py": b"\xef\xbb\xbf# -*- coding: latin-1 -*-\nresult = 1\n",
    "bom_and_utf8_cookie.py": b"\xef\xbb\xbf# coding: utf-8\nif True:\n    result = '\xc3\xa9'\n",
    "bom_only.py": b"\xef\xbb\xbfif True:\n    result = 'bom'\n",
    "latin1_cookie.py": b"# coding: latin-1\nif True:\n    result = '\xe9'\n",
    "lone_surrogate_escape.py": b"result = '\\ud800'.encode('utf-8', 'surrogatepass')\n",
    "mixed_tabs.py": b"if True:\n\tx = 1\n        result = x\n",
    "tab_then_spaces.py": b"def f():\n\tif True:\n\t        return 1\nresult = f()\n",
    "form_feed.py": b"\x0cif True:\n\x0c    result = 'ff'\n",
    "lone_cr.py": b"if True:\r    result = 'cr'\r",
    "no_final_newline.py": b"if True:\n    result = 'eof'",
    "only_a_backslash.py": b"result = 1 + \\\n",
}


def test_bad_bytes_and_encodings(tmp_path: Path) -> None:
    names = sorted(name.removesuffix(".py") for name in BAD_BYTES)
    write(tmp_path, {**BAD_BYTES, "prog.py": importing(names)})
    measured = same_behaviour(tmp_path)
    for name in (
        "bom_and_utf8_cookie.py",
        "bom_only.py",
        "latin1_cookie.py",
        "form_feed.py",
        "lone_cr.py",
        "no_final_newline.py",
    ):
        assert name in measured, name
        assert 3 in measured[name] or 2 in measured[name], (name, measured[name])


@pytest.mark.parametrize("name", sorted(BAD_BYTES))
def test_bad_bytes_as_the_main_script(tmp_path: Path, name: str) -> None:
    write(tmp_path, {name: BAD_BYTES[name]})
    same_behaviour(tmp_path, name)


def test_symlinked_and_duplicated_paths(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "lib/pkg/__init__.py": "",
            "lib/pkg/mod.py": """\
                def f(x):
                    if x:
                        return "yes"
                    return "no"
                """,
            "prog.py": """\
                import importlib, os, sys
                here = os.path.dirname(os.path.abspath(__file__))
                sys.path[:0] = [os.path.join(here, "lib"), os.path.join(here, "lib", "..", "lib")]
                import pkg.mod
                print(pkg.mod.f(1))
                # The same file through a symlinked directory, under another name.
                sys.path.insert(0, os.path.join(here, "linked"))
                import pkg_alias.mod
                print(pkg_alias.mod.f(0), pkg_alias.mod.__file__.endswith("linked/pkg_alias/mod.py"))
                # And through a symlinked file.
                import mod_link
                print(mod_link.f(0))
                """,
        },
    )
    (tmp_path / "linked").mkdir()
    (tmp_path / "linked" / "pkg_alias").symlink_to(tmp_path / "lib" / "pkg")
    (tmp_path / "lib" / "mod_link.py").symlink_to(tmp_path / "lib" / "pkg" / "mod.py")
    measured = same_behaviour(tmp_path)
    # One file, one key: the real path, with the lines of all three imports.
    assert [name for name in measured if name.endswith("mod.py")] == ["lib/pkg/mod.py"]
    assert measured["lib/pkg/mod.py"] == [1, 2, 3, 4]


@pytest.mark.parametrize(
    "replacement",
    [
        "def f(x):\n    return 'shorter'\n",
        "this is no longer Python (\n",
        b"\xff\xfe not even text\n",
        None,  # deleted
    ],
    ids=["shorter", "not-python", "not-text", "deleted"],
)
def test_file_changed_on_disk_during_the_run(
    tmp_path: Path, replacement: str | bytes | None
) -> None:
    write(
        tmp_path,
        {
            "mod.py": """\
                def f(x):
                    if x:
                        return "first"
                    return "second"


                def g():
                    return "more lines than the replacement"
                """,
            "prog.py": f"""\
                import importlib, os
                import mod
                print(mod.f(1), mod.g())
                replacement = {replacement!r}
                if replacement is None:
                    os.remove(mod.__file__)
                else:
                    with open(mod.__file__, "wb") as f:
                        f.write(replacement.encode() if isinstance(replacement, str) else replacement)
                print(mod.f(0))
                try:
                    importlib.reload(mod)
                    print("reloaded", mod.f(0))
                except BaseException as exc:
                    print("reload failed", type(exc).__name__)
                """,
        },
    )
    # Each run changes its own copy.
    plain_tree = tmp_path / "plain"
    rcov_tree = tmp_path / "rcov"
    for tree in (plain_tree, rcov_tree):
        tree.mkdir()
        for name in ("mod.py", "prog.py"):
            (tree / name).write_bytes((tmp_path / name).read_bytes())
    plain = run([sys.executable, "prog.py"], plain_tree)
    measured = run(rcov_command(["prog.py"]), rcov_tree)
    assert measured.stdout == plain.stdout
    assert measured.returncode == plain.returncode == 0
    # rcov may say it could not read the changed file back, but never more.
    extra = measured.stderr.decode().splitlines()
    assert all(line.startswith("rcov: ") for line in extra), extra
    assert "Traceback" not in measured.stderr.decode()


def test_zip_imports(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "bundle.zip", "w") as bundle:
        bundle.writestr("zipped/__init__.py", "")
        bundle.writestr("zipped/mod.py", "def f(x):\n    return 'zip' if x else 'no'\n")
    write(
        tmp_path,
        {
            "prog.py": """\
                import sys
                sys.path.insert(0, "bundle.zip")
                import zipped.mod, inspect
                print(zipped.mod.f(1), type(zipped.mod.__loader__).__name__)
                print(inspect.getsource(zipped.mod.f), end="")
                """
        },
    )
    measured = same_behaviour(tmp_path)
    assert list(measured) == ["prog.py"]


def test_namespace_packages(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "part_a/ns/sub/one.py": "def f():\n    return 'one'\n",
            "part_b/ns/sub/two.py": "import sys\nif sys:\n    value = 'two'\n",
            "prog.py": """\
                import sys
                sys.path[:0] = ["part_a", "part_b"]
                import ns.sub.one, ns.sub.two
                print(ns.sub.one.f(), ns.sub.two.value, list(ns.__path__) == ["part_a/ns", "part_b/ns"])
                print(ns.__spec__.origin, ns.sub.__file__)
                """,
        },
    )
    measured = same_behaviour(tmp_path)
    assert measured["part_a/ns/sub/one.py"] == [1, 2]
    assert measured["part_b/ns/sub/two.py"] == [1, 2, 3]


def test_spec_from_file_location(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "plugins/plugin.py": """\
                import inspect
                def f(x):
                    if x:
                        return "loaded"
                    return "not"
                print(__name__, __spec__.name, f(1), inspect.getsourcelines(f)[1])
                """,
            "prog.py": """\
                import importlib.util, sys
                spec = importlib.util.spec_from_file_location("my_plugin", "plugins/plugin.py")
                module = importlib.util.module_from_spec(spec)
                sys.modules["my_plugin"] = module
                spec.loader.exec_module(module)
                print(type(spec.loader).__name__, module.f(0))
                # The same file again, as a second module.
                spec = importlib.util.spec_from_file_location("again", "plugins/plugin.py")
                again = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(again)
                print(again is not module)
                """,
        },
    )
    same_behaviour(tmp_path)


def test_exec_of_source_read_from_a_measured_file(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "mod.py": """\
                def f(x):
                    if x:
                        return "taken"
                    return "not taken"
                result = f(1)
                """,
            "prog.py": """\
                import mod
                source = open(mod.__file__).read()
                namespace = {}
                exec(source, namespace)
                print(mod.result, namespace["result"], namespace["f"](0))
                exec(compile(source, mod.__file__, "exec"), namespace)
                print(namespace["f"].__code__.co_firstlineno, namespace["f"](0))
                try:
                    exec(compile(source + "1/0\\n", mod.__file__, "exec"), {})
                except ZeroDivisionError as exc:
                    import traceback
                    traceback.print_exc()
                """,
        },
    )
    measured = same_behaviour(tmp_path)
    # Only the import was measured: line 4 ran only in exec'd copies.
    assert measured["mod.py"] == [1, 2, 3, 5]


LOW_RECURSION_LIMIT = """\
import sys, threading
print(sys.getrecursionlimit())
def depth(n=1):
    try:
        return depth(n + 1)
    except RecursionError:
        return n
sys.setrecursionlimit(40)
print(sys.getrecursionlimit(), depth())
for bad in (0, -1, "40", 2**40):
    try:
        sys.setrecursionlimit(bad)
    except (ValueError, TypeError, OverflowError) as exc:
        print(type(exc).__name__, exc)
"""


@pytest.mark.parametrize("how", ["script", "module"])
def test_low_recursion_limit(tmp_path: Path, how: str) -> None:
    """rcov's frames under the program's main module do not count: the
    program hits RecursionError at the same depth of its own."""
    write(tmp_path, {"prog.py": LOW_RECURSION_LIMIT})
    if how == "script":
        same_behaviour(tmp_path)
        return
    plain = run([sys.executable, "-m", "prog"], tmp_path)
    measured = run(rcov_command(["-m", "prog"]), tmp_path)
    assert (measured.stdout, measured.stderr) == (plain.stdout, plain.stderr)
    assert b"40 " in plain.stdout


def test_valid_file_refused_as_too_deep_runs_unmeasured(tmp_path: Path) -> None:
    """rcov's depth bound errs high: valid code it cannot prove shallow (here
    an f-string whose text is 20,000 operators) is imported normally, with
    one warning, and runs as without rcov."""
    write(
        tmp_path,
        {
            "pluses.py": "result = len(f'{1}" + "+" * 20_000 + "')\n",
            "prog.py": importing(["pluses"]),
        },
    )
    warning = (
        f"rcov: not measuring {tmp_path / 'pluses.py'}: nesting deeper than 10000 levels at line 1"
    )
    measured = same_behaviour(tmp_path, warnings=(warning,))
    assert "pluses.py" not in measured
