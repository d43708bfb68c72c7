"""Import every module of a package found under a source root.

    python import_all.py ROOT PACKAGE [LIMIT]

Modules are found by walking the directory (nothing imported to find them),
sorted, and imported one by one; a module that fails to import (an optional
dependency missing) is counted and skipped, so every tool imports the same set.
"""

import importlib
import sys
from pathlib import Path


def module_names(root: Path, package: str) -> list[str]:
    names = []
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        if parts[-1] == "__main__":
            continue
        names.append(".".join(parts))
    return names


def main() -> None:
    root, package = Path(sys.argv[1]), sys.argv[2]
    names = module_names(root, package)
    if len(sys.argv) > 3:
        names = names[: int(sys.argv[3])]
    failed = 0
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - optional dependencies differ by machine
            failed += 1
    first = sys.modules[package].__file__
    print(f"imported {len(names) - failed} of {len(names)} modules from {first}")


if __name__ == "__main__":
    main()
