#!/usr/bin/env bash
# Install test: build the sdist and the wheel (from the sdist, as `python -m build`
# does), check what they hold, then for each Python: a fresh venv outside the checkout,
# `pip install` the wheel (not editable), and from a directory outside the checkout:
# kitsu_publish and its plugins come from that venv, pyblish discovers the 7 plugins with
# no error, and one real publish against the loopback Kitsu posts a comment and sets wfa.
#
#   bash tools/wheel-test.sh
#   KITSU_PYTHONS="3.9 3.13" bash tools/wheel-test.sh
#   KEEP=1 bash tools/wheel-test.sh        keep the build and venvs (the path is printed)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=tools/lib.sh
source tools/lib.sh

BUILD_VERSION=1.6.1
PYTHONS=${KITSU_PYTHONS:-$SUPPORTED_PYTHONS}
ROOT=$(pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/kitsu-wheel-test.XXXXXX")
if [ -z "${KEEP:-}" ]; then trap 'rm -rf "$work"' EXIT; else echo "(keeping $work)"; fi

python=""
for v in $(echo "$SUPPORTED_PYTHONS" | tr ' ' '\n' | sort -rV); do
    python=$(find_python "$v") && [ -n "$python" ] && break
done
[ -n "$python" ] || { echo "no Python from $SUPPORTED_PYTHONS found" >&2; exit 1; }

echo "== building the sdist and the wheel (build $BUILD_VERSION, $python)"
new_venv "$python" .venv/build
pip_install .venv/build "build==$BUILD_VERSION"
# the version as written in the package (pyproject.toml's hatch reads it from there)
version=$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' src/kitsu_publish/__init__.py)
[ -n "$version" ] || { echo "no __version__ in src/kitsu_publish/__init__.py" >&2; exit 1; }
quietly .venv/build/bin/python -m build --outdir "$work/dist" .
.venv/build/bin/python tools/wheel_check.py contents "$work/dist" "$ROOT" "$version"
wheel=$(ls "$work"/dist/*.whl)

echo "== starting the loopback Kitsu server"
start_zou

# the driver runs from its own directory: nothing of the checkout is importable there
mkdir -p "$work/driver"
cp tools/wheel_check.py tools/kitsu_seed.py "$work/driver/"

summary=()
status=0
for v in $PYTHONS; do
    python=$(find_python "$v")
    if [ -z "$python" ]; then
        summary+=("wheel test Python $v: FAIL (Python $v not found)"); status=1; continue
    fi
    echo "== wheel test, Python $v ($python)"
    venv=$work/py$v
    if ! { quietly "$python" -m venv "$venv" && pip_install "$venv" "$wheel"; }; then
        summary+=("wheel test Python $v: FAIL (could not install the wheel)"); status=1; continue
    fi
    if (cd "$work/driver" && env -u PYTHONPATH -u PYBLISHPLUGINPATH \
            "$venv/bin/python" wheel_check.py installed "$ROOT" "$version"); then
        summary+=("wheel test Python $v: PASS")
    else
        summary+=("wheel test Python $v: FAIL"); status=1
    fi
done

echo "== wheel test summary ($(basename "$wheel"))"
printf '   %s\n' "${summary[@]}"
exit $status
