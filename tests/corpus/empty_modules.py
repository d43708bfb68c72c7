"""Imports modules with no statements: empty, comments only, docstring only, __future__ only."""

import empties.comments_only
import empties.docstring_only
import empties.future_only


def describe(module: object) -> str:
    doc = getattr(module, "__doc__", None)
    if doc:
        return f"doc: {doc}"
    return "no doc"


for mod in (empties.comments_only, empties.docstring_only, empties.future_only):
    print(mod.__name__, describe(mod))
if not empties.__file__:
    print("package without a file")
