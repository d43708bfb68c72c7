"""rcov: fast line and branch coverage for CPython 3.12+, with a Rust core.

Importing the package loads nothing more: the library API (`rcov.Coverage`,
`rcov.instrument_source`), the version (from the compiled extension), the
import hook, runner and reports load when first used. pytest imports the
package in every run (the plugin), measured or not.

PYTEST_DONT_REWRITE: rcov is a pytest plugin that child processes import
before pytest starts; pytest must neither rewrite it nor warn that it cannot.
"""

# Names for annotations only: the typing module is not loaded at run time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._rcov import __version__
    from .api import Coverage, CoverageError
    from .probes import InstrumentedSource, Probe, instrument_source

__all__ = [
    "Coverage",
    "CoverageError",
    "InstrumentedSource",
    "Probe",
    "__version__",
    "instrument_source",
]

# Public name -> the module that defines it, imported on first access.
_LAZY = {
    "__version__": "_rcov",
    "Coverage": "api",
    "CoverageError": "api",
    "InstrumentedSource": "probes",
    "Probe": "probes",
    "instrument_source": "probes",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'rcov' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"rcov.{module}"), name)
    globals()[name] = value
    return value
