"""kitsu-publish: Pyblish publish plugins that post status-changing comments to Kitsu.

Public API::

    kitsu_publish.plugin_path()   the directory holding the pyblish plugin files
    kitsu_publish.register()      register that directory with pyblish
    kitsu_publish.deregister()    undo register()
    kitsu_publish.PLUGINS         the pyblish plugins of the library: class name -> file
    kitsu_publish.__version__
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["PLUGINS", "__version__", "deregister", "plugin_path", "register"]

#: Every pyblish plugin of the library, in publish order: class name -> file in the
#: plugin directory. The one list that the tests, the wheel check and the docs read
#: (docs/architecture.md says how to add a plugin).
PLUGINS = {
    "CollectKitsuSettings": "collect_kitsu_settings.py",
    "CollectKitsuSession": "collect_kitsu_session.py",
    "CollectKitsuTargets": "collect_kitsu_targets.py",
    "ValidateKitsuConnection": "validate_kitsu_connection.py",
    "ValidateKitsuTargets": "validate_kitsu_targets.py",
    "ValidateKitsuNote": "validate_kitsu_note.py",
    "ValidateKitsuReview": "validate_kitsu_review.py",
    "ValidateKitsuShot": "validate_kitsu_shot.py",
    "IntegrateKitsuNote": "integrate_kitsu_note.py",
    "IntegrateKitsuReview": "integrate_kitsu_review.py",
}


#: The one place the version is written: pyproject.toml reads it from here (hatch), so
#: importing the package costs no importlib.metadata lookup.
__version__ = "0.1.0"


def plugin_path() -> str:
    """The pyblish plugin directory: inside the installed wheel, or ``plugins/`` of a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "plugins", here.parent.parent / "plugins"):
        if (candidate / "integrate_kitsu_note.py").is_file():
            return os.fspath(candidate)
    raise FileNotFoundError(f"kitsu-publish plugin files not found beside {here}")


def register() -> str:
    """Register the plugin directory with pyblish (``pyblish.api.register_plugin_path``)."""
    import pyblish.api

    path = plugin_path()
    pyblish.api.register_plugin_path(path)
    return path


def deregister() -> None:
    """Remove the plugin directory from pyblish's registered paths."""
    import pyblish.api

    pyblish.api.deregister_plugin_path(plugin_path())
