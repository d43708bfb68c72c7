#!/usr/bin/env bash
# Install rcov into .venv (CPython 3.12.1 from pyenv) and measure an example.
#
#   bash scripts/try.sh                 # the example below
#   bash scripts/try.sh path/to/prog.py # any program of yours
#
# Creates .venv on the first run and reuses it afterwards; `pip install .`
# fetches maturin from PyPI and builds the Rust extension (a few minutes the
# first time).
set -euo pipefail
cd "$(dirname "$0")/.."

PYENV_ROOT="$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")"
PYTHON="$PYENV_ROOT/versions/3.12.1/bin/python3.12"
if [ ! -x "$PYTHON" ]; then
    echo "try.sh: CPython 3.12.1 not found at $PYTHON (install it with: pyenv install 3.12.1)" >&2
    exit 1
fi

if [ ! -x .venv/bin/python ]; then
    echo "== creating .venv from $PYTHON"
    "$PYTHON" -m venv .venv
fi
echo "== pip install . (builds the Rust extension with maturin)"
.venv/bin/python -m pip install --quiet --disable-pip-version-check .

PROGRAM="${1:-examples/text_stats.py}"
echo "== python -m rcov.instrument --branch $PROGRAM"
echo
.venv/bin/python -m rcov.instrument --branch "$PROGRAM" "${@:2}"
