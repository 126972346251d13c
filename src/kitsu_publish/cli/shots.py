"""The shot's values in the commands: ``render`` (offline, from ``kitsuTask`` in the data
file) and ``check --online --task-id`` (from the task it resolved)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import plan, shots
from ..model import TaskInfo
from ..settings import Settings
from .common import UsageError

__all__ = ["KITSU_TASK_KEY", "describe", "note_shot", "offline_records", "settings_line"]

#: Instance or context data key ``render`` reads Kitsu's shot and project values from:
#: the task in the shape a publish writes to ``instance.data["kitsuTask"]``.
KITSU_TASK_KEY = "kitsuTask"


def offline_records(
    data: Mapping[str, Any], context: Mapping[str, Any], entity: str, name: str
) -> dict[str, Any]:
    """The task's entity, entity type and project for ``render``: from ``kitsuTask`` of the
    instance, else of the context (absent: none; the values then show as unknown)."""
    given = data.get(KITSU_TASK_KEY, context.get(KITSU_TASK_KEY))
    if given is not None and not isinstance(given, Mapping):
        raise UsageError(
            f"instance '{name}': {KITSU_TASK_KEY} must be a table (the Kitsu task as a "
            f"publish writes it, with its entity and project), found {type(given).__name__}"
        )
    return shots.offline_records(given or {}, entity)


def describe(task: TaskInfo) -> str:
    """Kitsu's values for the task's entity, in one line."""
    return shots.describe(shots.kitsu_shot(task))


def note_shot(
    settings: Settings, note: plan.NotePlan, errors: list[str], warnings: list[str]
) -> dict[str, Any] | None:
    """The shot of an offline note, for ``render``: Kitsu's values (None when the data
    gives none), and the shot checks' findings of its instances, when switched on,
    added to ``errors`` and ``warnings`` as a publish would raise and log them."""
    task = note.task
    given = bool(task.data.get("entity") or task.data.get("project"))  # kitsuTask's
    shot = shots.kitsu_shot(task)
    if settings.shot.enabled and shot.is_shot and not given:
        warnings.append(
            f"task {task.label}: the shot checks need Kitsu's values, which are not known "
            f"offline: give {KITSU_TASK_KEY} (with its entity and project) in the data; "
            "not checked"
        )
    elif settings.shot.enabled:
        for member in note.members:
            report = shots.check(settings.shot, shot, member.data, member.name)
            errors.extend(f.message for f in report.errors)
            warnings.extend(report.notices)
            warnings.extend(f.message for f in report.warnings)
    if not given:
        return None
    project = shots.project_variable(task, shot)
    return {
        "entity": shot.entity,
        "is_shot": shot.is_shot,
        "shot": shots.shot_variable(shot),
        "project": {
            "name": project.name,
            "fps": project.fps,
            "resolution": project.resolution,
            "ratio": project.ratio,
        },
        "description": shots.describe(shot),
    }


def settings_line(settings: Settings) -> str | None:
    """The shot checks in the settings summary of ``check`` (None when switched off)."""
    shot = settings.shot
    if not shot.enabled:
        return None
    levels = ", ".join(f"{words} {getattr(shot, key)}" for key, words in shots.CHECKS.items())
    kinds = ", ".join(shot.product_types) or "none"
    return f"  shot checks: {levels}; product types: {kinds}"
