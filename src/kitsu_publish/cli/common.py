"""What the subcommands share: usage errors, the settings, the --data file."""

from __future__ import annotations

import json
from typing import Any

from .. import settings as settings_mod
from ..errors import SettingsError, shorten

__all__ = [
    "STATUS_KEY",
    "TASK_NAME_KEY",
    "USAGE_ERROR",
    "UsageError",
    "load_settings",
    "read_data",
]

#: Instance or context data key read by ``render`` only: the task's current status.
STATUS_KEY = "kitsuTaskStatus"
#: ... and the task's name, which status profiles' task_names match (a publish reads it).
TASK_NAME_KEY = "kitsuTaskName"

USAGE_ERROR = 2


class UsageError(Exception):
    """Bad arguments, an unreadable data file or settings file: exit code 2."""


def load_settings(file: str | None) -> settings_mod.Settings:
    try:
        return settings_mod.load_file(file) if file else settings_mod.load()
    except SettingsError as exc:
        raise UsageError(f"invalid settings: {exc}") from None


def read_data(file: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(context data, instance data list) from a --data file; UsageError when unusable."""
    try:
        with open(file, encoding="utf-8") as stream:
            data = json.load(stream)
    except OSError as exc:
        raise UsageError(f"{file}: cannot be read: {exc.strerror or exc}") from None
    except (ValueError, RecursionError) as exc:
        reason = (
            f"{exc.msg} (line {exc.lineno}, column {exc.colno})"
            if isinstance(exc, json.JSONDecodeError)
            else type(exc).__name__
        )
        raise UsageError(f"{file}: not valid JSON: {reason}") from None
    shape = 'expected a list of instance data tables, or {"context": {...}, "instances": [...]}'
    context: Any = {}
    instances = data
    if isinstance(data, dict):
        unknown = sorted(set(data) - {"context", "instances"})
        if unknown or "instances" not in data:
            raise UsageError(f"{file}: {shape}, found a table with keys {shorten(sorted(data))}")
        context = data.get("context") or {}
        instances = data["instances"]
    if not isinstance(instances, list):
        raise UsageError(f"{file}: {shape}, found {type(instances).__name__}")
    if not isinstance(context, dict):
        raise UsageError(f"{file}: context: expected a table, found {type(context).__name__}")
    for index, item in enumerate(instances):
        if not isinstance(item, dict):
            raise UsageError(
                f"{file}: instances[{index}]: expected a table of instance data, found "
                f"{type(item).__name__} {shorten(item)}"
            )
    return context, instances
