#!/usr/bin/env bash
# Run the test suite in two layers, on every supported Python that this machine has.
#
#   bash tools/test.sh                                the layers below, newest dependencies
#   KITSU_DEPS=oldest bash tools/test.sh              the oldest dependencies we claim
#   KITSU_PYTHONS=3.11 bash tools/test.sh -k jinja    both layers on one version, pytest args
#   KITSU_SERVER_PYTHONS= bash tools/test.sh          the fast layer only: no server at all
#
# The layers (tests/conftest.py gives the marker to every test that needs the server):
#   fast layer     pytest -m "not zou"   no Kitsu server, no PostgreSQL: unit tests, the
#                                        plugins against a fake Kitsu, the CLI, the docs
#   server suites  pytest -m zou         the same code against a real Kitsu (Zou) on
#                                        loopback: integration, faults, load, compat, GUI
#
# Which Python runs which layer (the defaults are variables of tools/lib.sh; CI runs them,
# see README "Try it"):
#   KITSU_DEPS=newest (the default): the fast layer on KITSU_PYTHONS (default: every
#     supported Python, 3.9 to 3.13), the server suites on KITSU_SERVER_PYTHONS (default:
#     the newest, 3.13), with the newest gazu, pyblish-base, jinja2, ... that
#     pyproject.toml allows.
#   KITSU_DEPS=oldest: exactly the floors of pyproject.toml (tools/constraints-oldest.txt);
#     the fast layer on 3.9 and 3.13, the server suites once, on 3.9, where gazu 0.10.0
#     meets pyblish-base 1.8.1 (Python 3.11 and later need pyblish-base 1.8.11).
#   Setting KITSU_PYTHONS alone runs both layers on each of those versions; set
#   KITSU_SERVER_PYTHONS too to choose (empty: no server suite, and no server started).
#
# For each version: a venv in .venv/py3.X (or .venv/py3.X-oldest) with the package
# (editable) and its test dependencies, then pytest once per layer. The loopback Kitsu
# (Zou) is started by tools/start-zou.sh (Debian postgresql + redis-server, zou in its own
# venv) only when a server suite is about to run, and left running; stop it with
# tools/stop-zou.sh. Prints one summary line per Python and layer, e.g.
#   Python 3.11 (newest deps, fast layer): passed, 950 passed, 179 deselected in 35.2s, 0m41s [...]
# and exits non-zero if any layer failed or selected no test.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=tools/lib.sh
source tools/lib.sh

DEPS=${KITSU_DEPS:-newest}
case $DEPS in
    newest) default_fast=$SUPPORTED_PYTHONS; default_server=$NEWEST_SERVER_PYTHONS; suffix=""
            install=(--upgrade --upgrade-strategy eager -e ".[test]") ;;
    oldest) default_fast=$OLDEST_PYTHONS; default_server=$OLDEST_SERVER_PYTHONS; suffix="-oldest"
            install=(-e ".[test]" -c tools/constraints-oldest.txt) ;;
    *) echo "KITSU_DEPS must be 'newest' or 'oldest', not '$DEPS'" >&2; exit 2 ;;
esac
FAST_PYTHONS=${KITSU_PYTHONS:-$default_fast}
if [ -n "${KITSU_SERVER_PYTHONS+set}" ]; then
    SERVER_PYTHONS=$KITSU_SERVER_PYTHONS
elif [ -n "${KITSU_PYTHONS:-}" ]; then
    SERVER_PYTHONS=$KITSU_PYTHONS
else
    SERVER_PYTHONS=$default_server
fi
has() { [[ " $1 " == *" $2 "* ]]; }  # list word

# every Python of either list, once, in the order of SUPPORTED_PYTHONS (others after)
PYTHONS=""
for v in $SUPPORTED_PYTHONS $FAST_PYTHONS $SERVER_PYTHONS; do
    if (has "$FAST_PYTHONS" "$v" || has "$SERVER_PYTHONS" "$v") && ! has "$PYTHONS" "$v"; then
        PYTHONS="$PYTHONS $v"
    fi
done
echo "== $DEPS dependencies: fast layer on${FAST_PYTHONS:+ }${FAST_PYTHONS:-no Python}," \
    "server suites on${SERVER_PYTHONS:+ }${SERVER_PYTHONS:-no Python}"

versions='import importlib.metadata as m
print(", ".join(n + " " + m.version(n) for n in ("gazu", "pyblish-base", "jinja2", "requests")))'

zou_started=""
summary=()
status=0

layer() {  # version venv deps name marker-expression pytest-args... : one pytest run
    local v=$1 venv=$2 deps=$3 name=$4 expr=$5 log rc closing started
    shift 5
    started=$(date +%s)
    local label="Python $v ($DEPS deps, $name)"
    if [ "$name" = "server suites" ] && [ $# -gt 0 ]; then
        # narrowed by arguments: start no server for a selection without server tests
        rc=0
        "$venv/bin/python" -m pytest -p no:cacheprovider -q --collect-only -m "$expr" "$@" \
            >/dev/null 2>&1 || rc=$?
        if [ "$rc" = 5 ]; then
            echo "== $label: no server test selected by: $*"
            summary+=("$label: none selected by the arguments")
            return 0
        fi
    fi
    if [ "$name" = "server suites" ] && [ -z "$zou_started" ]; then
        echo "== starting the loopback Kitsu server"
        if ! start_zou; then
            summary+=("$label: FAILED (the Kitsu server did not start)"); status=1
            return 0
        fi
        zou_started=1
    fi
    echo "== $label"
    log=$(mktemp)
    set +e
    "$venv/bin/python" -m pytest -p no:cacheprovider -m "$expr" "$@" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    set -e
    # pytest's closing line, e.g. "317 passed, 12 warnings in 45.1s"
    closing=$(grep -E '(^|= )[0-9]+ (passed|failed)|no tests ran' "$log" | tail -1 | tr -d '=' | sed 's/^ *//; s/ *$//' || true)
    rm -f "$log"
    if [ "$rc" = 0 ]; then
        summary+=("$label: passed, $closing, $(elapsed "$started") [$deps]")
    elif [ "$rc" = 5 ] && [ $# -gt 0 ]; then
        summary+=("$label: none selected by the arguments")
    else
        summary+=("$label: FAILED (pytest exit $rc), ${closing:-no summary} [$deps]")
        status=1
    fi
}

for v in $PYTHONS; do
    python=$(find_python "$v")
    if [ -z "$python" ]; then
        echo "Python $v not found (install it, or set KITSU_PYTHONS)" >&2
        summary+=("Python $v ($DEPS deps): NOT FOUND"); status=1; continue
    fi
    venv=.venv/py$v$suffix
    started=$(date +%s)
    echo "== Python $v, $DEPS dependencies ($python)"
    if ! { new_venv "$python" "$venv" && pip_install "$venv" "${install[@]}"; }; then
        summary+=("Python $v ($DEPS deps): FAILED (could not install)"); status=1; continue
    fi
    deps=$("$venv/bin/python" -c "$versions")
    echo "   with $deps, installed in $(elapsed "$started")"
    if has "$FAST_PYTHONS" "$v"; then
        layer "$v" "$venv" "$deps" "fast layer" "not zou" "$@"
    fi
    if has "$SERVER_PYTHONS" "$v"; then
        layer "$v" "$venv" "$deps" "server suites" "zou" "$@"
    fi
done

echo "== summary"
printf '   %s\n' "${summary[@]}"
exit $status
