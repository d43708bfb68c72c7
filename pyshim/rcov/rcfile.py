"""Configuration files: rcov's own `[tool.rcov]`, and coverage.py's.

A project switching from coverage.py keeps its configuration, so rcov reads
coverage.py's files with coverage.py's rules, and its own section first:

1. `--rcfile FILE` (or `$COVERAGE_RCFILE`): that file only, which must exist;
   in a TOML file `[tool.rcov.*]` is used if present, else `[tool.coverage.*]`;
2. otherwise `[tool.rcov.*]` in `pyproject.toml`, if there is one;
3. otherwise coverage.py's search: `.coveragerc` (sections `[run]` or
   `[coverage:run]`), `.coveragerc.toml`, `setup.cfg` and `tox.ini`
   (`[coverage:run]`), `pyproject.toml` (`[tool.coverage.run]`): the first
   that holds coverage settings is the one used; files are never merged.

Values follow coverage.py: booleans, integers, floats; lists separated by
commas or newlines (regex lists by newlines only); `~` expanded in file
names; `$VAR`, `${VAR}`, `${VAR-default}` and `$$` substituted in INI files and
in TOML strings of lists. A bad value is an error naming the file, the section
and the key. An unknown key in rcov's own section is an error too (it is new:
a typo there is a mistake); in coverage.py's sections it is a warning, as
coverage.py gives, and keys coverage.py knows but rcov does not use are
accepted silently, so existing files work unchanged.

Start-up time matters (every measured run reads the configuration), so
`configparser` and `tomllib` are imported only when a candidate file exists
and mentions coverage or rcov at all, and not again while its text is the
one parsed in an earlier run (`configmemo`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping

from .config import Settings
from .configmemo import parsed

__all__ = ["ConfigError", "read_settings"]


class ConfigError(Exception):
    """The configuration cannot be used; the message names the file and key."""


# What rcov reads: section -> key -> (kind, attribute of Settings).
_OPTIONS: dict[str, dict[str, tuple[str, str]]] = {
    "run": {
        "branch": ("boolean", "branch"),
        "source": ("list", "source"),
        "source_pkgs": ("list", "source_pkgs"),
        "include": ("list", "run_include"),
        "omit": ("list", "run_omit"),
        "parallel": ("boolean", "parallel"),
        "data_file": ("file", "data_file"),
        "relative_files": ("boolean", "relative_files"),
        "sigterm": ("boolean", "sigterm"),
    },
    "report": {
        "exclude_lines": ("regexlist", "exclude_lines"),
        "exclude_also": ("regexlist", "exclude_also"),
        "partial_branches": ("regexlist", "partial_branches"),
        "partial_branches_always": ("regexlist", "partial_branches_always"),
        "partial_also": ("regexlist", "partial_also"),
        "fail_under": ("float", "fail_under"),
        "precision": ("int", "precision"),
        "show_missing": ("boolean", "show_missing"),
        "skip_covered": ("boolean", "skip_covered"),
        "skip_empty": ("boolean", "skip_empty"),
        "sort": ("string", "sort"),
        "format": ("string", "format"),
        "include": ("list", "report_include"),
        "omit": ("list", "report_omit"),
    },
    "html": {
        "directory": ("file", "html_dir"),
        "title": ("string", "html_title"),
        "skip_covered": ("boolean", "html_skip_covered"),
        "skip_empty": ("boolean", "html_skip_empty"),
    },
    "xml": {
        "output": ("file", "xml_output"),
        "package_depth": ("int", "xml_package_depth"),
    },
    "json": {
        "output": ("file", "json_output"),
        "pretty_print": ("boolean", "json_pretty_print"),
    },
    "lcov": {
        "output": ("file", "lcov_output"),
        "line_checksums": ("boolean", "lcov_line_checksums"),
    },
}

# Keys coverage.py 7.17 knows that rcov does not use: accepted, ignored.
_COVERAGE_ONLY: dict[str, set[str]] = {
    "run": {
        "command_line", "concurrency", "context", "core", "cover_pylib", "debug",
        "debug_file", "disable_warnings", "dynamic_context", "patch", "plugins",
        "source_dirs", "timid", "_crash",
    },
    "report": {"ignore_errors", "include_namespace_packages", "contexts"},
    "html": {"extra_css", "show_contexts"},
    "xml": set(),
    "json": {"show_contexts"},
    "lcov": set(),
}  # fmt: skip

# Could this TOML text hold coverage or rcov settings? (`[tool.coverage.run]`,
# `[tool.rcov...]`, a bare `[tool]` table, or `[run]`-style tables of a
# `.coveragerc.toml`.)
_MAY_HOLD_SETTINGS = (
    rb"tool\s*\.\s*\"?(coverage|rcov)|^\s*\[\s*tool\s*\]"
    rb"|^\s*\[\s*(run|report|paths|html|xml|json|lcov)\b"
)

_VARIABLE = (
    r"\$(?:(?P<dollar>\$)|(?P<word1>\w+)|\{(?P<word2>\w+)(?:(?P<strict>\?)|-(?P<defval>[^}]*))?\})"
)


def _substitute(text: str, variables: Mapping[str, str], where: str) -> str:
    """`$VAR`, `${VAR}`, `${VAR?}` (must be set), `${VAR-default}` and `$$`."""

    def replace(m: re.Match[str]) -> str:
        if m["dollar"]:
            return "$"
        word = m["word1"] or m["word2"]
        if word in variables:
            return variables[word]
        if m["strict"]:
            raise ConfigError(f"{where}: variable {word} is undefined: {text!r}")
        return m["defval"] or ""

    if "$" not in text:
        return text
    return re.sub(_VARIABLE, replace, text)


def _convert(kind: str, value: object, where: str, from_toml: bool) -> object:
    """One value, checked and converted; `where` names it for errors."""
    env = os.environ
    if from_toml:
        if kind in ("list", "regexlist"):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where}: expected a list of strings, got {value!r}")
            items = [_substitute(v, env, where) for v in value]
            return _regexes(items, where) if kind == "regexlist" else items
        if kind == "boolean" and not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        if kind == "int" and (isinstance(value, bool) or not isinstance(value, int)):
            raise ConfigError(f"{where}: expected an integer, got {value!r}")
        if kind == "float":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigError(f"{where}: expected a number, got {value!r}")
            return float(value)
        if kind in ("string", "file"):
            if not isinstance(value, str):
                raise ConfigError(f"{where}: expected a string, got {value!r}")
            return os.path.expanduser(value) if kind == "file" else value
        return value

    assert isinstance(value, str)
    text = _substitute(value, env, where)
    if kind == "boolean":
        lowered = text.strip().lower()
        if lowered in ("1", "yes", "true", "on"):
            return True
        if lowered in ("0", "no", "false", "off"):
            return False
        raise ConfigError(f"{where}: expected a boolean (true or false), got {value!r}")
    if kind == "int":
        try:
            return int(text.strip())
        except ValueError:
            raise ConfigError(f"{where}: expected an integer, got {value!r}") from None
    if kind == "float":
        try:
            return float(text.strip())
        except ValueError:
            raise ConfigError(f"{where}: expected a number, got {value!r}") from None
    if kind == "list":
        return [
            item.strip() for line in text.split("\n") for item in line.split(",") if item.strip()
        ]
    if kind == "regexlist":
        return _regexes([line.strip() for line in text.split("\n")], where)
    if kind == "file":
        return os.path.expanduser(text.strip())
    return text.strip()


def _regexes(values: list[str], where: str) -> list[str]:
    out = []
    for value in values:
        value = value.strip()
        if not value:
            continue
        try:
            re.compile(value)
        except re.error as exc:
            raise ConfigError(f"{where}: invalid regular expression {value!r}: {exc}") from None
        out.append(value)
    return out


class _Source:
    """One configuration file's sections, as plain dicts of raw values."""

    def __init__(self, path: str, sections: dict[str, dict[str, object]], toml: bool, strict: bool):
        self.path = path
        self.sections = sections
        self.toml = toml
        self.strict = strict  # unknown keys are errors (rcov's own section)

    def apply(self, settings: Settings, warn: Callable[[str], None]) -> None:
        name = os.path.relpath(self.path) if not os.path.isabs(self.path) else self.path
        for section, values in self.sections.items():
            if section == "paths":
                settings.paths = {}
                for key, value in values.items():
                    where = f"{name}: [paths] {key}"
                    if self.toml:
                        paths = _convert("list", value, where, True)
                    else:
                        paths = _convert("list", value, where, False)
                    assert isinstance(paths, list)
                    settings.paths[key] = [os.path.expanduser(p) for p in paths]
                continue
            known = _OPTIONS.get(section)
            if known is None:
                continue
            for key, value in values.items():
                where = f"{name}: [{section}] {key}"
                if key in known:
                    kind, attr = known[key]
                    setattr(settings, attr, _convert(kind, value, where, self.toml))
                elif key in _COVERAGE_ONLY.get(section, ()):
                    continue
                elif self.strict:
                    raise ConfigError(f"{where}: unknown option")
                else:
                    warn(f"{where}: unrecognized option, ignored")


