"""The artist's view: pyblish-lite's real window, offscreen, against the loopback Kitsu.

These tests need pyblish-lite and a Qt binding (PySide2), which the library does not
depend on, and the loopback Kitsu (they carry the ``zou`` marker): tools/gui-test.sh
makes a Python 3.10 venv with them and sets KITSU_GUI_TESTS=1. Without that variable,
where pyblish-lite or PySide2 is missing or Qt cannot start offscreen (tools/test.sh's
venvs), they are collected and reported as skipped with the reason, before any fixture
runs (so no server is started for them); with it, a missing Qt is an error, never a
skip.
"""

from __future__ import annotations

import importlib.util
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

import pytest

HERE = Path(__file__).resolve().parent
ARTEFACTS = HERE / "artefacts"

WANTED = os.environ.get("KITSU_GUI_TESTS") == "1"
NEEDED = ("pyblish_lite", "PySide2")


def why_not_runnable() -> str:
    """Why the GUI tests cannot run in this Python, or "" when they can."""
    missing = [name for name in NEEDED if importlib.util.find_spec(name) is None]
    if missing:
        return (
            f"the GUI tests need {' and '.join(missing)}, not installed in this Python "
            "(bash tools/gui-test.sh runs them)"
        )
    try:
        from PySide2 import QtWidgets  # noqa: F401
    except ImportError as exc:  # e.g. a Qt library (libGL, ...) missing on this machine
        return f"Qt cannot start offscreen here ({exc}); bash tools/gui-test.sh installs it"
    return ""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Skip this folder's tests, with the reason, when they cannot run (unless wanted)."""
    ours = [item for item in items if HERE in item.path.parents]
    if not ours or WANTED:
        return
    reason = why_not_runnable()
    if reason:
        for item in ours:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def qapp() -> Any:
    """The one QApplication of the test process (pyblish_lite.show() reuses it)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from pyblish_lite.vendor.Qt import QtWidgets

    return QtWidgets.QApplication.instance() or QtWidgets.QApplication(["kitsu-gui-tests"])


@pytest.fixture
def production(admin: Any) -> Any:
    """A fresh project for this test: an asset, a shot, an episode shot and their tasks."""
    import kitsu_seed

    return kitsu_seed.seed(admin)


@pytest.fixture
def artist_env(zou: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The artist's environment: server and login of the loopback Kitsu."""
    monkeypatch.setenv("KITSU_SERVER", zou.url)
    monkeypatch.setenv("KITSU_LOGIN", zou.email)
    monkeypatch.setenv("KITSU_PWD", zou.password)
    return zou


