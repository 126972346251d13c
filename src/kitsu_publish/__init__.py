"""kitsu-publish: Pyblish publish plugins that post status-changing comments to Kitsu.

Public API::

    kitsu_publish.plugin_path()   the directory holding the pyblish plugin files
    kitsu_publish.register()      register that directory with pyblish
    kitsu_publish.deregister()    undo register()
    kitsu_publish.__version__
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["__version__", "deregister", "plugin_path", "register"]


def _version() -> str:
    try:
        from importlib.metadata import PackageNotFoundError, version
    except ImportError:  # pragma: no cover
        return "0+unknown"
    try:
        return version("kitsu-publish")
    except PackageNotFoundError:
        return "0+unknown"


__version__ = _version()


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
