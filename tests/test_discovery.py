"""pyblish discovers exactly our plugins, with no error, and without importing gazu or jinja2."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pyblish.api

import kitsu_publish

DOCUMENTED_PLUGINS = {
    "CollectKitsuSettings",
    "CollectKitsuSession",
    "CollectKitsuTargets",
    "ValidateKitsuConnection",
    "ValidateKitsuTargets",
    "ValidateKitsuNote",
    "IntegrateKitsuNote",
}


def test_discovery_yields_exactly_the_documented_plugins_without_errors(caplog):
    caplog.set_level(logging.DEBUG)
    kitsu_publish.register()

    plugins = pyblish.api.discover()

    assert {p.__name__ for p in plugins} == DOCUMENTED_PLUGINS
    assert len(plugins) == len(DOCUMENTED_PLUGINS)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    # pyblish drops invalid plugins and duplicates with DEBUG records only.
    dropped = [r.getMessage() for r in caplog.records if "skipp" in r.getMessage().lower()]
    assert dropped == []


def test_plugins_are_found_through_pyblishpluginpath(monkeypatch):
    monkeypatch.setenv("PYBLISHPLUGINPATH", kitsu_publish.plugin_path())

    assert {p.__name__ for p in pyblish.api.discover()} == DOCUMENTED_PLUGINS


def test_plugin_order_puts_collectors_validators_and_the_note_after_studio_integrators():
    kitsu_publish.register()
    orders = {p.__name__: p.order for p in pyblish.api.discover()}

    assert all(0 <= orders[n] < 0.5 for n in DOCUMENTED_PLUGINS if n.startswith("Collect"))
    assert all(0.5 <= orders[n] < 1.5 for n in DOCUMENTED_PLUGINS if n.startswith("Validate"))
    assert orders["IntegrateKitsuNote"] > pyblish.api.IntegratorOrder
    assert (
        orders["CollectKitsuSettings"]
        < orders["CollectKitsuSession"]
        < orders["CollectKitsuTargets"]
    )


def test_discovery_imports_neither_gazu_nor_jinja2():
    code = (
        "import sys, pyblish.api, kitsu_publish\n"
        "pyblish.api.deregister_all_paths()\n"
        "kitsu_publish.register()\n"
        "plugins = pyblish.api.discover()\n"
        "assert len(plugins) == 7, plugins\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('gazu', 'jinja2')))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYBLISHPLUGINPATH"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.strip() == "[]"
