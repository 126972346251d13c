#!/usr/bin/env bash
# Lint and type checks, with pinned tools in their own venv (.venv/lint):
#   ruff check + ruff format --check    src plugins tests tools benchmarks (target py39, pyproject.toml)
#   mypy                                 src/kitsu_publish ([tool.mypy] in pyproject.toml)
#   Python 3.9 syntax                    every .py file compiles with Python 3.9
#   bash -n                              every shell script parses
# Exits non-zero if any check fails; runs them all either way.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=tools/lib.sh
source tools/lib.sh

RUFF_VERSION=0.17.6
MYPY_VERSION=2.4.1
TYPES_REQUESTS_VERSION=2.33.0.20261030
PATHS=(src plugins tests tools benchmarks)

# mypy 2 runs on Python >= 3.10: use the newest supported Python there is
python=""
for v in $(echo "$SUPPORTED_PYTHONS" | tr ' ' '\n' | sort -rV); do
    python=$(find_python "$v") && [ -n "$python" ] && break
done
[ -n "$python" ] || { echo "lint: no Python from $SUPPORTED_PYTHONS found" >&2; exit 1; }
venv=.venv/lint
echo "== lint tools: ruff $RUFF_VERSION, mypy $MYPY_VERSION ($venv, $python)"
new_venv "$python" "$venv"
# the package and its dependencies too, so that mypy sees jinja2's and gazu's types
pip_install "$venv" "ruff==$RUFF_VERSION" "mypy==$MYPY_VERSION" \
    "types-requests==$TYPES_REQUESTS_VERSION" -e .

results=()
status=0
check() {  # name command...
    local name=$1; shift
    echo "== $name"
    if "$@"; then
        results+=("$name: passed")
    else
        results+=("$name: FAILED"); status=1
    fi
}

py39_syntax() {  # compile every .py file with Python 3.9, without writing .pyc files
    local py39
    py39=$(find_python 3.9)
    [ -n "$py39" ] || { echo "Python 3.9 not found" >&2; return 1; }
    "$py39" - "${PATHS[@]}" <<'EOF'
import pathlib
import sys

files = sorted(p for d in sys.argv[1:] for p in pathlib.Path(d).rglob("*.py"))
bad = 0
for path in files:
    try:
        compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
    except SyntaxError as exc:
        bad += 1
        print(f"{path}:{exc.lineno}: {exc.msg} (Python {sys.version.split()[0]})")
print(f"{len(files)} files compile with Python {sys.version.split()[0]}" if not bad else "")
sys.exit(1 if bad else 0)
EOF
}

shell_syntax() {
    local f bad=0
    for f in tools/*.sh .ci/run; do bash -n "$f" || bad=1; done
    return $bad
}

check "ruff check" "$venv/bin/ruff" check --no-cache "${PATHS[@]}"
check "ruff format" "$venv/bin/ruff" format --no-cache --check "${PATHS[@]}"
check "mypy" "$venv/bin/mypy" --no-incremental
check "Python 3.9 syntax" py39_syntax
check "shell syntax" shell_syntax

echo "== lint summary"
printf '   %s\n' "${results[@]}"
exit $status
