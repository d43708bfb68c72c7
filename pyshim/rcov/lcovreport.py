"""The LCOV report, as `coverage lcov` (coverage.py 7.17) writes it.

genhtml, Codecov, Coveralls and editors' gutters read LCOV; writing what
coverage.py writes lets a project swap tools without its LCOV consumers
noticing. Per file, sorted by name: `SF:name`, a `DA:line,hit` per
statement, `LF`/`LH`, then in branch mode a `BRDA:line,0,action,hit` per
arc of each branch line (`action` is coverage.py's phrase, "jump to line 7"
or "return from function 'f'"; `hit` is 1 or 0, or `-` for every arc of a
branch line none of whose arcs ran), `BRF`/`BRH`, and `end_of_record`.

Function records follow the line records as coverage.py writes them: an
`FN:first,last,name` and `FNDA:hit,name` per `def` that holds statements
(coverage.py's regions: names joined with dots, a nested function's body not
part of its parent's), then `FNF`/`FNH`. `hit` is whether the function ran
(its PY_START was recorded) when the data has rcov's function data, else
whether any of its statements ran, which is coverage.py's rule. With line
counts (`--count`), `DA` gives the count instead of 1. Line checksums
(`DA:line,hit,md5`) are off by default, as in coverage.py (`[lcov]
line_checksums`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .summary import FileReport, Numbers

# Names for annotations only: the typing module is not loaded at run time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

    from .arcphrases import ArcPhrases

__all__ = ["line_hash", "write_lcov"]


def _field(text: str) -> str:
    """LCOV has no escaping: a control character (a newline in a file name) would forge records."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def line_hash(line: str) -> str:
    """LCOV's checksum of a source line: MD5, base64 without its `=` padding (not security)."""
    import base64
    import hashlib

    digest = hashlib.md5(line.encode("utf-8"), usedforsecurity=False).digest()
    return base64.b64encode(digest).decode("ascii").rstrip("=")


def _read_source(path: str) -> str | None:
    from .importer import read_source

    try:
        with open(path, "rb") as f:
            return read_source(f.read())
    except (OSError, SyntaxError, UnicodeDecodeError, LookupError):
        return None


def _branch_records(report: FileReport, phrases: Callable[[], ArcPhrases], out: TextIO) -> None:
    result = report.result
    stats = result.branch_stats()
    executed: dict[int, list[int]] = {}
    missing: dict[int, list[int]] = {}
    for src, dst in result.executed_branches:
        executed.setdefault(src, []).append(dst)
    for src, dst in result.missing_branches:
        missing.setdefault(src, []).append(dst)

    for line in sorted(stats):
        if stats[line][1] == 0:
            # No arc of the line ran: it may always raise; "-" says "never evaluated".
            destinations = [(dst, "-") for dst in missing.get(line, [])]
        else:
            destinations = [(dst, "1") for dst in executed.get(line, [])]
            destinations += [(dst, "0") for dst in missing.get(line, [])]
        # Exits last: "if" at the end of a function reads as entering the body
        # first, and returning otherwise.
        destinations.sort(key=lambda d: (d[0] < 0, d))
        for dst, hit in destinations:
            # Only exits need the source's scopes; most arcs go to a line.
            action = f"jump to line {dst}" if dst > 0 else phrases().action(line, dst)
            out.write(f"BRDA:{line},0,{_field(action)},{hit}\n")

    found = sum(total for total, _ in stats.values())
    if found > 0:
        out.write(f"BRF:{found}\n")
        out.write(f"BRH:{sum(taken for _, taken in stats.values())}\n")


def _function_records(report: FileReport, out: TextIO) -> None:
    regions = [r for r in report.regions or () if r.lines]
    if not regions:
        return
    result = report.result
    statements = set(result.statements)
    executed = set(result.executed_lines)
    called: dict[int, bool] = {}
    if report.functions is not None:
        called = {f.line: f.called for f in report.functions if f.kind == "function"}
    spans = sorted(
        (min(r.start, min(r.lines)), max(r.start, max(r.lines)), i) for i, r in enumerate(regions)
    )
    found = hit_count = 0
    names: set[str] = set()
    for first, last, i in spans:
        region = regions[i]
        if not region.lines & statements:
            continue
        found += 1
        hit = called.get(region.start, bool(region.lines & executed))
        hit_count += hit
        name = _field(region.name)
        if name in names:
            name += f"@{first}"
        else:
            names.add(name)
        out.write(f"FN:{first},{last},{name}\n")
        out.write(f"FNDA:{int(hit)},{name}\n")
    out.write(f"FNF:{found}\n")
    out.write(f"FNH:{hit_count}\n")


def _file_record(report: FileReport, out: TextIO, *, branch: bool, line_checksums: bool) -> None:
    result = report.result
    out.write(f"SF:{_field(report.name)}\n")
    source: list[str | None] = []  # read at most once, only when needed

    def text() -> str | None:
        if not source:
            source.append(_read_source(report.path))
        return source[0]

    source_lines: list[str] = []
    if line_checksums:
        source_lines = (text() or "").splitlines()
    missing = set(result.missing_lines)
    counts = report.line_counts
    for line in sorted(result.statements):
        checksum = ""
        if source_lines:
            checksum = "," + line_hash(source_lines[line - 1] if line <= len(source_lines) else "")
        hit = int(line not in missing)
        if counts is not None and hit:
            # A statement whose line events all came from later lines ran too.
            hit = max(counts.get(line, 0), 1)
        out.write(f"DA:{line},{hit}{checksum}\n")
    nums = report.numbers
    if nums.n_statements > 0:
        out.write(f"LF:{nums.n_statements}\n")
        out.write(f"LH:{nums.n_executed}\n")
    _function_records(report, out)

    if branch:
        phrases: list[ArcPhrases] = []

        def arc_phrases() -> ArcPhrases:
            if not phrases:
                from .arcphrases import ArcPhrases, parse_source

                phrases.append(ArcPhrases(parse_source(text())))
            return phrases[0]

        _branch_records(report, arc_phrases, out)
    out.write("end_of_record\n")


def write_lcov(
    reports: Sequence[FileReport],
    out: TextIO,
    *,
    branch: bool,
    line_checksums: bool = False,
    skip_empty: bool = False,
) -> float:
    """Write the LCOV report of `reports` to `out`; return the total percentage covered."""
    total = Numbers()
    for report in sorted(reports, key=lambda r: r.name):
        total = total + report.numbers
        if skip_empty and report.numbers.n_statements == 0:
            continue
        _file_record(report, out, branch=branch, line_checksums=line_checksums)
    return total.pc_covered if total.n_statements else 0.0
