"""The coverage configurations compared, as command lines.

Every tool gets the same program, the same arguments and the same `--source`
directories (and `--omit` patterns), so each measures exactly the workload's
own files and never the standard library or site-packages.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Program:
    """What to run: a script path or a module name, with its arguments."""

    args: list[str]
    module: str | None = None
    script: str | None = None

    def target(self) -> list[str]:
        if self.module is not None:
            return ["-m", self.module, *self.args]
        assert self.script is not None
        return [self.script, *self.args]


@dataclass(frozen=True)
class Tool:
    """One configuration: a name for the tables and how it wraps a program."""

    name: str
    label: str
    mode: str  # "none", "line" or "branch"
    env: dict[str, str] = field(default_factory=dict)

    def command(
        self, python: str, program: Program, source: list[str], omit: list[str], data: str
    ) -> list[str]:
        """The argv that runs `program` under this tool; `data` is a scratch file."""
        branch = ["--branch"] if self.mode == "branch" else []
        if self.name == "none":
            return [python, *program.target()]
        if self.name.startswith("rcov"):
            opts = [f"--source={','.join(source)}", "--no-report", *branch]
            opts += [f"--omit={pat}" for pat in omit]
            opts += _RCOV_EXTRA.get(self.name, [])
            return [python, "-m", "rcov.instrument", *opts, *program.target()]
        if self.name.startswith("coverage"):
            opts = [f"--source={','.join(source)}", f"--data-file={data}", *branch]
            if omit:
                opts.append(f"--omit={','.join(omit)}")
            return [python, "-m", "coverage", "run", *opts, *program.target()]
        if self.name.startswith("slipcover"):
            opts = ["--source", ",".join(source), "--out", data, *branch]
            if omit:
                opts += ["--omit", ",".join(omit)]
            return [python, "-m", "slipcover", *opts, *program.target()]
        raise ValueError(self.name)


# rcov's opt-in recording modes (not in the default tool list: see
# trace_modes.py, which compares them with the default mode).
_RCOV_EXTRA = {"rcov-count": ["--count"], "rcov-trackcalls": ["--trackcalls"]}
RCOV_MODES = [
    Tool("rcov-count", "rcov line, --count", "line"),
    Tool("rcov-trackcalls", "rcov line, --trackcalls", "line"),
]

TOOLS = [
    Tool("none", "no coverage", "none"),
    Tool("rcov-line", "rcov line", "line"),
    Tool("rcov-branch", "rcov branch", "branch"),
    Tool("coverage-line", "coverage.py line (default core)", "line"),
    Tool("coverage-sysmon", "coverage.py line (sysmon)", "line", {"COVERAGE_CORE": "sysmon"}),
    Tool("coverage-branch", "coverage.py branch (default core)", "branch"),
    Tool("slipcover-line", "SlipCover line", "line"),
    Tool("slipcover-branch", "SlipCover branch", "branch"),
]
