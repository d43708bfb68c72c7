"""The terminal report, laid out exactly like `coverage report -m`.

Users read rcov's table next to coverage.py's and scripts parse it, so the
columns, widths, sorting and the "Missing" notation are coverage.py 7.17's:

    Name      Stmts   Miss Branch BrPart  Cover   Missing
    -----------------------------------------------------
    prog.py      10      2      4      1    79%   3, 7-9, 12->exit
    -----------------------------------------------------
    TOTAL        10      2      4      1    79%

Missing lines are joined into ranges across lines that are not statements
(blank lines, comments, the rest of a multi-line statement); a branch from a
line that ran to a line that did not run is already implied by the missing
line, so only partial branches between lines that both ran are listed, as
`a->b` or `a->exit`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

from .summary import FileReport, Numbers, display_covered, human_key

# Names for annotations only: the typing module is not loaded at run time,
# to keep rcov's start-up (which every measured run pays) short.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

__all__ = ["ReportError", "format_missing", "write_report"]


def _line_ranges(statements: Iterable[int], lines: Iterable[int]) -> list[tuple[int, int]]:
    """Runs of `lines` that are consecutive among `statements`."""
    wanted = set(lines)
    ranges: list[tuple[int, int]] = []
    start: int | None = None
    end = 0
    for stmt in sorted(statements):
        if stmt in wanted:
            if start is None:
                start = stmt
            end = stmt
        elif start is not None:
            ranges.append((start, end))
            start = None
    if start is not None:
        ranges.append((start, end))
    return ranges


def format_missing(
    statements: Iterable[int],
    missing: Sequence[int],
    missing_branches: Iterable[tuple[int, int]] | None = None,
) -> str:
    """The "Missing" cell: "1-2, 5-11, 13->15, 20->exit" (coverage.py's format_lines)."""
    items: list[tuple[int, str]] = [
        (start, f"{start}" if start == end else f"{start}-{end}")
        for start, end in _line_ranges(statements, missing)
    ]
    if missing_branches is not None:
        missing_set = set(missing)
        by_line: dict[int, list[int]] = defaultdict(list)
        for src, dst in missing_branches:
            by_line[src].append(dst)
        for src in sorted(by_line):
            for dst in sorted(by_line[src]):
                if src not in missing_set and dst not in missing_set:
                    items.append((src, f"{src}->{dst if dst > 0 else 'exit'}"))
    return ", ".join(text for _, text in sorted(items))


def _printable(name: str) -> str:
    """Control characters in a file name must not reach the terminal."""
    if name.isprintable():
        return name
    return "".join(ch if ch.isprintable() else "?" for ch in name)


class ReportError(ValueError):
    """A report option has a value coverage.py would refuse (bad sort, format)."""


_MARKDOWN_ESCAPES = str.maketrans({char: f"\\{char}" for char in "!\"#$%&'()*+:;<=>?@[\\]^_`{|}~"})


def _escape_markdown(text: str) -> str:
    """Backslash every character that means something in a markdown table."""
    return text.translate(_MARKDOWN_ESCAPES)


def _plural(n: int, thing: str) -> str:
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"


def write_report(
    files: Sequence[FileReport],
    out: TextIO,
    *,
    branch: bool,
    precision: int = 0,
    show_missing: bool = True,
    skip_covered: bool = False,
    skip_empty: bool = False,
    sort: str | None = None,
    output_format: str = "text",
) -> float:
    """Write the table for `files` to `out`; return the total percentage covered.

    `sort` is a column name (name, stmts, miss, branch, brpart, cover), with
    `-` in front for descending order; `output_format` is text, markdown or
    total (just the total percentage). Raises ReportError for other values.
    """
    if output_format not in ("text", "markdown", "total"):
        raise ReportError(f"Unknown report format choice: {output_format!r}")
    header = ["Name", "Stmts", "Miss"]
    if branch:
        header += ["Branch", "BrPart"]
    header += ["Cover"]
    if show_missing:
        header += ["Missing"]

    total = Numbers()
    # Each row: the cells as shown, then the total percentage (for sorting).
    rows: list[tuple[list[str], list[int | float]]] = []
    skipped = empty = 0
    for report in files:
        nums = report.numbers
        total = total + nums
        if skip_covered and nums.n_missing == 0 and nums.n_partial_branches == 0:
            skipped += 1
            continue
        if skip_empty and nums.n_statements == 0:
            empty += 1
            continue
        row = [_printable(report.name), str(nums.n_statements), str(nums.n_missing)]
        keys: list[int | float] = [nums.n_statements, nums.n_missing]
        if branch:
            row += [str(nums.n_branches), str(nums.n_partial_branches)]
            keys += [nums.n_branches, nums.n_partial_branches]
        row += [display_covered(nums.pc_covered, precision)]
        keys += [nums.pc_covered]
        if show_missing:
            result = report.result
            row += [
                format_missing(
                    result.statements,
                    result.missing_lines,
                    result.missing_branches if branch else None,
                )
            ]
        rows.append((row, keys))

    if output_format == "total":
        out.write(display_covered(total.pc_covered, precision) + "\n")
        return total.pc_covered

    columns = {"name": None, "stmts": 0, "miss": 1, "cover": -1}
    if branch:
        columns.update(branch=2, brpart=3)
    option = (sort or "name").lower()
    reverse = option.startswith("-")
    option = option.lstrip("+-")
    if option not in columns:
        raise ReportError(f"Invalid sorting option: {sort!r}")
    index = columns[option]
    if index is None:
        rows.sort(key=lambda row: human_key(row[0][0]), reverse=reverse)
    else:
        rows.sort(key=lambda row: (row[1][index], row[0][0]), reverse=reverse)

    total_row = ["TOTAL", str(total.n_statements), str(total.n_missing)]
    if branch:
        total_row += [str(total.n_branches), str(total.n_partial_branches)]
    total_row += [display_covered(total.pc_covered, precision)]
    if show_missing:
        total_row += [""]

    end_lines = []
    if skip_covered and skipped:
        end_lines += ["", f"{_plural(skipped, 'file')} skipped due to complete coverage."]
    if skip_empty and empty:
        end_lines += ["", f"{_plural(empty, 'empty file')} skipped."]

    def write(line: str) -> None:
        out.write(line.rstrip() + "\n")

    table = [row for row, _ in rows]
    if output_format == "markdown":
        _markdown(header, table, total_row, write)
    else:
        _text(header, table, total_row, write)
    for line in end_lines:
        write(line)
    return total.pc_covered


def _text(
    header: list[str], rows: list[list[str]], total_row: list[str], write: Callable[[str], None]
) -> None:
    cover = header.index("Cover")
    name_len = max([len(row[0]) for row in rows] + [5]) + 1
    n = max(len(total_row[cover]) + 2, len(" Cover")) + 1
    n = max([n] + [len(row[cover]) + 2 for row in rows])
    widths = {"Stmts": 7, "Miss": 7, "Branch": 7, "BrPart": 7}

    def head(item: str) -> str:
        if item == "Name":
            return f"{item:{name_len}}"
        if item == "Cover":
            return f"{item:>{n}}"
        if item == "Missing":
            return f"{item:>10}"
        return f"{item:>{widths[item]}}"

    def cell(item: str, value: str) -> str:
        if item == "Name":
            return f"{value:{name_len}}"
        if item == "Cover":
            return f"{value:>{n - 1}}%"
        if item == "Missing":
            return f"   {value:9}"
        return f"{value:>{widths[item]}}"

    header_line = "".join(head(item) for item in header)
    rule = "-" * len(header_line)
    write(header_line)
    write(rule)
    for row in rows:
        write("".join(cell(item, value) for item, value in zip(header, row)))
    if rows:
        write(rule)
    write("".join(cell(item, value) for item, value in zip(header, total_row)))


def _markdown(
    header: list[str], rows: list[list[str]], total_row: list[str], write: Callable[[str], None]
) -> None:
    """coverage.py's `--format=markdown` table, cell for cell."""
    name_len = max((len(_escape_markdown(row[0])) for row in rows), default=0)
    name_len = max(name_len, len("**TOTAL**")) + 1
    n = max(len(total_row[header.index("Cover")]) + 6, len(" Cover "))

    def head(item: str) -> str:
        if item == "Name":
            return f"| {item:{name_len}}|"
        if item == "Cover":
            return f"{item:>{n}} |"
        if item == "Missing":
            return f"{item:>10} |"
        return f"{item:>9} |"

    header_items = [head(item) for item in header]
    write("".join(header_items))
    write(
        "|"
        + " ".join(
            ["- |".rjust(len(header_items[0]) - 1, "-")]
            + ["-: |".rjust(len(item) - 1, "-") for item in header_items[1:]]
        )
    )

    def cell(item: str, value: str) -> str:
        value = _escape_markdown(value)
        if item == "Name":
            return f"| {value:{name_len}}|"
        if item == "Cover":
            return f"{value:>{n - 1}}% |"
        if item == "Missing":
            return f"{value:>10} |"
        return f"{value:>9} |"

    for row in rows:
        write("".join(cell(item, value) for item, value in zip(header, row)))

    def total_cell(item: str, value: str) -> str:
        if value == "":
            insert = value
        elif item == "Cover":
            insert = f" **{value}%**"
        else:
            insert = f" **{value}**"
        if item == "Name":
            return f"|{insert:{name_len}} |"
        if item == "Cover":
            return f"{insert:>{n}} |"
        if item == "Missing":
            return f"{insert:>10} |"
        return f"{insert:>9} |"

    write("".join(total_cell(item, value) for item, value in zip(header, total_row)))
