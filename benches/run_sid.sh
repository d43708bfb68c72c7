#!/usr/bin/env bash
# The overhead benchmark on CPython 3.14 and 3.15, which run in the Debian sid
# root file system of scripts/sid-root.sh (built there when missing; root needed).
#
#   bash benches/run_sid.sh --reps 3 --scale 0.15     # any options of benches/run.py
#
# The abi3 wheel is built on the host (as benches/run.sh builds it); the root
# gets /opt/rcov/bench-3.14 and /opt/rcov/bench-3.15 with the same pinned tools
# (no matplotlib; no SlipCover on 3.15, which it does not support); benches/run.py
# runs inside the root, one version after the other, so each measured process is
# timed there alone, and writes benches/sid/3.14 and benches/sid/3.15. The host
# then merges their results.json with benches/results.json (from benches/run.sh)
# into benches/RESULTS.md and benches/overhead.png: one section per version.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
SID="$ROOT/scripts/sid-root.sh"
PYENV_ROOT="$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")"
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
COMMIT="$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)" # no git inside

bash "$SID" create
# SlipCover 1.1.0 supports Python up to 3.14: 3.15 is measured without it.
declare -A TOOLS_OF=(
    [3.14]="coverage==7.17.3 slipcover==1.1.0 pytest==9.2.0"
    [3.15]="coverage==7.17.3 pytest==9.2.0"
)
declare -A COLUMNS_OF=(
    [3.14]=""
    [3.15]="none,rcov-line,rcov-branch,coverage-line,coverage-sysmon,coverage-branch"
)
merged="$HERE/results.json"
for version in 3.14 3.15; do
    venv="/opt/rcov/bench-$version"
    if [ ! -f "$ROOT/.ci/sid-root$venv/pyvenv.cfg" ]; then
        echo "== creating $venv in the sid root" >&2
        bash "$SID" run "python$version" -m venv "$venv"
    fi
    # shellcheck disable=SC2086 # the list is split on purpose
    bash "$SID" run "$venv/bin/python" -m pip install "${PIP_QUIET[@]}" ${TOOLS_OF[$version]}
    bash "$SID" run "$venv/bin/python" -m pip install "${PIP_QUIET[@]}" --force-reinstall \
        --no-deps "$WHEEL"
    columns=()
    [ -z "${COLUMNS_OF[$version]}" ] || columns=(--tools "${COLUMNS_OF[$version]}")
    bash "$SID" run "$venv/bin/python" "$HERE/run.py" --pythons "$venv/bin/python" --no-chart \
        --out "$HERE/sid/$version" --launcher "bash benches/run_sid.sh" --commit "$COMMIT" \
        "${columns[@]}" "$@"
    merged="$merged,$HERE/sid/$version/results.json"
done

if [ -f "$HERE/results.json" ]; then
    # The chart needs matplotlib, which a host venv made above lacks (when
    # benches/run.sh ran in another clone): the same pin as run.sh's.
    "$HOST_VENV/bin/python" -c "import matplotlib" 2>/dev/null ||
        "$HOST_VENV/bin/python" -m pip install "${PIP_QUIET[@]}" matplotlib==3.11.2
    "$HOST_VENV/bin/python" "$HERE/run.py" --merge "$merged" "$@"
else
    echo "benches/sid/3.1x/RESULTS.md written; run benches/run.sh first to merge them" >&2
fi
