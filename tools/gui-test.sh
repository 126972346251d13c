#!/usr/bin/env bash
# The artist's view, end to end: pyblish-lite's real window (PySide2, offscreen) drives
# real publishes through the real plugin directory against the loopback Kitsu (Zou);
# tests/gui reads the outcome back from the server and saves screenshots of the window
# under tests/gui/artefacts/.
#
#   bash tools/gui-test.sh                 all GUI tests
#   bash tools/gui-test.sh -k unticked     extra pytest arguments
#
# On Python 3.10 (PySide2's wheels go up to 3.10), in the venv .venv/gui-py3.10: the
# package (editable) with its test dependencies, pyblish-lite and PySide2 from PyPI. The
# Debian libraries Qt loads offscreen are installed with apt-get when missing (as root).
# The loopback Kitsu is started by tools/start-zou.sh (see tools/test.sh) and left running.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=tools/lib.sh
source tools/lib.sh

PY=3.10
PYBLISH_LITE_VERSION=0.8.12
PYSIDE2_VERSION=5.15.2.1
# What PySide2's QtCore, QtGui, QtWidgets, QtTest and the offscreen platform plugin load
# (ldd, and /proc/PID/maps of a test run), plus a font for fontconfig to find.
# "a|b": the first name this Debian has (b is the name before Debian 13's 64-bit time_t).
QT_DEBS=(libgl1 "libglib2.0-0t64|libglib2.0-0" libfontconfig1 libfreetype6 libdbus-1-3
    "libgssapi-krb5-2" fonts-dejavu-core)

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }
available() { [ -n "$(apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: *//p' | grep -v '(none)')" ]; }

qt_debs() {  # install the Debian packages of QT_DEBS that are missing
    local entry name names missing=() present=()
    for entry in "${QT_DEBS[@]}"; do
        local found=""
        IFS='|' read -r -a names <<<"$entry"
        for name in "${names[@]}"; do installed "$name" && found=$name && break; done
        if [ -n "$found" ]; then present+=("$found"); else missing+=("$entry"); fi
    done
    if [ ${#missing[@]} = 0 ]; then
        echo "   already installed: ${present[*]}"
        return 0
    fi
    if [ "$(id -u)" != 0 ]; then
        echo "missing Debian packages for Qt: ${missing[*]} (run as root, or install them)" >&2
        return 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    quietly apt-get update -qq
    local wanted=()
    for entry in "${missing[@]}"; do
        IFS='|' read -r -a names <<<"$entry"
        local pick=""
        for name in "${names[@]}"; do available "$name" && pick=$name && break; done
        [ -n "$pick" ] || { echo "no Debian package among: ${names[*]}" >&2; return 1; }
        wanted+=("$pick")
    done
    echo "   apt-get install ${wanted[*]}"
    quietly apt-get install -y -qq --no-install-recommends "${wanted[@]}"
}

qt_check() {  # venv : Qt starts offscreen and renders text, or say which library is missing
    local venv=$1 qt missing
    qt=$("$venv/bin/python" -c 'import os, PySide2; print(os.path.dirname(PySide2.__file__))')
    missing=$(ldd "$qt"/Qt/plugins/platforms/libqoffscreen.so "$qt"/Qt/lib/libQt5*.so.5 \
        "$qt"/Qt*.abi3.so 2>/dev/null | grep "not found" | sort -u || true)
    # only the libraries the tests load matter; the rest (3D, WebEngine, ...) is reported
    "$venv/bin/python" - <<'EOF' || { echo "Qt does not start offscreen; missing:" >&2; echo "$missing" >&2; return 1; }
import os
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide2 import QtCore, QtGui, QtTest, QtWidgets  # noqa: F401
app = QtWidgets.QApplication(["qt-check"])
label = QtWidgets.QLabel("Kitsu")
label.resize(80, 20)
assert not label.grab().isNull(), "Qt cannot draw offscreen"
assert QtGui.QFontDatabase().families(), "no font found by fontconfig"
print("   Qt %s offscreen: starts, %d font families" % (QtCore.qVersion(), len(QtGui.QFontDatabase().families())))
EOF
}

started=$(date +%s)
python=$(find_python $PY)
if [ -z "$python" ]; then
    echo "Python $PY not found (install it, e.g. with pyenv)" >&2
    echo "GUI tests Python $PY: FAILED (Python $PY not found)"
    exit 1
fi
venv=.venv/gui-py$PY

echo "== Debian packages for Qt offscreen"
qt_debs || { echo "GUI tests Python $PY: FAILED (could not install Qt's Debian packages)"; exit 1; }

echo "== $venv: the package, pyblish-lite $PYBLISH_LITE_VERSION, PySide2 $PYSIDE2_VERSION ($python)"
if ! { new_venv "$python" "$venv" && pip_install "$venv" -e ".[test]" \
    "pyblish-lite==$PYBLISH_LITE_VERSION" "PySide2==$PYSIDE2_VERSION"; }; then
    echo "GUI tests Python $PY: FAILED (could not install)"
    exit 1
fi
export QT_QPA_PLATFORM=offscreen
# Qt wants a private runtime directory (and warns on every start without one)
if [ -z "${XDG_RUNTIME_DIR:-}" ]; then
    export XDG_RUNTIME_DIR="${TMPDIR:-/tmp}/runtime-$(id -u)"
    mkdir -p -m 700 "$XDG_RUNTIME_DIR"
fi
qt_check "$venv" || { echo "GUI tests Python $PY: FAILED (Qt does not start offscreen)"; exit 1; }
versions=$("$venv/bin/python" -c 'import importlib.metadata as m
print(", ".join(n + " " + m.version(n) for n in ("pyblish-lite", "PySide2", "pyblish-base", "gazu")))')

echo "== starting the loopback Kitsu server"
start_zou

echo "== GUI tests, Python $PY ($versions)"
export KITSU_GUI_TESTS=1  # tests/gui/conftest.py: a missing Qt is an error, not a skip
log=$(mktemp)
set +e
"$venv/bin/python" -m pytest -p no:cacheprovider tests/gui "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
# pytest's closing line, e.g. "3 passed in 18.5s"
closing=$(grep -E '(^|= )[0-9]+ (passed|failed)|no tests ran' "$log" | tail -1 | tr -d '=' | sed 's/^ *//; s/ *$//' || true)
rm -f "$log"
echo "   screenshots: tests/gui/artefacts/"
if [ "$rc" = 0 ]; then
    echo "GUI tests Python $PY: passed, $closing, $(elapsed "$started") [$versions]"
else
    echo "GUI tests Python $PY: FAILED (pytest exit $rc), ${closing:-no summary} [$versions]"
fi
exit "$rc"
