# Helpers shared by tools/test.sh, tools/lint.sh and tools/wheel-test.sh (source it).
# shellcheck shell=bash

SUPPORTED_PYTHONS="3.9 3.10 3.11 3.12 3.13"
# Which Python runs which layer of tools/test.sh (and so of CI, .ci/run): the fast layer
# (pytest -m "not zou") is cheap and runs everywhere; the server suites (pytest -m zou)
# run where they prove something: the oldest and newest Python with the newest
# dependencies, and Python 3.9 with the oldest ones (gazu 0.10.0, pyblish-base 1.8.1).
NEWEST_SERVER_PYTHONS="3.13"      # newest deps: server suites (fast layer: all supported)
OLDEST_PYTHONS="3.9 3.13"          # oldest deps: fast layer
OLDEST_SERVER_PYTHONS="3.9"        # oldest deps: server suites

find_python() {  # X.Y -> path of an interpreter of that version (python3.X, or pyenv's), or nothing
    local v=$1 candidate
    for candidate in "python$v" $(ls -d "$(pyenv root 2>/dev/null || echo ~/.pyenv)"/versions/"$v".*/bin/python 2>/dev/null | sort -V | tail -1); do
        # pyenv's shims exist for every version but fail unless that version is selected
        command -v "$candidate" >/dev/null 2>&1 || continue
        if [ "$("$candidate" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" = "$v" ]; then
            "$candidate" -c 'import sys; print(sys.executable)'; return 0
        fi
    done
}

quietly() {  # run a command; show its output only if it fails
    local log rc=0
    log=$(mktemp)
    "$@" >"$log" 2>&1 || rc=$?
    if [ "$rc" != 0 ]; then
        echo "-- failed (exit $rc): $*" >&2
        # this machine's pip warns 'Location ... is ignored' for every config location
        grep -v "is ignored" "$log" | tail -60 >&2
    fi
    rm -f "$log"
    return "$rc"
}

pip_install() {  # venv-dir pip-args... : quiet pip install into a venv
    local venv=$1; shift
    quietly "$venv/bin/python" -m pip install --disable-pip-version-check --no-input "$@"
}

new_venv() {  # python venv-dir : create the venv unless it is already there and working
    local python=$1 venv=$2
    if ! "$venv/bin/python" -c '' >/dev/null 2>&1; then
        rm -rf "$venv"
        quietly "$python" -m venv "$venv"
    fi
}

start_zou() {  # start (or reuse) the loopback Kitsu server and export its address and admin
    bash tools/start-zou.sh | sed 's/^/   /' || return 1
    # shellcheck disable=SC1091
    source "${ZOU_ROOT:-/tmp/kitsu-zou}/zou.env"
    export ZOU_URL ZOU_ADMIN_EMAIL ZOU_ADMIN_PASSWORD
}

elapsed() {  # seconds since $1 (from `date +%s`), as "1m05s"
    local s=$(( $(date +%s) - $1 ))
    printf '%dm%02ds' $((s / 60)) $((s % 60))
}
