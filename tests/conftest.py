"""Shared test fixtures: a clean pyblish and a clean Kitsu environment for every test."""

from __future__ import annotations

import pyblish.api
import pyblish.plugin
import pytest

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
