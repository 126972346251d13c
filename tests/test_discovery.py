"""pyblish discovers exactly our plugins, with no error, and without importing gazu or jinja2."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pyblish.api

import kitsu_publish

DOCUMENTED_PLUGINS = set(kitsu_publish.PLUGINS)


def test_discovery_yields_exactly_the_documented_plugins_without_errors(caplog):
    caplog.set_level(logging.DEBUG)
    kitsu_publish.register()

    plugins = pyblish.api.discover()

    assert {p.__name__ for p in plugins} == DOCUMENTED_PLUGINS
    assert len(plugins) == len(DOCUMENTED_PLUGINS)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    # pyblish drops invalid plugins and duplicates with DEBUG records only.
    dropped = [
        r.getMessage()
        for r in caplog.records
        if any(word in r.getMessage() for word in ("Duplicate plug-in", "Plug-in invalid"))
        or "skipp" in r.getMessage().lower()
    ]
    assert dropped == []


def test_the_plugin_list_matches_the_plugin_directory_and_the_docs():
    directory = Path(kitsu_publish.plugin_path())
    files = sorted(p.name for p in directory.glob("*.py") if not p.name.startswith("_"))
    assert files == sorted(kitsu_publish.PLUGINS.values())
    for name, file in kitsu_publish.PLUGINS.items():
        assert f"class {name}(" in (directory / file).read_text(encoding="utf-8")
    docs = Path(__file__).resolve().parents[1] / "docs"
    contract = (docs / "data-contract.md").read_text(encoding="utf-8")
    architecture = (docs / "architecture.md").read_text(encoding="utf-8")
    for name in kitsu_publish.PLUGINS:
        assert f"`{name}`" in contract, f"{name} missing from docs/data-contract.md"
        assert f"`{name}`" in architecture, f"{name} missing from docs/architecture.md"


def test_a_duplicate_plugin_would_fail_the_discovery_check(tmp_path, caplog):
    """The check above can fail: a second file defining one of our classes is reported."""
    import shutil

    caplog.set_level(logging.DEBUG)
    shutil.copy(
        Path(kitsu_publish.plugin_path()) / "integrate_kitsu_note.py", tmp_path / "copy.py"
    )
    kitsu_publish.register()
    pyblish.api.register_plugin_path(str(tmp_path))

    pyblish.api.discover()

    assert any("Duplicate plug-in" in r.getMessage() for r in caplog.records)


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
        "assert len(plugins) == len(kitsu_publish.PLUGINS), plugins\n"
        "heavy = ('gazu', 'jinja2', 'requests', 'urllib3')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYBLISHPLUGINPATH"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.strip() == "[]"


def test_every_plugin_has_its_own_label_an_artist_can_read():
    kitsu_publish.register()
    plugins = pyblish.api.discover()
    labels = [p.label for p in plugins]

    assert len(set(labels)) == len(labels), labels
    assert all(label.startswith("Kitsu: ") for label in labels), labels
    for plugin in plugins:  # artist docstrings: the TD details live in the docs
        doc = plugin.__doc__ or ""
        assert doc.strip(), plugin.__name__
        assert not any(word in doc for word in ("KITSU_", "kitsuTask", "integrator")), doc


def test_import_is_cheap_and_the_version_is_the_installed_one():
    """``import kitsu_publish`` reads no package metadata (issue 9: the version was 50 of
    its 62 ms); the version written in the package is the one pip installed."""
    code = (
        "import sys, kitsu_publish\n"
        "print(kitsu_publish.__version__)\n"
        "print('importlib.metadata' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    version, metadata_imported = done.stdout.split()
    assert metadata_imported == "False"
    from importlib.metadata import version as installed

    assert version == installed("kitsu-publish")
