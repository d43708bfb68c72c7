"""The HTML report: an index of files and a page per file, readable offline.

The terminal table says how much is missing; this report shows what. The
index lists every file with its counts and a coverage bar, sortable by any
column and filterable by name (the totals follow the filter). Each file page
shows the source, highlighted (`htmlsyntax`), with missed lines, partial
branches (and, under the line, which arcs never ran: "line 12 didn't jump to
line 15") and excluded lines marked by colour and by a symbol, so the marks
do not depend on seeing colour, and the `def` line of a function that never
ran underlined and followed by a note saying so; j/k (or n/p) step between
missed regions.

The pages are plain HTML that read well without script; `rcov.js` adds the
sorting, filtering and keys, `rcov.css` the look. Both are copied from
`htmlfiles/` next to the pages, so the directory opens from `file://` with
no server and no network. Pages are written as text from f-strings: the
layout is small and fixed, and a template engine would be one more thing to
install and to trust with escaping (everything from a file, its name or its
source goes through `html.escape` here).
"""

from __future__ import annotations

import datetime
import os
import re
import shutil
from collections.abc import Sequence
from html import escape

from .summary import FileReport, Numbers, display_covered, human_key

__all__ = ["ASSETS", "page_names", "write_html"]

# Copied next to the pages.
ASSETS = ("rcov.css", "rcov.js")
_ASSET_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "htmlfiles")

# Source lines per chunk of a file page (see `_file_page`).
_CHUNK = 100

_KEYS_FILE = (
    ("j / n", "next missed region"),
    ("k / p", "previous missed region"),
    ("[ / ]", "previous / next file"),
    ("u", "up to the index"),
    ("?", "show or hide this help"),
)
_KEYS_INDEX = (
    ("/", "filter the files by name"),
    ("Esc", "clear the filter"),
    ("?", "show or hide this help"),
)


def _e(text: str) -> str:
    return escape(text, quote=True)


def page_names(reports: Sequence[FileReport]) -> dict[str, str]:
    """Each file's page: its name flattened to one safe file name (`pkg/mod.py` → `pkg_mod_py.html`).

    Two names that flatten alike (`a/b.py`, `a_b.py`) get numbered pages.
    """
    pages: dict[str, str] = {}
    taken: set[str] = {"index.html"}
    for report in reports:
        stem = re.sub(r"[^A-Za-z0-9_-]+", "_", report.name.lstrip("/\\")).strip("_") or "file"
        page = f"{stem}.html"
        n = 1
        while page.lower() in taken:
            n += 1
            page = f"{stem}-{n}.html"
        taken.add(page.lower())
        pages[report.name] = page
    return pages


def _percent(nums: Numbers, precision: int) -> str:
    return display_covered(nums.pc_covered, precision)


def _bar(nums: Numbers) -> str:
    covered = nums.n_executed + nums.n_executed_branches
    total = nums.n_statements + nums.n_branches
    width = 100.0 * covered / total if total else 100.0
    full = " full" if covered == total else ""
    return f'<span class="bar{full}" aria-hidden="true"><span style="width:{width:.2f}%"></span></span>'


def _counts(nums: Numbers, branch: bool) -> str:
    items = [
        ("", "statements", nums.n_statements),
        ("", "run", nums.n_executed),
        ("mis", "missing", nums.n_missing),
        ("", "excluded", nums.n_excluded),
    ]
    if branch:
        items += [
            ("", "branches", nums.n_branches),
            ("par", "partial", nums.n_partial_branches),
        ]
    return (
        '<dl class="counts">'
        + "".join(
            f'<div class="{cls}"><dt>{label}</dt><dd>{value}</dd></div>'
            for cls, label, value in items
        )
        + "</dl>"
    )


def _help(keys: Sequence[tuple[str, str]]) -> str:
    rows = "".join(f"<dt><kbd>{_e(k)}</kbd></dt><dd>{_e(what)}</dd>" for k, what in keys)
    return (
        '<dialog class="help" id="help" aria-labelledby="help-title">'
        '<h2 id="help-title">Keyboard shortcuts</h2>'
        f"<dl>{rows}</dl>"
        '<form method="dialog"><button class="toggle" aria-pressed="true">Close</button></form>'
        "</dialog>"
    )


def _keys_line(keys: Sequence[tuple[str, str]]) -> str:
    return " · ".join(f"<kbd>{_e(k)}</kbd> {_e(what)}" for k, what in keys)


