"""The Cobertura XML report, laid out exactly as `coverage xml` (coverage.py 7.17) writes it.

CI services (Codecov, GitLab, Jenkins, Azure) and diff-cover read this file,
and many of them were only ever tested against coverage.py's output, so rcov
writes the same document byte for byte apart from the tool's name, version
and timestamp: a "package" per directory, a "class" per file, a "line" per
statement with `hits` 0 or 1 and, in branch mode, `branch="true"`,
`condition-coverage="50% (1/2)"` and `missing-branches="15,exit"` on branch
lines; rates as coverage.py rounds them (never "0" or "1" unless exact);
minidom's pretty-printing (tab indents, attributes in creation order).

The text is written directly rather than built with `xml.dom.minidom`: the
layout is fixed and small, and a DOM of a large project costs more memory
than the report itself.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence

from .summary import FileReport, human_key

# Names for annotations only: the typing module is not loaded at run time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

__all__ = ["DTD_URL", "rate", "write_xml"]

DTD_URL = "https://raw.githubusercontent.com/cobertura/web/master/htdocs/xml/coverage-04.dtd"

# coverage.py's default `[xml] package_depth`: every directory is a package.
DEFAULT_PACKAGE_DEPTH = 99


def rate(hit: int, num: int) -> str:
    """`hit/num` as Cobertura wants it: "1" for nothing to cover, never a rounded "0" or "1"."""
    if num == 0 or hit == num:
        return "1"
    if hit == 0:
        return "0"
    return f"{min(max(hit / num, 0.0001), 0.9999):.4g}"


def _neutralize(text: str) -> str:
    """Control characters are legal in file names but make XML 1.0 ill-formed."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attrs(pairs: Sequence[tuple[str, str]]) -> str:
    return "".join(f' {name}="{_text(value).replace(chr(34), "&quot;")}"' for name, value in pairs)


class _Package:
    """One directory's classes (rendered lines of XML, keyed by file name) and counts."""

    __slots__ = ("br_hits", "branches", "classes", "hits", "lines")

    def __init__(self) -> None:
        self.classes: dict[str, list[str]] = {}
        self.hits = 0
        self.lines = 0
        self.br_hits = 0
        self.branches = 0


def _source_paths(source_roots: Sequence[str], relative_files: bool) -> set[str]:
    paths = set()
    for src in source_roots:
        if os.path.exists(src):
            if relative_files:
                paths.add(src.rstrip("\\/"))
            else:
                paths.add(os.path.normcase(os.path.realpath(os.path.abspath(src))))
    return paths


def _name_in_report(report: FileReport, source_paths: set[str]) -> str:
    """The file's name relative to the first source root holding it (coverage.py's rule).

    A file under no source root is named as in the other reports, and the
    directory that name is relative to becomes a source root itself.
    """
    filename = report.path.replace("\\", "/")
    # Longest root first, so nested roots give the same answer on every run
    # (coverage.py takes whichever its set yields first).
    for root in sorted(source_paths, key=len, reverse=True):
        if filename.startswith(root.replace("\\", "/") + "/"):
            return filename[len(root) + 1 :]
    rel_name = report.name.replace("\\", "/")
    source_paths.add(report.path[: len(report.path) - len(rel_name)].rstrip("\\/"))
    return rel_name


def _class_element(report: FileReport, rel_name: str, dirname: str, branch: bool) -> list[str]:
    """The `<class>` element of one file, as lines indented for their place in the document."""
    result = report.result
    missing = set(result.missing_lines)
    stats = result.branch_stats() if branch else {}
    missing_dests: dict[int, list[int]] = {}
    for src, dst in result.missing_branches:
        missing_dests.setdefault(src, []).append(dst)

    lines = []
    for line in sorted(result.statements):
        attrs = [("number", str(line)), ("hits", str(int(line not in missing)))]
        if branch:
            if line in stats:
                total, taken = stats[line]
                attrs += [
                    ("branch", "true"),
                    ("condition-coverage", f"{100 * taken // total}% ({taken}/{total})"),
                ]
            if line in missing_dests:
                dests = ["exit" if dst < 0 else str(dst) for dst in missing_dests[line]]
                attrs.append(("missing-branches", ",".join(dests)))
        lines.append(f"\t\t\t\t\t\t<line{_attrs(attrs)}/>")

    n_lines = len(result.statements)
    n_hits = n_lines - len(missing)
    n_branches = sum(total for total, _ in stats.values())
    n_br_hits = sum(taken for _, taken in stats.values())
    class_attrs = [
        ("name", os.path.relpath(rel_name, dirname)),
        ("filename", rel_name),
        ("complexity", "0"),
        ("line-rate", rate(n_hits, n_lines)),
        ("branch-rate", rate(n_br_hits, n_branches) if branch else "0"),
    ]
    element = [f"\t\t\t\t<class{_attrs(class_attrs)}>", "\t\t\t\t\t<methods/>"]
    if lines:
        element += ["\t\t\t\t\t<lines>", *lines, "\t\t\t\t\t</lines>"]
    else:
        element.append("\t\t\t\t\t<lines/>")
    element.append("\t\t\t\t</class>")
    return element


