"""Run real pyblish publishes through the real plugin directory, and read what happened."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pyblish.api
import pyblish.util

import kitsu_publish


@dataclass
class Outcome:
    """What a publish did, as pyblish recorded it."""

    context: Any
    records: list[logging.LogRecord] = field(default_factory=list)

    @property
    def results(self) -> list[dict[str, Any]]:
        return list(self.context.data.get("results", []))

    def errors(self) -> list[tuple[str, str]]:
        return [
            (r["plugin"].__name__, str(r["error"])) for r in self.results if r["error"] is not None
        ]

    def error_of(self, plugin: str) -> str:
        found = [message for name, message in self.errors() if name == plugin]
        assert found, f"{plugin} did not fail; errors: {self.errors()}"
        return found[0]

    def ran(self) -> list[str]:
        return [r["plugin"].__name__ for r in self.results]

    @property
    def notes(self) -> list[dict[str, Any]]:
        return list(self.context.data.get("kitsuNotes", []))


def discover(extra: Iterable[type] = ()) -> list[type]:
    """The real plugin directory, discovered by pyblish, plus a test's own plugins."""
    pyblish.api.register_plugin_path(kitsu_publish.plugin_path())
    plugins = pyblish.api.discover() + list(extra)
    return pyblish.api.sort_plugins(plugins)


def publish(
    instances: Iterable[dict[str, Any]],
    context_data: dict[str, Any] | None = None,
    extra_plugins: Iterable[type] = (),
) -> Outcome:
    """Create the instances and run a whole pyblish publish through the real plugins."""
    context = pyblish.api.Context()
    context.data.update(context_data or {})
    for data in instances:
        instance = context.create_instance(data.get("name", "instance"))
        instance.data.update(data)
    pyblish.util.publish(context, plugins=discover(extra_plugins))
    records = [rec for result in context.data.get("results", []) for rec in result["records"]]
    return Outcome(context, records)
