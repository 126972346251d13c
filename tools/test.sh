#!/usr/bin/env bash
# Run the whole test suite, on every supported Python that this machine has.
#
#   bash tools/test.sh                                all of 3.9 3.10 3.11 3.12 3.13
#   KITSU_PYTHONS=3.11 bash tools/test.sh -k jinja    one version, extra pytest args
#   KITSU_DEPS=oldest bash tools/test.sh              the oldest dependencies we claim
#
# KITSU_DEPS=newest (the default) installs the newest gazu, pyblish-base, jinja2, ...
# that pyproject.toml allows; KITSU_DEPS=oldest installs exactly the floors of
# pyproject.toml, pinned in tools/constraints-oldest.txt, on Python 3.9 and 3.13 unless
# KITSU_PYTHONS says otherwise. For each version: a venv in .venv/py3.X (or
# .venv/py3.X-oldest) with the package (editable) and its test dependencies, then pytest.
# The loopback Kitsu (Zou) server is started once by tools/start-zou.sh (Debian
# postgresql + redis-server, zou in its own venv) and left running; stop it with
# tools/stop-zou.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=tools/lib.sh
source tools/lib.sh

DEPS=${KITSU_DEPS:-newest}
case $DEPS in
    newest) PYTHONS=${KITSU_PYTHONS:-$SUPPORTED_PYTHONS}; suffix=""
            install=(--upgrade --upgrade-strategy eager -e ".[test]") ;;
    oldest) PYTHONS=${KITSU_PYTHONS:-"3.9 3.13"}; suffix="-oldest"
            install=(-e ".[test]" -c tools/constraints-oldest.txt) ;;
    *) echo "KITSU_DEPS must be 'newest' or 'oldest', not '$DEPS'" >&2; exit 2 ;;
esac

echo "== starting the loopback Kitsu server"
start_zou

versions='import importlib.metadata as m
print(", ".join(n + " " + m.version(n) for n in ("gazu", "pyblish-base", "jinja2", "requests")))'

summary=()
status=0
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
    echo "   with $deps"
    log=$(mktemp)
    set +e
    "$venv/bin/python" -m pytest -p no:cacheprovider "$@" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    set -e
    # pytest's closing line, e.g. "317 passed, 12 warnings in 45.1s"
    closing=$(grep -E '(^|= )[0-9]+ (passed|failed)|no tests ran' "$log" | tail -1 | tr -d '=' | sed 's/^ *//; s/ *$//' || true)
    rm -f "$log"
    if [ "$rc" = 0 ]; then
        summary+=("Python $v ($DEPS deps): passed, $closing, $(elapsed "$started") [$deps]")
    else
        summary+=("Python $v ($DEPS deps): FAILED (pytest exit $rc), ${closing:-no summary} [$deps]")
        status=1
    fi
done

echo "== summary"
printf '   %s\n' "${summary[@]}"
exit $status
