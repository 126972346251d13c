"""Shared test fixtures: a clean pyblish and a clean Kitsu environment for every test."""

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


@pytest.fixture(scope="session")
def zou() -> kitsu_seed.Zou:
    """The loopback Kitsu server; started by tools/start-zou.sh unless ZOU_URL is set."""
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
