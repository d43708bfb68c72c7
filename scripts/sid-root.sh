#!/usr/bin/env bash
# A Debian sid root file system with CPython 3.14 and 3.15, to run rcov's tests on
# the Python versions that pyenv does not provide here.
#
#   bash scripts/sid-root.sh create               # build .ci/sid-root (reused once complete)
#   bash scripts/sid-root.sh run CMD [ARGS...]    # run CMD in it, cwd = this checkout
#   bash scripts/sid-root.sh venv 3.14            # (re)fill its test virtualenv for 3.14
#   bash scripts/sid-root.sh python 3.14 ARGS...  # that virtualenv's python
#
# `create` installs debootstrap on the host when it is missing, then runs
#   debootstrap --variant=minbase --include=python3.14,python3.15,... sid DIR URI
# with URI read at run time from the `URIs:` line of the host's apt sources (no
# host name is written here). It builds into DIR.tmp and renames it when done, so
# a root that exists is complete (DIR/.rcov-packages lists what it was built
# with; packages added to the list since are installed into it with apt-get); a
# half-built one from an interrupted run is removed and built again.
#
# `run` works in a private mount namespace (unshare --mount): /proc, /dev (with
# /dev/pts and /dev/shm) and this checkout (at the same path as on the host, so
# paths in logs and test output are the host's) are mounted for CMD and unmounted
# by a trap when it ends, however it ends; the namespace dies with CMD as well, so
# nothing can stay mounted on the host. The host's CA bundle and resolver
# configuration are copied in first, so pip inside reaches the package index the
# host reaches. CMD gets a small clean environment (see sid_env below): the host's
# pip configuration, pyenv and paths do not exist inside.
#
# Test virtualenvs live inside the root, /opt/rcov/venv-test314 and
# /opt/rcov/venv-test315, with tests/requirements.txt from the package index.
#
# RCOV_SID_ROOT=DIR uses another root; RCOV_SID_CWD=DIR (under this checkout) is
# the working directory of CMD instead of the checkout itself.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
SID_ROOT="${RCOV_SID_ROOT:-$ROOT/.ci/sid-root}"
# The test suites of the standard libraries too: pyenv's CPython has them, and the
# tests that run rcov over the standard library expect them (and their new syntax).
PACKAGES=python3.14,python3.15,python3.14-venv,python3.15-venv,libpython3.14-testsuite,libpython3.15-testsuite
CA_INSIDE=/etc/ssl/certs/rcov-host-ca.pem

usage() { sed -n '2,9p' "$0"; }
die() { echo "sid-root.sh: $*" >&2; exit 1; }

# --- create -----------------------------------------------------------------

mirror_uri() { # the Debian mirror of the host's apt sources (first deb822 `URIs:` line naming /debian)
    local uri
    uri="$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list \
        /etc/apt/sources.list | awk '{print $2}' | grep -E '/debian/?$' | head -n 1 || true)"
    if [ -z "$uri" ]; then # one-line format: deb URI SUITE COMPONENTS
        uri="$(grep -hsE '^deb[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
            | awk '{print $2}' | grep -E '/debian/?$' | head -n 1 || true)"
    fi
    [ -n "$uri" ] || die "no Debian mirror (URIs: .../debian) in the apt sources"
    echo "$uri"
}

mounted_under() { # prints the mount points at or under $1, if any
    awk -v dir="$1" '$2 == dir || index($2, dir "/") == 1 {print $2}' /proc/self/mounts
}

