#!/usr/bin/env bash
# A demo publish against a local Kitsu: starts the loopback Kitsu (Zou) server, seeds a
# project, publishes three instances through the real pyblish plugins, and prints the
# comment and the status change read back from Kitsu.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=tools/lib.sh
source tools/lib.sh
venv=.venv/demo
echo "== starting the loopback Kitsu server (first run: about 2 minutes)"
start_zou
new_venv "${PYTHON:-python3}" "$venv"
pip_install "$venv" -e .
exec "$venv/bin/python" tools/demo.py
