#!/usr/bin/env bash
# The overhead benchmark on CPython 3.14 and 3.15, which run in the Debian sid
# root file system of scripts/sid-root.sh (built there when missing; root needed).
#
#   bash benches/run_sid.sh --reps 3 --scale 0.15     # any options of benches/run.py
#
# The abi3 wheel is built on the host (as benches/run.sh builds it); the root
# gets /opt/rcov/bench-3.14 and /opt/rcov/bench-3.15 with the same pinned tools
# (no matplotlib); benches/run.py runs inside the root, so each measured process
# is timed there alone, and writes benches/sid/. The host then merges
# benches/sid/results.json with benches/results.json (from benches/run.sh) into
# benches/RESULTS.md and benches/overhead.png: one section per Python version.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
SID="$ROOT/scripts/sid-root.sh"
PYENV_ROOT="$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")"
TOOLS=(coverage==7.17.3 slipcover==1.1.0 pytest==9.2.0)
PIP_QUIET=(--quiet --disable-pip-version-check)

HOST_VENV="$HERE/.venv-3.12" # made by benches/run.sh; made here (without its tools) if missing
if [ ! -x "$HOST_VENV/bin/python" ]; then
    "$PYENV_ROOT/versions/3.12.1/bin/python3.12" -m venv "$HOST_VENV"
fi
WHEELS="$HERE/.wheels"
rm -rf "$WHEELS"
mkdir -p "$WHEELS"
echo "== building rcov (release) from $ROOT" >&2
"$HOST_VENV/bin/python" -m pip wheel "${PIP_QUIET[@]}" --no-deps -w "$WHEELS" "$ROOT"
WHEEL="$(ls "$WHEELS"/rcov-*.whl)"

bash "$SID" create
PYTHONS=()
for version in 3.14 3.15; do
    venv="/opt/rcov/bench-$version"
    if [ ! -f "$ROOT/.ci/sid-root$venv/pyvenv.cfg" ]; then
        echo "== creating $venv in the sid root" >&2
        bash "$SID" run "python$version" -m venv "$venv"
        bash "$SID" run "$venv/bin/python" -m pip install "${PIP_QUIET[@]}" "${TOOLS[@]}"
    fi
    bash "$SID" run "$venv/bin/python" -m pip install "${PIP_QUIET[@]}" --force-reinstall \
        --no-deps "$WHEEL"
    PYTHONS+=("$venv/bin/python")
done

IFS=,
bash "$SID" run "${PYTHONS[0]}" "$HERE/run.py" --pythons "${PYTHONS[*]}" --no-chart \
    --out "$HERE/sid" "$@"
unset IFS
if [ -f "$HERE/results.json" ] && "$HOST_VENV/bin/python" -c "import matplotlib" 2>/dev/null; then
    "$HOST_VENV/bin/python" "$HERE/run.py" --merge "$HERE/results.json,$HERE/sid/results.json" "$@"
else
    echo "benches/sid/RESULTS.md written; run benches/run.sh first to merge with 3.12 and 3.13" >&2
fi
