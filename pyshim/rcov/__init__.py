"""rcov: fast line and branch coverage for CPython 3.12+, with a Rust core.

Importing the package loads only the compiled extension (for the version);
the import hook, runner and reports load when a command needs them.

PYTEST_DONT_REWRITE: rcov is a pytest plugin that child processes import
before pytest starts; pytest must neither rewrite it nor warn that it cannot.
"""

from ._rcov import __version__

__all__ = ["__version__"]