def _head(title: str, links: str = "") -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n"
        '<link rel="stylesheet" href="rcov.css">\n'
        f"{links}"
        '<script src="rcov.js" defer></script>\n'
        "</head>\n"
    )


def _footer(version: str, created: str, keys: Sequence[tuple[str, str]]) -> str:
    return (
        "<footer>\n"
        f"<p>Keys: {_keys_line(keys)}</p>\n"
        f"<p>Created by rcov {_e(version)} on {_e(created)}.</p>\n"
        "</footer>\n"
    )


def _cell(value: int, nonzero_class: str = "") -> str:
    """A count in the index: zeros muted, missing and partial counts coloured."""
    cls = "zero" if value == 0 else nonzero_class
    attr = f' class="{cls}"' if cls else ""
    return f'<td data-v="{value}"{attr}>{value}</td>'


def _index_page(
    rows: Sequence[tuple[FileReport, str]],
    total: Numbers,
    *,
    branch: bool,
    title: str,
    version: str,
    created: str,
    precision: int,
    skipped: str,
) -> str:
    head = [("name", "File", "text"), ("stmts", "Statements", "number")]
    head += [("miss", "Missing", "number"), ("excl", "Excluded", "number")]
    if branch:
        head += [("br", "Branches", "number"), ("brpart", "Partial", "number")]
    head += [("pc", "Coverage", "number")]
    # Rows come sorted by name: the header says so until a click re-sorts.
    ths = "".join(
        f'<th scope="col" data-col="{key}" data-type="{kind}"'
        + (' aria-sort="ascending"' if key == "name" else "")
        + (' data-first="ascending"' if key == "pc" else "")
        + f"><button>{label}</button></th>"
        for key, label, kind in head
    )

    body = []
    for report, page in rows:
        nums = report.numbers
        data = (
            f'data-name="{_e(report.name)}" data-stmts="{nums.n_statements}" '
            f'data-miss="{nums.n_missing}" data-excl="{nums.n_excluded}" '
            f'data-br="{nums.n_branches}" data-brpart="{nums.n_partial_branches}" '
            f'data-brmiss="{nums.n_missing_branches}"'
        )
        cells = [
            f'<td class="name" data-v="{_e(report.name)}"><a href="{_e(page)}">{_e(report.name)}</a></td>',
            _cell(nums.n_statements),
            _cell(nums.n_missing, "bad"),
            _cell(nums.n_excluded),
        ]
        if branch:
            cells += [_cell(nums.n_branches), _cell(nums.n_partial_branches, "warn")]
        cells.append(
            f'<td class="cover" data-v="{nums.pc_covered!r}"><div class="cell">{_bar(nums)}'
            f'<span class="pc">{_percent(nums, precision)}%</span></div></td>'
        )
        body.append(f"<tr {data}>{''.join(cells)}</tr>")

    foot = [
        "<td>Total</td>",
        f'<td data-sum="stmts">{total.n_statements}</td>',
        f'<td data-sum="miss">{total.n_missing}</td>',
        f'<td data-sum="excl">{total.n_excluded}</td>',
    ]
    if branch:
        foot += [
            f'<td data-sum="br">{total.n_branches}</td>',
            f'<td data-sum="brpart">{total.n_partial_branches}</td>',
        ]
    foot.append(
        f'<td class="cover"><div class="cell">{_bar(total)}'
        f'<span class="pc">{_percent(total, precision)}%</span></div></td>'
    )
    n = len(rows)
    return (
        _head(f"{title}: {_percent(total, precision)}%")
        + f'<body class="index-page" data-precision="{precision}">\n'
        + '<header class="top">\n'
        + f"<h1>{_e(title)}</h1>\n"
        + '<div class="headline">'
        + f'<div class="pc-big" id="total-pc">{_percent(total, precision)}%<small>covered</small></div>'
        + _bar(total)
        + _counts(total, branch)
        + "</div>\n</header>\n<main>\n"
        + '<div class="tools">'
        + '<label for="filter">Filter</label>'
        + '<input type="search" id="filter" placeholder="File name contains…" autocomplete="off">'
        + '<label><input type="checkbox" id="hide-covered"> Hide fully covered</label>'
        + '<button class="toggle" id="help-button" aria-pressed="false">Keys <kbd>?</kbd></button>'
        + f'<span class="shown" id="shown" aria-live="polite">{n} file{"" if n == 1 else "s"}</span>'
        + "</div>\n"
        + f'<table class="files" id="files">\n<thead><tr>{ths}</tr></thead>\n<tbody>\n'
        + "\n".join(body)
        + f"\n</tbody>\n<tfoot><tr>{''.join(foot)}</tr></tfoot>\n</table>\n"
        + '<p class="empty" id="no-match" hidden>No file matches the filter.</p>\n'
        + (f'<p class="note">{_e(skipped)}</p>\n' if skipped else "")
        + "</main>\n"
        + _footer(version, created, _KEYS_INDEX)
        + _help(_KEYS_INDEX)
        + "\n</body>\n</html>\n"
    )


