"""What the plugin steps share: which instances take part, and the publish's facts.

Works on pyblish's context and instances by duck typing (``.data``, iteration).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from typing import Any

from .. import plan, profiles, review
from ..model import TaskInfo
from ..settings import Settings
from ..state import PublishState, state_of

__all__ = [
    "earlier_failures",
    "enabled",
    "entries",
    "farm_notes",
    "groups",
    "handed_over",
    "host",
    "hosts",
    "kept_groups",
    "kitsu_instances",
    "media_key",
    "name",
    "notes",
    "review_media",
    "takes_part",
    "targeted",
    "where",
]


def name(instance: Any) -> str:
    return plan.instance_name(instance.data, str(instance))


def farm_notes(state: PublishState) -> bool:
    """Do instances sent to the farm take part (a ``farm = true`` status profile)?"""
    return state.settings is not None and profiles.has_farm_profiles(state.settings)


def targeted(context: Any) -> list[Any]:
    """Instances with a Kitsu target (or a target error), whether switched on or off now;
    farm instances only when a farm profile may post their submission note.

    Collection resolves them all: an artist may switch an instance on in the GUI after
    collection, and it must then have its task.
    """
    state = state_of(context)
    farm = farm_notes(state)
    return [
        i
        for i in context
        if (farm or not i.data.get("farm")) and (state.item(i).target or state.item(i).error)
    ]


def takes_part(state: PublishState, data: Any) -> bool:
    """Switched on, and local, or sent to the farm when a farm profile may note it."""
    return plan.is_active(data) or (plan.is_submitted(data) and farm_notes(state))


def kitsu_instances(context: Any) -> list[Any]:
    """The instances taking part (:func:`takes_part`) with a Kitsu target or target error."""
    state = state_of(context)
    return [i for i in targeted(context) if takes_part(state, i.data)]


def handed_over(context: Any) -> list[Any]:
    """Instances this publish sends to the farm with a Kitsu target: their farm job gets
    the hand-off (``farmJobEnv``)."""
    state = state_of(context)
    return [i for i in context if plan.is_submitted(i.data) and state.item(i).target]


def entries(context: Any) -> list[plan.Entry]:
    """The active Kitsu instances with their tasks, as collected."""
    state = state_of(context)
    found = []
    for instance in kitsu_instances(context):
        task = state.item(instance).task
        if task is not None:
            found.append((task, instance.data, name(instance)))
    return found


def groups(context: Any, settings: Settings) -> list[plan.Group]:
    """The active Kitsu instances grouped by task (one note each), worked out now and
    kept in the publish state for the steps after this one."""
    state = state_of(context)
    comment = context.data.get("comment")
    state.groups = plan.tasks_of(settings, entries(context), comment, hosts(context))
    return state.groups


def kept_groups(context: Any, settings: Settings) -> list[plan.Group]:
    """The groups this validation already worked out (else worked out now)."""
    state = state_of(context)
    return state.groups if state.groups is not None else groups(context, settings)


def host(context: Any) -> str:
    """The template variable ``host``: the context's ``host``, else its ``hostName``
    (AYON, OpenPype), else the last host registered with pyblish."""
    for key in ("host", "hostName"):
        found = context.data.get(key)
        if isinstance(found, str) and found:
            return found
    import pyblish.api

    hosts = pyblish.api.registered_hosts()
    return str(hosts[-1]) if hosts else ""


def hosts(context: Any) -> tuple[str, ...]:
    """The hosts status profiles match (:func:`kitsu_publish.profiles.hosts_of`)."""
    import pyblish.api

    return profiles.hosts_of(context.data, pyblish.api.registered_hosts(), os.environ)


def notes(
    context: Any, settings: Settings, found: list[plan.Group], warn: Any, tasks: Any = None
) -> list[plan.NotePlan]:
    """Every note of these groups, from the pure core (``tasks``: read fresh, by id)."""
    user = plan.user_name(context.data)
    media = [review_media(state_of(context), settings, group) for group in found]
    planned = plan.notes_of(
        settings, found, host(context), user, warn, tasks, hosts(context), media
    )
    from .farm import credited

    return credited(state_of(context), planned)


def review_media(
    state: PublishState, settings: Settings, group: plan.Group
) -> review.Split | None:
    """A note's review media, as previews and files attached to it: read once per
    publish, by the first step that needs them (the note validator), on its task's
    project as collected, and kept in the state: what validation checked is what is
    posted. None when review media are switched off."""
    if not settings.review.enabled:
        return None
    task, members = group
    key = media_key(task.id, [m.name for m in members])
    if key not in state.media:
        rules, media = review.project_rules(task.data), review.note_media(members)
        state.media[key] = review.split(media, rules, settings.review.extra_media)
    return state.media[key]


def media_key(task_id: str, instances: Iterable[str]) -> tuple[str, tuple[str, ...]]:
    """Whose review media: a note's task and instances (a task has one note per
    instance with ``note_per_instance``)."""
    return task_id, tuple(instances)


def where(task: TaskInfo) -> str:
    return f"{task.label} (status '{task.status}')"


def earlier_failures(context: Any) -> list[str]:
    names = []
    for result in context.data.get("results", []):
        if not result.get("success", True) or result.get("error"):
            plugin = result.get("plugin")
            names.append(getattr(plugin, "__name__", str(plugin)))
    return list(dict.fromkeys(names))


def enabled(state: PublishState, log: logging.Logger | None = None) -> bool:
    """False (with a line saying so) when the settings switch the library off."""
    settings = state.settings
    if settings is not None and not settings.enabled:
        if log is not None:
            log.info("Kitsu notes are disabled in %s (enabled = false)", settings.source)
        return False
    return True
