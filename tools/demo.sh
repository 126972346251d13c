#!/usr/bin/env bash
# A demo publish against a local Kitsu: starts the loopback Kitsu (Zou) server, seeds a
# project, publishes three instances through the real pyblish plugins, and prints the
# comment and the status change read back from Kitsu.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv/demo
echo "== starting the loopback Kitsu server (first run: about 2 minutes)"
bash tools/start-zou.sh | sed 's/^/   /'
# shellcheck disable=SC1091
source "${ZOU_ROOT:-/tmp/kitsu-zou}/zou.env"
export ZOU_URL ZOU_ADMIN_EMAIL ZOU_ADMIN_PASSWORD
[ -x "$venv/bin/python" ] || "${PYTHON:-python3}" -m venv "$venv"
log=$(mktemp)
"$venv/bin/python" -m pip install --disable-pip-version-check -e . >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
rm -f "$log"
exec "$venv/bin/python" tools/demo.py