create() {
    if [ "$(cat "$SID_ROOT/.rcov-packages" 2>/dev/null)" = "$PACKAGES" ]; then
        return 0 # complete: only a finished build is renamed into place
    fi
    if [ -x "$SID_ROOT/usr/bin/python3.14" ] && [ -x "$SID_ROOT/usr/bin/python3.15" ]; then
        echo "adding packages to $SID_ROOT"
        in_root apt-get install -y -qq --no-install-recommends ${PACKAGES//,/ } >/dev/null
        in_root apt-get clean
        echo "$PACKAGES" >"$SID_ROOT/.rcov-packages"
        return 0
    fi
    [ "$(id -u)" -eq 0 ] || die "building the root file system needs root"
    if ! command -v debootstrap >/dev/null; then
        echo "installing debootstrap on the host"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
    fi
    # `dir` is local: bash's dynamic scope would otherwise overwrite the
    # caller's `dir` (venv's virtualenv path) on a first build.
    local tmp="$SID_ROOT.tmp" uri dir
    uri="$(mirror_uri)"
    for dir in "$SID_ROOT" "$tmp"; do # leftovers of an interrupted build
        [ -z "$(mounted_under "$dir")" ] || die "something is still mounted under $dir"
        rm -rf "$dir"
    done
    mkdir -p "$(dirname "$SID_ROOT")"
    echo "debootstrap: sid with $PACKAGES into $SID_ROOT"
    local start=$SECONDS
    if ! debootstrap --variant=minbase --include="$PACKAGES" sid "$tmp" "$uri" >"$tmp.log" 2>&1; then
        tail -n 30 "$tmp.log" >&2
        die "debootstrap failed (log: $tmp.log)"
    fi
    rm -f "$tmp.log"
    rm -rf "$tmp/var/cache/apt/archives/"*.deb
    echo "$PACKAGES" >"$tmp/.rcov-packages"
    mv "$tmp" "$SID_ROOT"
    echo "root file system ready in $((SECONDS - start))s"
}

# --- run --------------------------------------------------------------------

host_ca_bundle() { # the CA bundle the host's pip and Python use
    local cert="${PIP_CERT:-${SSL_CERT_FILE:-}}"
    if [ -z "$cert" ] && command -v pip3 >/dev/null; then
        cert="$(pip3 config get global.cert 2>/dev/null || true)"
    fi
    [ -n "$cert" ] && [ -f "$cert" ] || cert=/etc/ssl/certs/ca-certificates.crt
    [ -f "$cert" ] && echo "$cert"
}

copy_in() { # copy_in SRC DEST: a copy then a rename, as runs side by side copy the same files
    cp -L "$1" "$2.$$"
    mv -f "$2.$$" "$2" # replaces a dangling symlink too
}

prepare() { # files copied in before every run (the host's may have changed)
    local cert
    if cert="$(host_ca_bundle)"; then
        mkdir -p "$SID_ROOT/$(dirname "$CA_INSIDE")"
        copy_in "$cert" "$SID_ROOT$CA_INSIDE"
    fi
    copy_in /etc/resolv.conf "$SID_ROOT/etc/resolv.conf"
    mkdir -p "$SID_ROOT$ROOT" "$SID_ROOT/tmp" "$SID_ROOT/opt/rcov"
    chmod 1777 "$SID_ROOT/tmp"
}

sid_env() { # the environment CMD sees, NUL-separated: a clean one, plus what the tests and pip read
    local name
    printf '%s\0' HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        LANG=C.UTF-8 TMPDIR=/tmp "TERM=${TERM:-dumb}" \
        PIP_CERT="$CA_INSIDE" SSL_CERT_FILE="$CA_INSIDE" REQUESTS_CA_BUNDLE="$CA_INSIDE" \
        PIP_DISABLE_PIP_VERSION_CHECK=1 "PIP_DEFAULT_TIMEOUT=${PIP_DEFAULT_TIMEOUT:-60}" \
        DEBIAN_FRONTEND=noninteractive
    for name in $(compgen -e); do
        case "$name" in
            RCOV_* | PYTEST_ADDOPTS | http_proxy | https_proxy | no_proxy | HTTP_PROXY | HTTPS_PROXY | NO_PROXY)
                printf '%s\0' "$name=${!name}" ;;
        esac
    done
}

MOUNTS=() # what inside() mounted, for its trap (which runs after inside() returns)
inside() { # runs in the private mount namespace: mount, chroot, unmount
    cleanup() { # innermost first; lazy, so a busy mount cannot keep the others
        local i
        for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
            umount -l "${MOUNTS[$i]}" 2>/dev/null || true
        done
    }
    trap cleanup EXIT
    mount_one() { # mount_one TARGET MOUNT-ARGS...
        local target="$1"
        shift
        mount "$@" "$target"
        MOUNTS+=("$target")
    }
    mount --make-rprivate / # nothing done here may reach the host's mounts
    mount_one "$SID_ROOT/proc" -t proc proc
    mount_one "$SID_ROOT/dev" --rbind /dev
    mount --make-rslave "$SID_ROOT/dev"
    mount_one "$SID_ROOT$ROOT" --bind "$ROOT"
    local env=()
    mapfile -d '' env < <(sid_env)
    # A subshell, not exec: the trap must still run when CMD ends.
    (cd / && chroot "$SID_ROOT" /usr/bin/env -i "${env[@]}" /bin/sh -c 'cd "$1" && shift && exec "$@"' \
        sh "${RCOV_SID_CWD:-$ROOT}" "$@")
}

in_root() { # CMD in the root as it is
    prepare
    unshare --mount --propagation private bash "$0" _inside "$@"
}

run() {
    [ $# -gt 0 ] || die "run: no command"
    create
    in_root "$@"
}

# --- test virtualenvs --------------------------------------------------------

check_version() {
    case "${1:-}" in 3.14 | 3.15) ;; *) die "expected 3.14 or 3.15, got '${1:-}'" ;; esac
}
# A virtualenv's bin/python links to /usr/bin/python3.X of the root: dangling when
# seen from the host, so the host checks pyvenv.cfg instead.
venv_inside() { echo "/opt/rcov/venv-test${1/./}"; }

venv() { # venv VERSION: create (or reuse) the virtualenv, install the test requirements
    check_version "$1"
    local dir
    dir="$(venv_inside "$1")"
    create
    if [ ! -f "$SID_ROOT$dir/pyvenv.cfg" ]; then
        run "python$1" -m venv "$dir"
    fi
    run "$dir/bin/python" -m pip install --quiet -r "$ROOT/tests/requirements.txt"
}

python_() { # python VERSION ARGS...
    check_version "${1:-}"
    local dir
    dir="$(venv_inside "$1")"
    [ -f "$SID_ROOT$dir/pyvenv.cfg" ] || die "no virtualenv $dir: run '$0 venv $1' first"
    shift
    run "$dir/bin/python" "$@"
}

command="${1:-}"
[ $# -gt 0 ] && shift
case "$command" in
    create) create ;;
    run) run "$@" ;;
    venv) venv "$@" ;;
    python) python_ "$@" ;;
    _inside) inside "$@" ;;
    -h | --help | "") usage ;;
    *) usage >&2; exit 2 ;;
esac
