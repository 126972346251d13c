#!/usr/bin/env bash
# Build the documentation site with mkdocs (material theme), strictly: a broken link,
# a missing anchor or a page left out of the nav fails the build.
#
#   bash tools/docs.sh              build into site/
#   bash tools/docs.sh serve        preview on http://127.0.0.1:8000
#
# mkdocs runs from its own venv (.venv/docs) with pinned versions; the settings
# reference page is generated from src/kitsu_publish/settings.schema.json at build time
# (tools/mkdocs_hooks.py).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=tools/lib.sh
source tools/lib.sh

MKDOCS_VERSION=1.6.1
MATERIAL_VERSION=9.8.1

python=""
for v in $(echo "$SUPPORTED_PYTHONS" | tr ' ' '\n' | sort -rV); do
    python=$(find_python "$v") && [ -n "$python" ] && break
done
[ -n "$python" ] || { echo "docs: no Python from $SUPPORTED_PYTHONS found" >&2; exit 1; }
venv=.venv/docs
echo "== docs tools: mkdocs $MKDOCS_VERSION, mkdocs-material $MATERIAL_VERSION ($venv, $python)"
new_venv "$python" "$venv"
pip_install "$venv" "mkdocs==$MKDOCS_VERSION" "mkdocs-material==$MATERIAL_VERSION"

export NO_MKDOCS_2_WARNING=1  # the theme's end-of-life banner, on every build
if [ "${1:-}" = "serve" ]; then
    exec "$venv/bin/mkdocs" serve
fi
echo "== mkdocs build --strict"
if "$venv/bin/mkdocs" build --strict --clean; then
    echo "mkdocs build --strict: passed ($(find site -name '*.html' | wc -l) pages in site/)"
else
    echo "mkdocs build --strict: FAILED" >&2
    exit 1
fi
