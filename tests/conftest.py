"""Shared pytest hooks: corpus programs for newer Pythons (see corpus_versions.py)
are skipped, with the reason, on an interpreter that lacks their syntax."""

from __future__ import annotations

import sys
from pathlib import PurePath

import pytest
from corpus_versions import needs_minor, runs_here


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is None:
            continue
        for value in callspec.params.values():
            if isinstance(value, (str, PurePath)) and not runs_here(value):
                reason = (
                    f"{PurePath(value).name} needs Python 3.{needs_minor(value)} (syntax or semantics); "
                    f"this is {sys.version_info.major}.{sys.version_info.minor}"
                )
                item.add_marker(pytest.mark.skip(reason=reason))
                break
