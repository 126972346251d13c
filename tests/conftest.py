"""Shared test fixtures: a clean pyblish and a clean Kitsu environment for every test.

Two layers (tools/test.sh runs them): ``pytest -m "not zou"`` is the fast layer, which
starts no Kitsu server and no PostgreSQL; ``pytest -m zou`` runs the tests that need the
loopback Kitsu (Zou). A test needs the server when its fixture closure includes ``zou``
(directly, or through ``admin``, ``production``, ``kitsu_env``, ...): the collection
hook below gives every such test the ``zou`` marker, and the ``zou`` fixture fails, and
starts nothing, for a test that reached it without the marker (one that asks for it
with ``request.getfixturevalue``, say), so a ``-m "not zou"`` run provably never starts
the server.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyblish.api
import pyblish.plugin
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import kitsu_seed  # noqa: E402

KITSU_ENV = (
    "KITSU_SERVER",
    "KITSU_LOGIN",
    "KITSU_PWD",
    "KITSU_TOKEN",
    "KITSU_TASK_ID",
    "KITSU_PROJECT",
    "KITSU_ENTITY",
    "KITSU_TASK_TYPE",
    "KITSU_PUBLISH_SETTINGS",
    "KITSU_PUBLISH_DRY_RUN",
    "PYBLISHPLUGINPATH",
)


def reset_pyblish() -> None:
    pyblish.api.deregister_all_paths()
    pyblish.api.deregister_all_plugins()
    pyblish.api.deregister_all_hosts()
    pyblish.api.deregister_all_targets()
    pyblish.api.deregister_all_callbacks()
    pyblish.api.deregister_all_discovery_filters()
    pyblish.api.deregister_test()


@pytest.fixture(autouse=True)
def clean_state(monkeypatch: pytest.MonkeyPatch):
    """No Kitsu variables from the developer's shell, no pyblish registrations."""
    for name in KITSU_ENV:
        monkeypatch.delenv(name, raising=False)
    reset_pyblish()
    yield
    reset_pyblish()


SERVER_FIXTURE = "zou"
_running: list[pytest.Item] = []  # the test being set up or run (for the zou fixture)


@pytest.hookimpl(tryfirst=True)  # before pytest's own -m selection
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test whose fixtures include ``zou``, directly or not, gets the ``zou`` marker."""
    for item in items:
        uses_server = SERVER_FIXTURE in getattr(item, "fixturenames", ())
        if uses_server and item.get_closest_marker("zou") is None:
            item.add_marker(pytest.mark.zou)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _running[:] = [item]


@pytest.fixture(scope="session")
def zou() -> kitsu_seed.Zou:
    """The loopback Kitsu server; started by tools/start-zou.sh unless ZOU_URL is set.

    Only for tests with the ``zou`` marker: any other test that reaches this fixture
    fails here, before a server is started (see the module's docstring).
    """
    item = _running[0] if _running else None
    if item is not None and item.get_closest_marker("zou") is None:
        pytest.fail(
            f"{item.nodeid} uses the Kitsu server but has no 'zou' marker: mark it "
            '(pytestmark = pytest.mark.zou) so that `pytest -m "not zou"` leaves it out; '
            "no server was started",
            pytrace=False,
        )
    if not os.environ.get("ZOU_URL"):
        done = subprocess.run(
            ["bash", str(ROOT / "tools" / "start-zou.sh")],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        if done.returncode:
            pytest.fail(f"tools/start-zou.sh failed:\n{done.stdout[-3000:]}", pytrace=False)
    return kitsu_seed.Zou.from_env()


@pytest.fixture(scope="session")
def admin(zou: kitsu_seed.Zou) -> Any:
    """A gazu client logged in as the server's admin, for seeding and reading back."""
    return zou.client()
