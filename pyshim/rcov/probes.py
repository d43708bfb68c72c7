"""`rcov.instrument_source`: the rewritten text, line map and probe table of a file.

What the import hook compiles when it measures branches, shown to tools and
to people wondering what rcov did to their code: the text with its probe
lines, the line each rewritten line reports to `co_lines()` and LINE events
(its original line, or `PROBE_BASE + k` for probe `k`), and for each probe
the branch edge it observes with the arcs it records. `python -m
rcov.instrument --show FILE` prints it (`annotated`).
"""

from __future__ import annotations

import re

from . import _rcov

__all__ = ["InstrumentedSource", "Probe", "annotated", "instrument_source"]


class Probe:
    """Probe `number`: reaching it means branch line `line` went `side`
    ("taken", "not taken", or "body end" for a one-line body that ran to its
    end), which records `arcs`. `rewritten_lines` are the lines of the
    rewritten text that hold it (a trampoline `else:` and its body may be two)."""

    def __init__(
        self,
        number: int,
        line: int,
        side: str,
        arcs: list[tuple[int, int]],
        rewritten_lines: list[int],
    ) -> None:
        self.number = number
        self.line = line
        self.side = side
        self.arcs = arcs
        self.rewritten_lines = rewritten_lines

    def __repr__(self) -> str:
        return (
            f"Probe({self.number}, line={self.line}, side={self.side!r}, arcs={self.arcs}, "
            f"rewritten_lines={self.rewritten_lines})"
        )


class InstrumentedSource:
    """A file as rcov rewrites it for branch measurement."""

    def __init__(self, text: str, line_map: list[int], probes: list[Probe]) -> None:
        #: The rewritten source text.
        self.text = text
        #: `line_map[i]` is the line that rewritten line `i + 1` reports: its
        #: original line, or `PROBE_BASE + k` for a line of probe `k`.
        self.line_map = line_map
        #: `probes[k]` is probe `k`.
        self.probes = probes

    def __repr__(self) -> str:
        return f"<InstrumentedSource: {len(self.line_map)} lines, {len(self.probes)} probes>"


def instrument_source(text: str, filename: str = "<string>") -> InstrumentedSource:
    """Rewrite `text` as rcov does when it measures branches (for the
    running interpreter's syntax). Raises `_rcov.InstrumentError` if it is
    not Python this interpreter compiles, or rcov cannot instrument it."""
    rewritten, line_map, table = _rcov.instrument_source(text, filename)
    holders: dict[int, list[int]] = {}
    for rewritten_line, reported in enumerate(line_map, start=1):
        if reported >= _rcov.PROBE_BASE:
            holders.setdefault(reported - _rcov.PROBE_BASE, []).append(rewritten_line)
    probes = [
        Probe(k, line, side, list(arcs), holders.get(k, []))
        for k, (line, side, arcs) in enumerate(table)
    ]
    return InstrumentedSource(rewritten, line_map, probes)


def _arc(arc: tuple[int, int]) -> str:
    start, end = arc
    return f"{start}->{end}" if end > 0 else f"{start}->exit"


def annotated(source: InstrumentedSource) -> str:
    """The rewritten text with a margin (original line number, or `P<k>` on
    a probe's lines) and each probe's edge and arcs after its first line."""
    notes = {
        probe.rewritten_lines[0]: (
            f"probe {probe.number}: line {probe.line} {probe.side}: "
            + (", ".join(_arc(a) for a in probe.arcs) or "no arc")
        )
        for probe in source.probes
        if probe.rewritten_lines
    }
    # Lines as CPython's tokenizer counts them (not str.splitlines, which
    # also splits at form feeds and other separators).
    lines = re.split(r"\r\n|\r|\n", source.text)
    if lines and lines[-1] == "":
        lines.pop()
    width = max((len(lines[n - 1].expandtabs()) for n in notes), default=0)
    out = []
    for number, (text, reported) in enumerate(zip(lines, source.line_map, strict=True), start=1):
        if reported >= _rcov.PROBE_BASE:
            margin = f"P{reported - _rcov.PROBE_BASE:<5}"
        else:
            margin = f"{reported:>5} "
        line = f"{margin}| {text}"
        if number in notes:
            line = f"{margin}| {text.expandtabs():<{width}}  # {notes[number]}"
        out.append(line.rstrip())
    return "\n".join(out) + "\n"
