#!/usr/bin/env bash
# Creates or refreshes the Python virtualenv used by the JOSE interop tests
# (target/interop-venv, packages pinned in tests/interop/requirements.txt)
# and prints the venv's python path as the last line of stdout.
#
# Quick when up to date: a stamp file records the sha256 of requirements.txt
# and the base interpreter's version; any change rebuilds the venv from
# scratch. Concurrent callers are serialised with flock.
#
# Environment: INTEROP_BASE_PYTHON (default python3) is the interpreter that
# creates the venv. On Debian it needs the python3-venv package.
set -euo pipefail

cd "$(dirname "$0")/.."

readonly REQUIREMENTS="tests/interop/requirements.txt"
readonly VENV="target/interop-venv"
readonly STAMP="$VENV/.requirements.stamp"
readonly LOCK="target/interop-venv.lock"
readonly BASE_PYTHON="${INTEROP_BASE_PYTHON:-python3}"

log() {
    echo "interop-venv: $*" >&2
}

# What the stamp must hold for the venv to count as up to date.
wanted_stamp() {
    sha256sum "$REQUIREMENTS" | cut -d' ' -f1
    "$BASE_PYTHON" -c 'import sys; print(sys.version)'
}

is_up_to_date() {
    [[ -f "$STAMP" && -x "$VENV/bin/python" ]] &&
        [[ "$(cat "$STAMP")" == "$(wanted_stamp)" ]] &&
        "$VENV/bin/python" -c '' 2>/dev/null
}

build_venv() {
    log "creating $VENV from $REQUIREMENTS"
    rm -f "$STAMP"
    if ! "$BASE_PYTHON" -m venv --clear "$VENV" >&2; then
        log "'$BASE_PYTHON -m venv' failed (on Debian: apt-get install python3-venv)"
        exit 1
    fi
    "$VENV/bin/python" -m pip install \
        --require-virtualenv --no-input --disable-pip-version-check \
        --quiet --only-binary=:all: \
        --requirement "$REQUIREMENTS" >&2
    "$VENV/bin/python" -m pip check >&2
    wanted_stamp >"$STAMP"
}

main() {
    if ! command -v "$BASE_PYTHON" >/dev/null; then
        log "no '$BASE_PYTHON' found; set INTEROP_BASE_PYTHON to a CPython 3.11+"
        exit 1
    fi
    mkdir -p target
    exec 9>"$LOCK"
    flock 9
    if ! is_up_to_date; then
        build_venv
    fi
    echo "$PWD/$VENV/bin/python"
}

main "$@"
