#!/usr/bin/env bash
# Run rcov's whole test suite: the Rust checks, then pytest on CPython 3.12, 3.13,
# 3.14 and 3.15.
#
#   bash scripts/test.sh                # everything (what CI runs)
#   bash scripts/test.sh 3.12           # pytest on one Python version only (Rust checks too)
#   bash scripts/test.sh 3.14           # likewise; 3.14 and 3.15 run in a Debian sid chroot
#   bash scripts/test.sh --no-rust 3.13 # skip cargo test / fmt / clippy
#   bash scripts/test.sh 3.12 -- -k accuracy -x   # arguments after -- go to pytest
#
# Needs only pyenv's CPython 3.12.1 / 3.13.0 and cargo; everything else comes from
# PyPI. Each version gets its own virtualenv, .venv-test312 / .venv-test313
# (created on the first run, reused afterwards), with tests/requirements.txt in it.
# 3.14 and 3.15 are Debian sid's, in a root file system that scripts/sid-root.sh
# builds once under .ci/sid-root (debootstrap; root needed), virtualenvs inside it.
# The extension is an abi3 wheel: it is built once with `maturin build --release`
# and installed into every virtualenv.
#
# Network tests (@pytest.mark.network: they download packages from PyPI) run when
# PyPI answers and are deselected when it does not; RCOV_NETWORK_TESTS=1 forces
# them (a failed download then fails the run), RCOV_NETWORK_TESTS=0 skips them.
#
# Every step runs even after an earlier one failed; the exit status is non-zero
# if any step failed, and a summary of the steps is printed at the end.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

if ! command -v cargo >/dev/null && [ -x "$HOME/.cargo/bin/cargo" ]; then
    PATH="$HOME/.cargo/bin:$PATH"
fi
PYENV_ROOT="$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")"
declare -A PATCH=([3.12]=3.12.1 [3.13]=3.13.0 [3.14]="3.14, Debian sid" [3.15]="3.15, Debian sid")

run_rust=1
versions=()
pytest_args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --no-rust) run_rust=0 ;;
        3.12 | 3.13 | 3.14 | 3.15) versions+=("$1") ;;
        --) shift; pytest_args=("$@"); break ;;
        -h | --help) sed -n '2,24p' "$0"; exit 0 ;;
        *) echo "test.sh: unknown argument $1 (expected 3.12, 3.13, 3.14, 3.15, --no-rust or --)" >&2; exit 2 ;;
    esac
    shift
done
[ ${#versions[@]} -eq 0 ] && versions=(3.12 3.13 3.14 3.15)

results=()
failed=0
step() { # step NAME COMMAND...: run, time and record one step
    local name="$1" start status
    shift
    echo
    echo "=== $name"
    start=$(date +%s)
    "$@"
    status=$?
    results+=("$(printf '%-8s %4ss  %s' "$([ $status -eq 0 ] && echo ok || echo FAILED)" $(($(date +%s) - start)) "$name")")
    [ $status -eq 0 ] || failed=1
    return $status
}

interpreter() { echo "$PYENV_ROOT/versions/${PATCH[$1]}/bin/python$1"; }

# --- 3.14 and 3.15: not in pyenv here; they run in a Debian sid root file system
# that scripts/sid-root.sh builds (once) under .ci/sid-root, in a virtualenv inside
# it, with this checkout mounted at the same path. The wheel is built on the host.
is_sid() { [ "$1" = 3.14 ] || [ "$1" = 3.15 ]; }
venv_of() {
    if is_sid "$1"; then echo "$ROOT/.ci/sid-root/opt/rcov/venv-test${1/./}"; else echo "$ROOT/.venv-test${1/./}"; fi
}
venv_python() { # venv_python VERSION ARGS...: the python of that version's test virtualenv
    if is_sid "$1"; then
        bash "$ROOT/scripts/sid-root.sh" python "$@"
    else
        "$(venv_of "$1")/bin/python" "${@:2}"
    fi
}
# The wheel is built (and the index probed) by a host interpreter: the first host
# version asked for, or 3.12 (whose virtualenv is then made for maturin alone).
BUILD_VERSION=3.12
for v in "${versions[@]}"; do is_sid "$v" || { BUILD_VERSION="$v"; break; }; done
# --- end of 3.14 / 3.15

make_venv() { # make_venv VERSION: create (or reuse) the virtualenv and install the test requirements
    local python venv
    if is_sid "$1"; then bash "$ROOT/scripts/sid-root.sh" venv "$1"; return; fi
    python="$(interpreter "$1")"
    venv="$(venv_of "$1")"
    if [ ! -x "$python" ]; then
        echo "CPython ${PATCH[$1]} not found at $python" >&2
        return 1
    fi
    if [ ! -x "$venv/bin/python" ]; then
        "$python" -m venv "$venv" || return 1
    fi
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r tests/requirements.txt
}

WHEELS="$ROOT/target/test-wheels"
build_wheel() { # one abi3 wheel serves every Python version
    rm -rf "$WHEELS"
    "$(venv_of "$BUILD_VERSION")/bin/maturin" build --release --quiet \
        --interpreter "$(interpreter "$BUILD_VERSION")" -o "$WHEELS"
}

install_wheel() {
    local wheel
    wheel="$(ls "$WHEELS"/rcov-*.whl 2>/dev/null | head -n 1)"
    [ -n "$wheel" ] || { echo "no wheel in $WHEELS" >&2; return 1; }
    venv_python "$1" -m pip install --quiet --disable-pip-version-check \
        --force-reinstall --no-deps "$wheel"
}

pypi_reachable() { # asks pip's configured index, so no host is named here
    "$(interpreter "$BUILD_VERSION")" -m pip index versions pip --quiet \
        --disable-pip-version-check >/dev/null 2>&1 \
        || { echo "the package index is not reachable"; return 1; }
}

network_marker=()
case "${RCOV_NETWORK_TESTS:-auto}" in
    1) ;;
    0) network_marker=(-m "not network") ;;
    *) pypi_reachable || network_marker=(-m "not network") ;;