def _read_ini(path: str, our_file: bool) -> _Source | None:
    """A `.coveragerc`/`setup.cfg`/`tox.ini`; None if it has no coverage sections."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Couldn't read config file {path}: {exc}") from None
    if not our_file and "[coverage:" not in text:
        return None
    found = parsed("ini", text, lambda text: _parse_ini(text, path))
    prefixes = ["coverage:", ""] if our_file else ["coverage:"]
    sections: dict[str, dict[str, object]] = {}
    for section in [*_OPTIONS, "paths"]:
        for prefix in prefixes:
            values = found.get(prefix + section)
            if isinstance(values, dict):
                sections[section] = values
                break
    if not sections and not our_file:
        return None
    return _Source(path, sections, toml=False, strict=False)


def _parse_ini(text: str, path: str) -> dict[str, object]:
    """Each section's options (with `[DEFAULT]`'s), as `configparser` reads them."""
    import configparser

    parser = configparser.RawConfigParser()
    try:
        parser.read_string(text, source=path)
    except configparser.Error as exc:
        raise ConfigError(f"Couldn't read config file {path}: {exc}") from None
    return {section: dict(parser.items(section)) for section in parser.sections()}


def _load_toml(path: str) -> dict[str, object] | None:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"Couldn't read config file {path}: {exc}") from None
    # Most pyproject.toml files hold no coverage settings: tell without paying
    # for tomllib (a bare `[tool]` table could hide them, so parse that case).
    if not re.search(_MAY_HOLD_SETTINGS, data, re.MULTILINE):
        return {}
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"Couldn't read config file {path}: {exc}") from None
    return parsed("toml", text, lambda text: _parse_toml(text, path))


def _parse_toml(text: str, path: str) -> dict[str, object]:
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Couldn't read config file {path}: {exc}") from None


def _toml_source(path: str, doc: dict[str, object], table: str, strict: bool) -> _Source | None:
    """The `[tool.<table>.*]` sections of a TOML document (or top-level ones
    for table ""); None if there are none."""
    node: object = doc
    if table:
        for part in ("tool", table):
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
    if not isinstance(node, dict):
        return None
    sections: dict[str, dict[str, object]] = {}
    prefix = f"tool.{table}." if table else ""
    for section, values in node.items():
        if section not in _OPTIONS and section != "paths":
            if strict:
                raise ConfigError(f"{path}: [{prefix}{section}]: unknown section")
            continue
        if not isinstance(values, dict):
            raise ConfigError(f"{path}: [{prefix}{section}] must be a table")
        sections[section] = values
    if table and not sections and not strict:
        return None
    return _Source(path, sections, toml=True, strict=strict)


def _find_source(rcfile: str | None) -> _Source | None:
    if rcfile is None:
        rcfile = os.environ.get("COVERAGE_RCFILE") or None
    if rcfile is not None and rcfile != ".coveragerc":
        if not os.path.isfile(rcfile):
            raise ConfigError(f"Couldn't read {rcfile!r} as a config file")
        if rcfile.endswith(".toml"):
            doc = _load_toml(rcfile) or {}
            return (
                _toml_source(rcfile, doc, "rcov", strict=True)
                or _toml_source(rcfile, doc, "coverage", strict=False)
                or _toml_source(rcfile, doc, "", strict=False)
            )
        return _read_ini(rcfile, our_file=True)

    pyproject = _load_toml("pyproject.toml")
    if pyproject:
        own = _toml_source("pyproject.toml", pyproject, "rcov", strict=True)
        if own is not None:
            return own
    found = _read_ini(".coveragerc", our_file=True)
    if found is not None:
        return found
    rc_toml = _load_toml(".coveragerc.toml")
    if rc_toml is not None:
        return _toml_source(".coveragerc.toml", rc_toml, "coverage", strict=False) or (
            _toml_source(".coveragerc.toml", rc_toml, "", strict=False)
        )
    for name in ("setup.cfg", "tox.ini"):
        found = _read_ini(name, our_file=False)
        if found is not None:
            return found
    if pyproject:
        return _toml_source("pyproject.toml", pyproject, "coverage", strict=False)
    return None


def read_settings(rcfile: str | None = None, warn: Callable[[str], None] | None = None) -> Settings:
    """The settings from the configuration file in effect (and `$COVERAGE_FILE`).

    File names are relative to the current directory. Raises ConfigError.
    """
    settings = Settings()
    source = _find_source(rcfile)
    if source is not None:
        settings.config_file = os.path.abspath(source.path)
        source.apply(settings, warn or _warn)
    env_data_file = os.environ.get("COVERAGE_FILE")
    if env_data_file:
        settings.data_file = env_data_file
    return settings


def _warn(message: str) -> None:
    import sys

    sys.stderr.write(f"rcov: {message}\n")