class Publisher:
    """pyblish-lite's window as pyblish_lite.show() builds it, driven like an artist would."""

    TIMEOUT = 60.0  # seconds for one reset or one publish against the loopback Kitsu

    def __init__(self, app: Any, name: str) -> None:
        import pyblish_lite
        from pyblish_lite import control, window

        self.app = app
        self.name = name
        self.window = pyblish_lite.show()  # discovers the plugins and starts the reset
        assert isinstance(self.window, window.Window)
        self.controller = self.window.controller
        assert isinstance(self.controller, control.Controller)
        self.signals: list[str] = []
        for signal in ("was_reset", "was_validated", "was_published", "was_finished"):
            getattr(self.controller, signal).connect(
                lambda signal=signal: self.signals.append(signal)
            )
        self.wait_for("was_reset")  # collection done: instances listed, comment box shown

    # --- Qt -----------------------------------------------------------------------------

    def process_events(self, seconds: float = 0.05) -> None:
        from pyblish_lite.vendor.Qt import QtCore

        end = time.monotonic() + seconds
        while True:
            self.app.processEvents(QtCore.QEventLoop.AllEvents, 20)
            if time.monotonic() >= end:
                return
            time.sleep(0.005)

    def wait_for(self, signal: str, timeout: float | None = None) -> None:
        """Run the event loop until the controller emits ``signal`` (then let it settle)."""
        end = time.monotonic() + (timeout or self.TIMEOUT)
        while signal not in self.signals:
            if time.monotonic() > end:
                self.screenshot("timeout")
                raise AssertionError(
                    f"pyblish-lite did not emit {signal} within {timeout or self.TIMEOUT} s; "
                    f"emitted {self.signals}; the window says {self.info!r}"
                )
            self.process_events()
        self.process_events(0.2)  # the deferred GUI updates after the signal

    def widget(self, kind: str, name: str) -> Any:
        from pyblish_lite.vendor.Qt import QtWidgets

        found = self.window.findChild(getattr(QtWidgets, kind), name)
        assert found is not None, f"pyblish-lite's window has no {kind} named {name!r}"
        return found

    # --- what an artist does ------------------------------------------------------------

    def type_comment(self, text: str) -> None:
        """Click into the comment box and type, key by key."""
        from pyblish_lite.vendor.Qt import QtCore, QtTest

        box = self.widget("QLineEdit", "CommentBox")
        assert box.isVisible() and box.isEnabled(), "the comment box is not offered"
        QtTest.QTest.mouseClick(box, QtCore.Qt.LeftButton)
        QtTest.QTest.keyClicks(box, text)
        self.process_events()

    def click(self, button: str) -> None:
        """Click one of the footer buttons: Play (publish), Validate, Reset, Stop."""
        from pyblish_lite.vendor.Qt import QtCore, QtTest

        widget = self.widget("QPushButton", button)
        assert widget.isVisible() and widget.isEnabled(), f"the {button} button is not offered"
        QtTest.QTest.mouseClick(widget, QtCore.Qt.LeftButton)

    def publish(self) -> None:
        """Press Publish (the play button) and wait until the run has ended."""
        self.signals.clear()
        self.click("Play")
        self.wait_for("was_published")

    def toggle(self, instance_name: str) -> None:
        """Click the check box area of an instance on the Artist page, as an artist does."""
        from pyblish_lite import model
        from pyblish_lite.vendor.Qt import QtCore, QtTest

        view = self.window.data["views"]["artist"]
        index = self._instance_index(instance_name)
        before = index.data(model.IsChecked)
        rect = view.visualRect(index)
        assert rect.isValid(), f"{instance_name} is not shown on the Artist page"
        # pyblish-lite toggles an item on a left click within 20 px of its left edge
        where = QtCore.QPoint(10, rect.center().y())
        QtTest.QTest.mouseClick(view.viewport(), QtCore.Qt.LeftButton, QtCore.Qt.NoModifier, where)
        self.process_events(0.2)
        after = self._instance_index(instance_name).data(model.IsChecked)
        assert after is (not before), f"clicking {instance_name} did not toggle it"

    def show_tab(self, tab: str) -> None:
        """Click a tab: "artist", "overview" or "terminal"."""
        from pyblish_lite.vendor.Qt import QtCore, QtTest

        QtTest.QTest.mouseClick(self.window.data["tabs"][tab], QtCore.Qt.LeftButton)
        self.process_events(0.1)
        assert self.window.data["tabs"]["current"] == tab

    # --- what the artist sees -----------------------------------------------------------

    @property
    def info(self) -> str:
        """The status line at the bottom of the window."""
        return str(self.widget("QLabel", "Info").text())

    def terminal(self, kind: str | None = None) -> list[str]:
        """The Terminal page's lines ("info", "record" or "error"), as the GUI holds them."""
        items = self.window.data["models"]["terminal"].items
        return [str(i["label"]) for i in items if kind is None or i["type"] == kind]

    def instances(self) -> dict[str, bool]:
        """Instance name -> ticked, as the Artist page's model holds them."""
        from pyblish_lite import model

        found = {}
        instance_model = self.window.data["models"]["instances"]
        for row in range(instance_model.rowCount()):
            index = instance_model.index(row, 0)
            found[index.data(model.Data)["name"]] = bool(index.data(model.IsChecked))
        return found

    def _instance_index(self, name: str) -> Any:
        from pyblish_lite import model

        instance_model = self.window.data["models"]["instances"]
        for row in range(instance_model.rowCount()):
            index = instance_model.index(row, 0)
            if index.data(model.Data)["name"] == name:
                return index
        raise AssertionError(f"no instance {name!r} in the GUI: {self.instances()}")

    @property
    def results(self) -> list[dict[str, Any]]:
        return list(self.controller.context.data.get("results", []))

    def errors(self) -> list[tuple[str, str]]:
        return [
            (r["plugin"].__name__, str(r["error"])) for r in self.results if r["error"] is not None
        ]

    def screenshot(self, state: str) -> Path:
        """Save the window as tests/gui/artefacts/<test>-<state>.png."""
        ARTEFACTS.mkdir(exist_ok=True)
        path = ARTEFACTS / f"{self.name}-{state}.png"
        self.process_events(0.1)
        assert self.window.grab().save(str(path)), f"could not save {path}"
        return path

    def screenshots(self) -> Path:
        """The Artist and the Terminal page, each on its own and side by side.

        Saved as <test>-artist.png, <test>-terminal.png and <test>.png (both pages);
        the window is left on the Terminal page.
        """
        from pyblish_lite.vendor.Qt import QtGui

        pages = []
        for tab in ("artist", "terminal"):
            self.show_tab(tab)
            self.screenshot(tab)
            pages.append(self.window.grab())
        gap = 12
        width = sum(p.width() for p in pages) + gap * (len(pages) + 1)
        height = max(p.height() for p in pages) + 2 * gap
        both = QtGui.QPixmap(width, height)
        both.fill(QtGui.QColor("#ffffff"))
        painter = QtGui.QPainter(both)
        x = gap
        for page in pages:
            painter.drawPixmap(x, gap, page)
            x += page.width() + gap
        painter.end()
        path = ARTEFACTS / f"{self.name}.png"
        assert both.save(str(path)), f"could not save {path}"
        return path

    def close(self) -> None:
        """Close the window as the artist would, and wait until pyblish-lite dropped it."""
        import pyblish_lite.app
        from pyblish_lite.vendor.Qt import QtCore

        self.window.close()
        end = time.monotonic() + 10
        while pyblish_lite.app._window is not None and time.monotonic() < end:
            self.process_events()
            self.app.sendPostedEvents(None, QtCore.QEvent.DeferredDelete)
        pyblish_lite.app._window = None  # a window that would not close is not reused


@pytest.fixture
def publisher(
    qapp: Any, artist_env: Any, request: pytest.FixtureRequest
) -> Iterator[Callable[[], Publisher]]:
    """Open pyblish-lite's window (after the test registered its plugins)."""
    opened: list[Publisher] = []

    def open_window() -> Publisher:
        window = Publisher(qapp, request.node.name)
        opened.append(window)
        return window

    yield open_window
    for window in opened:
        window.close()