def write_xml(
    reports: Sequence[FileReport],
    out: TextIO,
    *,
    branch: bool,
    version: str,
    source_roots: Sequence[str] = (),
    relative_files: bool = False,
    package_depth: int = DEFAULT_PACKAGE_DEPTH,
    skip_empty: bool = False,
) -> float:
    """Write the Cobertura report of `reports` to `out`; return the total percentage.

    `source_roots` are the `--source` directories (those that do not exist
    are ignored, as coverage.py does); files are named relative to them.
    """
    source_paths = _source_paths(source_roots, relative_files)
    packages: dict[str, _Package] = {}
    for report in reports:
        if skip_empty and report.numbers.n_statements == 0:
            continue
        rel_name = _neutralize(_name_in_report(report, source_paths))
        dirname = os.path.dirname(rel_name) or "."
        dirname = "/".join(dirname.split("/")[:package_depth])
        package = packages.setdefault(dirname.replace("/", "."), _Package())
        package.classes[rel_name] = _class_element(report, rel_name, dirname, branch)
        nums = report.numbers
        package.lines += nums.n_statements
        package.hits += nums.n_executed
        if branch:
            stats = report.result.branch_stats()
            package.branches += sum(total for total, _ in stats.values())
            package.br_hits += sum(taken for _, taken in stats.values())

    body: list[str] = []
    if source_paths:
        body.append("\t<sources>")
        for path in sorted(source_paths, key=human_key):
            body.append(f"\t\t<source>{_text(_neutralize(path))}</source>")
        body.append("\t</sources>")
    else:
        body.append("\t<sources/>")

    lines_valid = lines_covered = branches_valid = branches_covered = 0
    package_lines: list[str] = []
    for name in sorted(packages, key=human_key):
        package = packages[name]
        package_attrs = [
            ("name", name.replace(os.sep, ".")),
            ("line-rate", rate(package.hits, package.lines)),
            ("branch-rate", rate(package.br_hits, package.branches) if branch else "0"),
            ("complexity", "0"),
        ]
        package_lines += [f"\t\t<package{_attrs(package_attrs)}>", "\t\t\t<classes>"]
        for class_name in sorted(package.classes, key=human_key):
            package_lines += package.classes[class_name]
        package_lines += ["\t\t\t</classes>", "\t\t</package>"]
        lines_valid += package.lines
        lines_covered += package.hits
        branches_valid += package.branches
        branches_covered += package.br_hits
    if package_lines:
        body += ["\t<packages>", *package_lines, "\t</packages>"]
    else:
        body.append("\t<packages/>")

    top = [
        ("version", version),
        ("timestamp", str(int(time.time() * 1000))),
        ("lines-valid", str(lines_valid)),
        ("lines-covered", str(lines_covered)),
        ("line-rate", rate(lines_covered, lines_valid)),
    ]
    if branch:
        top += [
            ("branches-valid", str(branches_valid)),
            ("branches-covered", str(branches_covered)),
            ("branch-rate", rate(branches_covered, branches_valid)),
        ]
    else:
        top += [("branches-covered", "0"), ("branches-valid", "0"), ("branch-rate", "0")]
    top.append(("complexity", "0"))

    out.write('<?xml version="1.0" ?>\n')
    out.write(f"<coverage{_attrs(top)}>\n")
    out.write(f"\t<!-- Generated by rcov {_text(version)} -->\n")
    out.write(f"\t<!-- Based on {DTD_URL} -->\n")
    out.writelines(line + "\n" for line in body)
    out.write("</coverage>\n")

    denominator = lines_valid + branches_valid
    return 100.0 * (lines_covered + branches_covered) / denominator if denominator else 0.0
