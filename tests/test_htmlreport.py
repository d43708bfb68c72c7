"""The HTML report (rcov.htmlreport), checked as HTML and through a real browser.

Without a browser: every corpus file's page marks exactly the lines its
FileResult says ran, were missed, partial or excluded, and the highlighted
source reads back as the file's own text. With headless Chromium (driven over
the DevTools protocol, tests/cdp.py): the pages load from file:// with no
console error, the index shows each file with its percentage, sorting and
filtering work, a file page marks the right lines and names the missed arcs,
and the j/k keys walk the missed regions. Screenshots of both pages are saved
under tests/artifacts/ (git-ignored) and their paths printed.
"""

from __future__ import annotations

import html
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cdp import Browser, find_chromium
from rcov import _rcov
from rcov.htmlreport import page_names, write_html
from rcov.htmlsyntax import highlight_lines
from rcov.importer import read_source
from rcov.summary import FileReport, Numbers, display_covered, human_key
from reportcompare import CORPUS_PROGRAMS, measure, measured_corpus_program

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
PY = f"py{sys.version_info[0]}.{sys.version_info[1]}"

# A small project whose marks are known by reading it.
APP = """\
import sys

from helpers import clamp, shout


def classify(n):
    if n < 0:
        return "negative"
    for i in range(n):
        if i > 100:
            break
    return "small" if n < 10 else "large"


def unused():
    return 1


if sys.argv[1:] == ["debug"]:  # pragma: no cover
    print("debugging")

print(classify(3), clamp(5, 0, 3), shout("hi"))
"""

HELPERS = """\
def clamp(x, lo, hi):
    if x < lo:
        return lo
    if x > hi:
        return hi
    return x


def shout(text):
    return text.upper() + "!"
"""

