#!/usr/bin/env bash
# Overhead benchmark of rcov vs coverage.py and SlipCover, then the rewriter's
# speed (see the README, section "Performance").
#
#   bash benches/run.sh                 # full run, writes benches/RESULTS.md and overhead.png
#   bash benches/run.sh --quick         # small workloads, 1 repetition: checks the harness
#   bash benches/run.sh --reps 3 --only nbody,richards
#   bash benches/run.sh --reps 2 --scale 0.5   # about 45 min on a busy 2-core machine
#
# Creates benches/.venv-3.12 and benches/.venv-3.13 on the first run (pinned
# tools from PyPI, rcov built from this checkout in release mode) and reinstalls
# rcov on every run so the numbers are for the code checked out now.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
PYENV_ROOT="$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")"
VERSIONS=("3.12.1" "3.13.0")
TOOLS=(coverage==7.17.3 slipcover==1.1.0 pytest==9.2.0 matplotlib==3.11.2)

PIP_QUIET=(--quiet --disable-pip-version-check)
WHEELS="$HERE/.wheels"
rm -rf "$WHEELS"
mkdir -p "$WHEELS"
PYTHONS=()
for full in "${VERSIONS[@]}"; do
    minor="${full%.*}"
    base="$PYENV_ROOT/versions/$full/bin/python$minor"
    venv="$HERE/.venv-$minor"
    if [ ! -x "$venv/bin/python" ]; then
        echo "== creating $venv from $base" >&2
        "$base" -m venv "$venv"
        "$venv/bin/python" -m pip install "${PIP_QUIET[@]}" "${TOOLS[@]}"
    fi
    PYTHONS+=("$venv/bin/python")
done

# One abi3 wheel serves every interpreter: build it once, install it everywhere.
echo "== building rcov (release) from $ROOT" >&2
"${PYTHONS[0]}" -m pip wheel "${PIP_QUIET[@]}" --no-deps -w "$WHEELS" "$ROOT"
for py in "${PYTHONS[@]}"; do
    "$py" -m pip install "${PIP_QUIET[@]}" --force-reinstall --no-deps "$WHEELS"/rcov-*.whl
done

IFS=,
"${PYTHONS[0]}" "$HERE/run.py" --pythons "${PYTHONS[*]}" "$@"
unset IFS
# Rewriter speed over each interpreter's standard library (a few minutes).
if [[ " $* " != *" --quick "* && " $* " != *" --only "* ]]; then
    for py in "${PYTHONS[@]}"; do
        "$py" "$HERE/rewriter.py" --out "$HERE" >/dev/null
    done
fi