def _line_classes(report: FileReport) -> tuple[dict[int, str], dict[int, list[int]]]:
    """Each marked line's class, and the destinations of each partial line's missed arcs."""
    result = report.result
    classes: dict[int, str] = dict.fromkeys(result.executed_lines, "run")
    classes.update(dict.fromkeys(result.missing_lines, "mis"))
    classes.update(dict.fromkeys(result.excluded_lines, "exc"))
    missed_arcs: dict[int, list[int]] = {}
    for src, dst in sorted(result.missing_branches):
        if classes.get(src) == "run":
            missed_arcs.setdefault(src, []).append(dst)
    for src in missed_arcs:
        classes[src] = "par"
    return classes, missed_arcs


def _uncalled_functions(report: FileReport) -> dict[int, list[str]]:
    """Per `def`/`class` line, what to say of the functions there that never ran."""
    notes: dict[int, list[str]] = {}
    for function in report.functions or ():
        if function.called or function.excluded or function.kind == "module":
            continue
        what = "class body" if function.kind == "class" else function.kind
        notes.setdefault(function.line, []).append(f"{what} {function.name} was never called")
    return notes


def _read_source(path: str) -> str | None:
    from .importer import read_source

    try:
        with open(path, "rb") as f:
            return read_source(f.read())
    except (OSError, SyntaxError, UnicodeDecodeError, LookupError):
        return None


def _file_page(
    report: FileReport,
    source: str | None,
    *,
    branch: bool,
    title: str,
    version: str,
    created: str,
    precision: int,
    prev_page: str | None,
    next_page: str | None,
) -> str:
    from .arcphrases import ArcPhrases, parse_source
    from .htmlsyntax import highlight_lines

    nums = report.numbers
    classes, missed_arcs = _line_classes(report)
    phrases = ArcPhrases(parse_source(source)) if missed_arcs else None
    uncalled = _uncalled_functions(report)

    rows = []
    if source is None:
        code = '<p class="note">The source of this file could not be read.</p>'
    else:
        for number, html_line in enumerate(highlight_lines(source), start=1):
            cls = classes.get(number, "")
            why = ""
            if number in missed_arcs and phrases is not None:
                why = (
                    '<div class="why">'
                    + "".join(
                        f"<span>{_e(phrases.missed(number, dst))}</span>"
                        for dst in missed_arcs[number]
                    )
                    + "</div>"
                )
            if number in uncalled:
                cls = f"{cls} uncalled".strip()
                why += (
                    '<div class="why never">'
                    + "".join(f"<span>{_e(text)}</span>" for text in uncalled[number])
                    + "</div>"
                )
            # The mark after the number (✓ ✗ ◐ –, with its words for screen
            # readers) comes from the stylesheet: markup per line is what
            # makes a large file's page slow to open.
            rows.append(
                f'<div class="ln{" " + cls if cls else ""}" id="L{number}">'
                f'<a class="no" href="#L{number}">{number}</a>'
                f'<span class="tx">{html_line or " "}</span>{why}</div>'
            )
        # Chunks of lines the browser lays out only when they come into view
        # (CSS content-visibility): a 40,000-line file opens in seconds.
        chunks = [
            '<div class="chunk">\n' + "\n".join(rows[i : i + _CHUNK]) + "\n</div>"
            for i in range(0, len(rows), _CHUNK)
        ]
        code = '<div class="code" id="code"><div class="lines">\n' + "\n".join(chunks)
        code += "\n</div></div>"

    links = '<link rel="index" href="index.html">\n'
    nav = ['<a href="index.html">index</a>']
    if prev_page:
        links += f'<link rel="prev" href="{_e(prev_page)}">\n'
        nav.insert(0, f'<a href="{_e(prev_page)}">&larr; previous file</a>')
    if next_page:
        links += f'<link rel="next" href="{_e(next_page)}">\n'
        nav.append(f'<a href="{_e(next_page)}">next file &rarr;</a>')

    toggles = [("run", "ran", False), ("mis", "missed", True)]
    if branch:
        toggles.append(("par", "partial", True))
    toggles.append(("exc", "excluded", True))
    toggle_html = "".join(
        f'<button class="toggle {key}" data-show="{key}" aria-pressed="{"true" if on else "false"}">'
        f"{label}</button>"
        for key, label, on in toggles
    )
    shown = " ".join(f"show-{key}" for key, _, on in toggles if on)
    pc = _percent(nums, precision)
    return (
        _head(f"{report.name}: {pc}% — {title}", links)
        + f'<body class="file-page {shown}">\n'
        + '<header class="top">\n'
        + f'<div class="crumbs"><a href="index.html">{_e(title)}</a></div>\n'
        + f"<h1>{_e(report.name)}</h1>\n"
        + '<div class="headline">'
        + f'<div class="pc-big">{pc}%<small>covered</small></div>'
        + _bar(nums)
        + _counts(nums, branch)
        + "</div>\n"
        + '<div class="controls">'
        + f'<span class="toggles" role="group" aria-label="Highlight"><span class="label">Highlight</span>{toggle_html}</span>'
        + '<span class="toggles"><button class="toggle" id="prev-region" aria-pressed="false" title="previous missed region (k)">&uarr; missed</button>'
        + '<button class="toggle" id="next-region" aria-pressed="false" title="next missed region (j)">&darr; missed</button></span>'
        + '<span class="status" id="status" aria-live="polite"></span>'
        + f'<nav class="filenav" aria-label="Files">{" ".join(nav)}</nav>'
        + '<button class="toggle" id="help-button" aria-pressed="false">Keys <kbd>?</kbd></button>'
        + "</div>\n</header>\n<main>\n"
        + code
        + "\n</main>\n"
        + _footer(version, created, _KEYS_FILE)
        + _help(_KEYS_FILE)
        + "\n</body>\n</html>\n"
    )


