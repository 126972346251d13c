"""pyblish Actions on the Kitsu plugins: what an artist can do from the publisher.

- "Open task in Kitsu": opens the page of each Kitsu task of the publish in the web
  browser (after a success as after a failure, wherever a task was found).
- "Show statuses I can set": after a refused status, lists the statuses the logged-in
  person may set (read during validation, so it works after the session ended).
- "Show the shot in Kitsu": lists Kitsu's values for the shots of the publish (cut,
  frame rate, resolution), from the tasks collection read (no request).

Plugin files refer to this module (``from kitsu_publish import actions``), never to
the classes, so pyblish's discovery does not take them for plugins.
"""

from __future__ import annotations

import webbrowser

import pyblish.api

from . import shots
from .state import state_of

__all__ = [
    "TASK_URL",
    "OpenTaskInKitsu",
    "ShowSettableStatuses",
    "ShowShotInKitsu",
    "shot_lines",
    "task_urls",
]

TASK_URL = "kitsuTaskUrl"  # instance data: the task's page in the Kitsu web app
SETTABLE = "kitsuSettableStatuses"  # context data: statuses the person may set


def task_urls(context: object) -> list[str]:
    """The Kitsu web pages of the publish's tasks, in publish order, once each."""
    urls = [getattr(i, "data", {}).get(TASK_URL) for i in context]  # type: ignore[attr-defined]
    return list(dict.fromkeys(u for u in urls if u))


class OpenTaskInKitsu(pyblish.api.Action):
    """Open the Kitsu task of this publish in the web browser."""

    label = "Open task in Kitsu"
    icon = "external-link"
    on = "all"

    def process(self, context, plugin):
        urls = task_urls(context)
        if not urls:
            self.log.info("No Kitsu task was found for this publish")
        for url in urls:
            self.log.info("Opening %s", url)
            webbrowser.open(url)


class ShowSettableStatuses(pyblish.api.Action):
    """List the Kitsu statuses you may set, after a status was refused."""

    label = "Show statuses I can set"
    icon = "list"
    on = "failed"

    def process(self, context, plugin):
        statuses = context.data.get(SETTABLE)
        if not statuses:
            self.log.info("Kitsu gave no list of statuses for this publish")
            return
        self.log.info("Statuses you may set in Kitsu: %s", ", ".join(statuses))


def shot_lines(context: object) -> list[str]:
    """Kitsu's values for the entity of each task of the publish, in publish order, once
    each, from the tasks collection read."""
    state = state_of(context)
    lines: dict[str, str] = {}
    for instance in context:  # type: ignore[attr-defined]
        found = state.items.get(id(instance))
        task = found[1].task if found is not None and found[0] is instance else None
        if task is None:
            continue
        key = str(task.data.get("entity_id") or task.entity)
        lines.setdefault(key, shots.describe(shots.kitsu_shot(task)))
    return list(lines.values())


class ShowShotInKitsu(pyblish.api.Action):
    """List Kitsu's values for the shots of this publish: cut, frame rate, resolution."""

    label = "Show the shot in Kitsu"
    icon = "film"
    on = "all"

    def process(self, context, plugin):
        lines = shot_lines(context)
        if not lines:
            self.log.info("No Kitsu task was found for this publish")
        for line in lines:
            self.log.info("In Kitsu: %s", line)