esac
if [ ${#network_marker[@]} -gt 0 ]; then
    echo "network tests deselected"
fi

LOGS="$ROOT/target/test-logs"
# pytest's temporary directories are outside the checkout (a pytest run inside
# one must not find this project's configuration) and named after it, so that
# test runs of several checkouts at once never share one.
CHECKOUT_ID="$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)"
run_pytest() { # pytest in the virtualenv of one version, its output to a log file
    # rcov comes from the installed wheel (pyshim/ is not on sys.path). Any
    # non-zero status fails the step, including pytest's 5 for "no test collected".
    venv_python "$1" -m pytest -q -rfE -p no:cacheprovider --durations=5 \
        --basetemp="$(is_sid "$1" && echo /tmp || echo "${TMPDIR:-/tmp}")/rcov-pytest-$CHECKOUT_ID-$1" \
        "${network_marker[@]}" "${pytest_args[@]}" >"$LOGS/pytest-$1.log" 2>&1
}

run_all_pytest() { # the versions run side by side (pytest uses one core each), then their logs
    local v i bad=0 pids=() statuses=()
    mkdir -p "$LOGS"
    for v in "${versions[@]}"; do
        run_pytest "$v" &
        pids+=($!)
    done
    for i in "${!pids[@]}"; do
        wait "${pids[$i]}"
        statuses+=($?)
    done
    for i in "${!versions[@]}"; do
        echo
        echo "=== pytest on Python ${versions[$i]}"
        cat "$LOGS/pytest-${versions[$i]}.log"
        results+=("$(printf '%-8s %5s  %s' "$([ "${statuses[$i]}" -eq 0 ] && echo ok || echo FAILED)" "" "pytest on Python ${versions[$i]}: exit status ${statuses[$i]}")")
        [ "${statuses[$i]}" -eq 0 ] || bad=1
    done
    return $bad
}

for v in "${versions[@]}"; do
    step "virtualenv $(venv_of "$v" | sed "s|$ROOT/||") (CPython ${PATCH[$v]})" make_venv "$v"
done
case " ${versions[*]} " in *" $BUILD_VERSION "*) ;; *) # only 3.14/3.15 asked for: maturin's
    step "virtualenv $(venv_of "$BUILD_VERSION" | sed "s|$ROOT/||") (CPython ${PATCH[$BUILD_VERSION]}, builds the wheel)" make_venv "$BUILD_VERSION" ;;
esac

# --- headless Chromium for tests/test_htmlreport.py (the HTML report is checked in
# a browser): Debian's chromium package, installed once, only when it is missing.
# Without it (not root, no apt-get) the browser tests are skipped, not failed.
ensure_chromium() {
    command -v chromium >/dev/null && return 0
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
        echo "chromium is not installed and cannot be installed here: browser tests will be skipped"
        return 0
    fi
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
}
step "chromium for the HTML report's browser tests" ensure_chromium
# --- end of chromium

if [ $run_rust -eq 1 ]; then
    # PyO3's build script must see a 3.12+ interpreter (the default python3 is older).
    export PYO3_PYTHON
    PYO3_PYTHON="$(interpreter 3.12)"
    step "cargo fmt --check" cargo fmt --all --check
    step "cargo clippy" cargo clippy --workspace --all-targets --quiet -- -D warnings
    # The runtime crate's test binary links libpython 3.12.
    step "cargo test" env LD_LIBRARY_PATH="$PYENV_ROOT/versions/3.12.1/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
        cargo test --workspace --quiet
fi

# --- pytest 8: the pytest plugin and rcov's hook of pytest's assertion rewriting
# are checked with pytest 8 as well (the virtualenvs above get the newest pytest).
PYTEST8_VENV="$ROOT/.venv-test312-pytest8"
pytest8_plugin_tests() {
    local py="$PYTEST8_VENV/bin/python" wheel
    [ -x "$py" ] || "$(interpreter 3.12)" -m venv "$PYTEST8_VENV" || return 1
    "$py" -m pip install --quiet --disable-pip-version-check -r tests/requirements.txt \
        "pytest>=8,<9" || return 1
    wheel="$(ls "$WHEELS"/rcov-*.whl 2>/dev/null | head -n 1)"
    "$py" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps \
        "$wheel" || return 1
    "$py" -m pytest -q -rfE -p no:cacheprovider --basetemp="${TMPDIR:-/tmp}/rcov-pytest8-$CHECKOUT_ID" \
        tests/test_pytest_plugin.py
}
# --- end of pytest 8

if step "maturin build --release (abi3 wheel)" build_wheel; then
    installed=1
    for v in "${versions[@]}"; do
        step "install wheel into Python $v" install_wheel "$v" || installed=0
    done
    if [ $installed -eq 1 ]; then
        step "pytest on Python ${versions[*]} (side by side)" run_all_pytest
        case " ${versions[*]} " in *" 3.12 "*)
            step "pytest 8 on Python 3.12: tests/test_pytest_plugin.py" pytest8_plugin_tests ;;
        esac
    fi
else
    failed=1
fi

echo
echo "=== summary"
printf '%s\n' "${results[@]}"
exit $failed