def write_html(
    reports: Sequence[FileReport],
    directory: str,
    *,
    branch: bool,
    version: str,
    title: str = "Coverage report",
    precision: int = 0,
    skip_covered: bool = False,
    skip_empty: bool = False,
) -> float:
    """Write the report into `directory` (created if needed); return the total percentage.

    The total counts every file, as the terminal report does, even those
    `skip_covered` or `skip_empty` leave out of the pages.
    """
    os.makedirs(directory, exist_ok=True)
    for asset in ASSETS:
        shutil.copyfile(os.path.join(_ASSET_DIR, asset), os.path.join(directory, asset))
    with open(os.path.join(directory, ".gitignore"), "w", encoding="utf-8") as f:
        f.write("# Created by rcov's HTML report.\n*\n")

    created = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %z")
    ordered = sorted(reports, key=lambda r: human_key(r.name))
    total = sum((r.numbers for r in ordered), Numbers())
    shown = []
    n_covered = n_empty = 0
    for report in ordered:
        nums = report.numbers
        if skip_empty and nums.n_statements == 0:
            n_empty += 1
        elif skip_covered and nums.n_missing == 0 and nums.n_partial_branches == 0:
            n_covered += 1
        else:
            shown.append(report)
    pages = page_names(shown)

    for i, report in enumerate(shown):
        html = _file_page(
            report,
            _read_source(report.path),
            branch=branch,
            title=title,
            version=version,
            created=created,
            precision=precision,
            prev_page=pages[shown[i - 1].name] if i > 0 else None,
            next_page=pages[shown[i + 1].name] if i + 1 < len(shown) else None,
        )
        with open(os.path.join(directory, pages[report.name]), "w", encoding="utf-8") as f:
            f.write(html)

    notes = []
    if n_covered:
        notes.append(
            f"{n_covered} file{'' if n_covered == 1 else 's'} skipped due to complete coverage."
        )
    if n_empty:
        notes.append(f"{n_empty} empty file{'' if n_empty == 1 else 's'} skipped.")
    index = _index_page(
        [(r, pages[r.name]) for r in shown],
        total,
        branch=branch,
        title=title,
        version=version,
        created=created,
        precision=precision,
        skipped=" ".join(notes),
    )
    with open(os.path.join(directory, "index.html"), "w", encoding="utf-8") as f:
        f.write(index)
    return total.pc_covered