FULL = """\
def add(a, b):
    return a + b


add(1, 2)
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[FileReport]]:
    """The project measured by coverage.py, as rcov FileReports, and its HTML report."""
    base = tmp_path_factory.mktemp("html")
    src = base / "src"
    src.mkdir()
    (src / "app.py").write_text(APP, encoding="utf-8")
    (src / "helpers.py").write_text(HELPERS, encoding="utf-8")
    (src / "full_10.py").write_text(FULL, encoding="utf-8")
    (src / "full_9.py").write_text(FULL, encoding="utf-8")
    (src / "main.py").write_text("import full_9, full_10\nimport app\n", encoding="utf-8")
    run = measure("main.py", src, base, source=["."])
    out = base / "htmlcov"
    write_html(run.reports, str(out), branch=True, version=_rcov.__version__, title="Demo project")
    return out, run.reports


def by_name(reports: list[FileReport]) -> dict[str, FileReport]:
    return {r.name: r for r in reports}


# ---- Without a browser ---------------------------------------------------


def _line_classes(page: str) -> dict[str, set[int]]:
    classes: dict[str, set[int]] = {"run": set(), "mis": set(), "par": set(), "exc": set()}
    for cls, number in re.findall(r'<div class="ln ?(\w*)" id="L(\d+)"', page):
        if cls:
            classes[cls].add(int(number))
    return classes


@pytest.mark.parametrize("program", CORPUS_PROGRAMS)
def test_corpus_pages_mark_what_the_results_say(
    program: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    base = tmp_path_factory.getbasetemp() / "html-corpus"
    run = measured_corpus_program(program, base)
    out = tmp_path_factory.mktemp("corpus-html")
    write_html(run.reports, str(out), branch=True, version="test")
    pages = page_names(run.reports)
    for report in run.reports:
        page = (out / pages[report.name]).read_text(encoding="utf-8")
        marks = _line_classes(page)
        result = report.result
        partial = {a for a, _ in result.missing_branches} & set(result.executed_lines)
        assert marks["mis"] == set(result.missing_lines)
        assert marks["par"] == partial
        assert marks["run"] == set(result.executed_lines) - partial
        assert marks["exc"] == set(result.excluded_lines)
        # Each partial line names each of its missed arcs.
        for src, dst in result.missing_branches:
            if src in partial:
                target = f"jump to line {dst}" if dst > 0 else ""
                assert f"line {src} didn&#x27;t {target}" in page
        # The highlighted source is the file's own text, line for line.
        with open(report.path, "rb") as f:
            lines = read_source(f.read()).split("\n")
        shown = re.findall(r'<span class="tx">(.*?)</span>(?:<div class="why">|</div>)', page)
        texts = [html.unescape(re.sub(r"<[^>]+>", "", s)) for s in shown]
        assert texts == [line or " " for line in lines[: len(texts)]]
        assert len(texts) == len(lines) - (lines[-1] == "")


def test_highlighting_classes() -> None:
    source = '@cache\ndef f(x: int = 3) -> str:  # note\n    match x:\n        case _:\n            return f"{x!r}"\n'
    lines = highlight_lines(source)
    assert lines[0] == '<span class="at">@cache</span>'
    assert '<span class="k">def</span> <span class="d">f</span>' in lines[1]
    assert '<span class="b">int</span>' in lines[1] and '<span class="n">3</span>' in lines[1]
    assert '<span class="c"># note</span>' in lines[1]
    assert lines[2].startswith('    <span class="k">match</span> x:')
    assert lines[3].startswith('        <span class="k">case</span>')
    assert '<span class="s">f&quot;</span>' in lines[4] or '<span class="s">f"</span>' in lines[4]
    # Soft keywords used as names stay names.
    assert highlight_lines("match = 1\ntype(x)\n") == [
        'match <span class="o">=</span> <span class="n">1</span>',
        '<span class="b">type</span>(x)',
    ]


def test_unhighlightable_source_is_shown_plainly() -> None:
    assert highlight_lines("x = (1,\n<y>\n") == ["x = (1,", "&lt;y&gt;"]


def test_hostile_names_and_source_are_escaped(tmp_path: Path) -> None:
    name = '<img src=x onerror="alert(1)">.py'
    source = 's = "</span></div><script>alert(1)</script>"\n'
    path = tmp_path / "evil.py"
    path.write_text(source, encoding="utf-8")
    result = _rcov.FileAnalysis(source, str(path), [], []).result([1], None)
    out = tmp_path / "html"
    write_html([FileReport(name, str(path), result)], str(out), branch=False, version="x")
    for page in out.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "<script>alert" not in text and "<img" not in text
    assert (
        page_names([FileReport(name, str(path), result)])[name]
        == "img_src_x_onerror_alert_1_py.html"
    )


def test_page_names_are_unique() -> None:
    result = _rcov.FileAnalysis("", "x.py", [], []).result([], None)
    reports = [FileReport(n, n, result) for n in ("a/b.py", "a_b.py", "A_B.py", "index")]
    names = page_names(reports)
    assert names == {
        "a/b.py": "a_b_py.html",
        "a_b.py": "a_b_py-2.html",
        "A_B.py": "A_B_py-3.html",
        "index": "index-2.html",
    }


def test_skip_covered_keeps_totals(project: tuple[Path, list[FileReport]], tmp_path: Path) -> None:
    _, reports = project
    pct = write_html(reports, str(tmp_path), branch=True, version="x", skip_covered=True)
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "full_9.py" not in index and "app.py" in index
    assert "3 files skipped due to complete coverage." in index
    assert pct == sum((r.numbers for r in reports), Numbers()).pc_covered
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".gitignore", "app_py.html", "helpers_py.html", "index.html", "rcov.css", "rcov.js",
    ]  # fmt: skip


# ---- Through the browser -------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = find_chromium()
    if executable is None:
        pytest.skip("no chromium here (scripts/test.sh installs Debian's chromium package)")
    with Browser(executable, width=1280, height=860) as b:
        yield b


def _visible_rows(b: Browser) -> list[list[str]]:
    rows: list[list[str]] = b.js(
        "Array.from(document.querySelectorAll('#files tbody tr'))"
        ".filter(r => !r.hidden && r.offsetParent !== null)"
        ".map(r => Array.from(r.cells).map(c => c.textContent.trim()))"
    )
    return rows


def test_index_in_the_browser(project: tuple[Path, list[FileReport]], browser: Browser) -> None:
    out, reports = project
    b = browser
    b.open(out / "index.html")
    assert b.js("document.title").startswith("Demo project: ")

    # Every file, by name (human order: full_9 before full_10), with its percentage.
    rows = _visible_rows(b)
    expected = sorted(reports, key=lambda r: human_key(r.name))
    assert [row[0] for row in rows] == [r.name for r in expected]
    for row, report in zip(rows, expected, strict=True):
        assert row[-1] == display_covered(report.numbers.pc_covered, 0) + "%"
        assert row[1] == str(report.numbers.n_statements)
        assert row[2] == str(report.numbers.n_missing)
    total = sum((r.numbers for r in reports), Numbers())
    assert b.js("document.getElementById('total-pc').firstChild.textContent") == (
        display_covered(total.pc_covered, 0) + "%"
    )

    # Sorting: a click on "Coverage" puts the least covered first, another click the most.
    b.js("document.querySelector('th[data-col=pc] button').click()")
    least_first = sorted(expected, key=lambda r: (r.numbers.pc_covered, human_key(r.name)))
    assert [row[0] for row in _visible_rows(b)] == [r.name for r in least_first]
    assert (
        b.js("document.querySelector('th[data-col=pc]').getAttribute('aria-sort')") == "ascending"
    )
    b.js("document.querySelector('th[data-col=pc] button').click()")
    assert _visible_rows(b)[0][0] in {"full_9.py", "full_10.py", "main.py"}
    assert _visible_rows(b)[-1][0] == least_first[0].name
    b.js("document.querySelector('th[data-col=miss] button').click()")
    misses = [int(row[2]) for row in _visible_rows(b)]
    assert misses == sorted(misses, reverse=True) and misses[0] > 0
    b.js("document.querySelector('th[data-col=name] button').click()")
    assert [row[0] for row in _visible_rows(b)] == [r.name for r in expected]

    # Filtering: "/" focuses the box; typing narrows the rows and the totals follow.
    b.press("/")
    assert b.js("document.activeElement.id") == "filter"
    b.call("Input.insertText", text="FULL")
    assert [row[0] for row in _visible_rows(b)] == ["full_9.py", "full_10.py"]
    assert b.js("document.getElementById('shown').textContent") == f"2 of {len(reports)} files"
    foot = b.js(
        "Array.from(document.querySelector('#files tfoot tr').cells).map(c => c.textContent.trim())"
    )
    fulls = by_name(reports)["full_9.py"].numbers + by_name(reports)["full_10.py"].numbers
    assert foot[1] == str(fulls.n_statements) and foot[-1] == "100%"
    b.js(
        "document.getElementById('filter').value = 'no such file';"
        "document.getElementById('filter').dispatchEvent(new Event('input'))"
    )
    assert _visible_rows(b) == []
    assert b.js("document.getElementById('no-match').hidden") is False
    b.js(
        "document.getElementById('filter').value = '';"
        "document.getElementById('filter').dispatchEvent(new Event('input'))"
    )
    b.js("document.getElementById('hide-covered').click()")
    assert [row[0] for row in _visible_rows(b)] == ["app.py", "helpers.py"]
    b.js("document.getElementById('hide-covered').click()")
    assert len(_visible_rows(b)) == len(reports)
    foot = b.js(
        "Array.from(document.querySelector('#files tfoot tr').cells).map(c => c.textContent.trim())"
    )
    assert foot[0] == "Total" and foot[-1] == display_covered(total.pc_covered, 0) + "%"

    shot = b.screenshot(ARTIFACTS / f"html-index-{PY}.png")
    print(f"\nscreenshot of the index: {shot}")
    assert b.errors() == []


def test_file_page_in_the_browser(project: tuple[Path, list[FileReport]], browser: Browser) -> None:
    out, reports = project
    b = browser
    page = page_names(reports)["app.py"]
    b.open(out / "index.html")
    b.js(f"document.querySelector('a[href=\"{page}\"]').click()")
    b.wait_for("Page.loadEventFired")
    assert b.js("location.pathname").endswith("/" + page)

    def lines_with(cls: str) -> list[int]:
        found: list[int] = b.js(
            f"Array.from(document.querySelectorAll('.ln.{cls}')).map(l => +l.id.slice(1))"
        )
        return found

    # Read from APP: `if n < 0:` (7) never true, so 8 never ran; `if i > 100:`
    # (10) never true, so `break` (11) never ran; `unused` (16) never called;
    # the `for` (9) always finished its loop... then the debug block is excluded.
    assert lines_with("mis") == [8, 11, 16]
    assert lines_with("par") == [7, 10]
    assert lines_with("exc") == [19, 20]
    assert 9 in lines_with("run") and 22 in lines_with("run")
    why = b.js("Array.from(document.querySelectorAll('.ln.par .why span')).map(s => s.textContent)")
    assert why == [
        "line 7 didn't jump to line 8 because the condition on line 7 was never true",
        "line 10 didn't jump to line 11 because the condition on line 10 was never true",
    ]
    assert b.js("getComputedStyle(document.querySelector('#L19 .tx')).fontStyle") == "italic"
    assert b.js("getComputedStyle(document.querySelector('#L8')).backgroundColor") != (
        b.js("getComputedStyle(document.querySelector('#L9')).backgroundColor")
    )
    assert b.js("document.querySelector('#L6 .tx .k').textContent") == "def"

    # j / k (and n / p) walk the missed regions: 7-8, 10-11, 16.
    def focused() -> list[int]:
        found: list[int] = b.js(
            "Array.from(document.querySelectorAll('.ln.focus')).map(l => +l.id.slice(1))"
        )
        return found

    b.js("window.scrollTo(0, 0)")
    b.press("j")
    assert focused() == [7, 8]
    assert b.js("document.getElementById('status').textContent") == "Missed region 1 of 3 (line 7)"
    b.press("n")
    assert focused() == [10, 11]
    b.press("j")
    assert focused() == [16]
    b.press("j")
    assert focused() == [16]
    assert "No more" in b.js("document.getElementById('status').textContent")
    b.press("k")
    b.press("p")
    assert focused() == [7, 8]
    assert b.js("location.hash") == "#L7"

    # The "ran" toggle highlights the lines that ran.
    before = b.js("getComputedStyle(document.querySelector('#L9')).backgroundColor")
    b.js("document.querySelector('.toggle[data-show=run]').click()")
    assert b.js("getComputedStyle(document.querySelector('#L9')).backgroundColor") != before
    b.js("document.querySelector('.toggle[data-show=run]').click()")

    shot = b.screenshot(ARTIFACTS / f"html-file-{PY}.png")
    print(f"\nscreenshot of app.py's page: {shot}")
    assert b.errors() == []

    # "]" goes to the next file, "u" back to the index.
    b.press("]")
    b.wait_for("Page.loadEventFired")
    following = sorted(reports, key=lambda r: human_key(r.name))
    names = [r.name for r in following]
    assert b.js("document.querySelector('h1').textContent") == names[names.index("app.py") + 1]
    b.press("u")
    b.wait_for("Page.loadEventFired")
    assert b.js("location.pathname").endswith("/index.html")


def test_every_page_loads_cleanly(project: tuple[Path, list[FileReport]], browser: Browser) -> None:
    out, _ = project
    b = browser
    for page in sorted(out.glob("*.html")):
        b.events.clear()
        b.open(page)
        # Stylesheet and script both arrived (from file://, no server).
        assert b.js("getComputedStyle(document.body).fontFamily").startswith("system-ui")
        assert b.js("document.querySelectorAll('link[rel=stylesheet], script[src]').length") == 2
        assert b.errors() == [], page.name
        external = b.js(
            "Array.from(document.querySelectorAll('[src],[href]'))"
            ".map(e => e.getAttribute('src') || e.getAttribute('href'))"
            ".filter(u => /^[a-z]+:/i.test(u))"
        )
        assert external == [], f"{page.name} refers to {external}"


def test_screenshot_dir_is_ignored() -> None:
    ignore = (Path(__file__).resolve().parent.parent / ".gitignore").read_text(encoding="utf-8")
    assert "/tests/artifacts/" in ignore.splitlines()


def test_large_file_page(browser: Browser, tmp_path: Path) -> None:
    # 12,000 lines: laid out a chunk at a time (content-visibility), so the
    # page opens quickly and the keys still reach a region far down the file.
    source = "".join(
        f"def f{i}(x):\n    if x:\n        return {i}\n    return 0\n\n\n" for i in range(2000)
    )
    path = tmp_path / "big.py"
    path.write_text(source, encoding="utf-8")
    analysis = _rcov.FileAnalysis(source, str(path), [], [])
    executed = [line for line in analysis.statements if line < 11_990]
    result = analysis.result(executed, [a for a in analysis.arcs if a[0] < 11_990 and a[1] != 3])
    out = tmp_path / "html"
    write_html([FileReport("big.py", str(path), result)], str(out), branch=True, version="x")
    browser.events.clear()
    browser.open(out / "big_py.html")
    assert browser.js("document.querySelectorAll('.chunk').length") == 120
    assert (
        browser.js("getComputedStyle(document.querySelector('.chunk')).contentVisibility") == "auto"
    )
    browser.press("j")
    assert browser.js("document.getElementById('status').textContent") == (
        "Missed region 1 of 2 (line 2)"
    )
    browser.press("j")
    # Lines from 11,990 on never ran: the last region, 11990-11998.
    focused = browser.js("Array.from(document.querySelectorAll('.ln.focus')).map(l => l.id)")
    assert focused == [f"L{n}" for n in range(11_990, 11_999)]
    top = browser.js("document.getElementById('L11990').getBoundingClientRect().top")
    assert 0 < top < browser.js("window.innerHeight")
    assert browser.errors() == []
