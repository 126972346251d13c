#!/usr/bin/env bash
# Run the whole test suite, on every supported Python that this machine has.
#
#   bash tools/test.sh                 all of 3.9 3.10 3.11 3.12 3.13
#   KITSU_PYTHONS=3.11 bash tools/test.sh -k jinja     one version, extra pytest args
#
# For each version: a venv in .venv/py3.X with the package (editable) and its test
# dependencies, then pytest. The loopback Kitsu (Zou) server is started once by
# tools/start-zou.sh (Debian postgresql + redis-server, zou in its own venv) and left
# running; stop it with tools/stop-zou.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHONS=${KITSU_PYTHONS:-"3.9 3.10 3.11 3.12 3.13"}

find_python() {  # version -> path of an interpreter, or nothing
    local v=$1 candidate
    for candidate in "python$v" $(ls -d "$(pyenv root 2>/dev/null || echo ~/.pyenv)"/versions/"$v".*/bin/python 2>/dev/null | sort -V | tail -1); do
        if command -v "$candidate" >/dev/null 2>&1 \
           && [ "$("$candidate" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" = "$v" ]; then
            command -v "$candidate"; return 0
        fi
    done
}

echo "== starting the loopback Kitsu server"
bash tools/start-zou.sh | sed 's/^/   /'
# shellcheck disable=SC1091
source "${ZOU_ROOT:-/tmp/kitsu-zou}/zou.env"
export ZOU_URL ZOU_ADMIN_EMAIL ZOU_ADMIN_PASSWORD

quietly() {  # run a command, show its output only if it fails
    local log; log=$(mktemp)
    if ! "$@" >"$log" 2>&1; then cat "$log" >&2; rm -f "$log"; return 1; fi
    rm -f "$log"
}

summary=()
status=0
for v in $PYTHONS; do
    python=$(find_python "$v")
    if [ -z "$python" ]; then
        echo "Python $v not found (install it, or set KITSU_PYTHONS)" >&2
        summary+=("Python $v: NOT FOUND"); status=1; continue
    fi
    venv=.venv/py$v
    echo "== Python $v ($python)"
    [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
    quietly "$venv/bin/python" -m pip install --disable-pip-version-check -e ".[test]"
    if "$venv/bin/python" -m pytest -p no:cacheprovider "$@"; then
        summary+=("Python $v: passed")
    else
        rc=$?
        summary+=("Python $v: FAILED (pytest exit $rc)"); status=1
    fi
done

echo "== summary"
printf '   %s\n' "${summary[@]}"
exit $status
