"""``kitsu-publish render``: the notes a publish of some instance data would post,
decided and rendered offline (no server, no pyblish) by the same planning as a publish."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from typing import Any

from .. import extras, plan, profiles, review
from ..errors import KitsuPublishError, TargetError
from ..model import Target, TaskInfo
from . import shots
from .common import STATUS_KEY, TASK_NAME_KEY, UsageError, load_settings, read_data

__all__ = ["render"]


def render(file: str | None, data_file: str, status: str | None, as_json: bool) -> int:
    """The notes a publish of this data would post, decided and rendered offline."""
    settings = load_settings(file)
    context, instances = read_data(data_file)
    if status is not None and not status.strip():
        raise UsageError("--status must not be empty")
    report: dict[str, Any] = {"notes": [], "errors": [], "skipped": []}

    def skip(name: str, why: str) -> None:
        report["skipped"].append({"instance": name, "reason": why})

    if not settings.enabled:
        print(
            f"Kitsu notes are disabled in {settings.source} (enabled = false): nothing "
            "would be posted",
            file=sys.stderr,
        )
        return 0
    entries: list[plan.Entry] = []
    seen: set[str] = set()
    warnings: list[str] = []
    for index, data in enumerate(instances):
        name = plan.instance_name(data, f"instance{index}")
        if not plan.is_active(data):
            skip(name, "switched off (publish = false)" if not data.get("farm") else "farm")
            continue
        try:
            target = plan.find_target(data, context, None, name)
        except TargetError as exc:
            report["errors"].append(str(exc))
            continue
        if target is None:
            skip(name, "no Kitsu target")
            continue
        task = _offline_task(target, data, context, status, name)
        if task.id not in seen and "?" in (task.project, task.entity, task.task_type):
            warnings.append(
                f"task id {target.task_id}: the data does not name its project, entity and "
                "task type (kitsuProject, kitsuEntity, kitsuTaskType beside kitsuTaskId): "
                "they show as '?' here; a publish reads them from Kitsu"
            )
        seen.add(task.id)
        entries.append((task, data, name))
    if not entries and not report["errors"]:
        raise UsageError(
            f"{data_file}: no instance has a Kitsu target (kitsuTaskId, or kitsuProject, "
            "kitsuEntity and kitsuTaskType): nothing would be posted"
        )
    host = str(context.get("host") or context.get("hostName") or "")
    user = plan.user_name(context)
    # offline, the context's host stands for the hosts a DCC integration registers
    hosts = profiles.hosts_of(context, [host] if host else [], os.environ)
    # the same grouping and planning as a publish; each note on its own, so that every
    # task's error is reported
    for group in plan.tasks_of(settings, entries, context.get("comment")):
        try:
            (note,) = plan.notes_of(settings, [group], host, user, warnings.append, hosts=hosts)
        except KitsuPublishError as exc:
            report["errors"].append(str(exc))
            continue
        record = _note_record(note)
        if settings.review.enabled:
            media = review.note_media(note.members)
            record["review"] = [m.path for m in media] if media else None
        record["shot"] = shots.note_shot(settings, note, report["errors"], warnings)
        report["notes"].append(record)
    if as_json:
        report["warnings"] = warnings
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        _print_notes(report["notes"], report["skipped"])
        for warning in warnings:
            print(f"warning: {warning}", file=sys.stderr)
    for error in report["errors"]:
        print(f"error: {error}", file=sys.stderr)
    return 1 if report["errors"] else 0


def _offline_task(
    target: Target,
    data: Mapping[str, Any],
    context: Mapping[str, Any],
    status: str | None,
    name: str,
) -> TaskInfo:
    """The task as the data names it: names from the target, status from --status or data."""
    if target.task_id:
        # names beside a task id are not needed by a publish; here they name the task
        project, entity, task_type = (
            _text_of(data.get(key)) or _text_of(context.get(key))
            for key in ("kitsuProject", "kitsuEntity", "kitsuTaskType")
        )
        key = target.task_id
    else:
        project, entity, task_type = (
            str(target.project),
            str(target.entity),
            str(target.task_type),
        )
        entity = "/".join(part.strip() for part in entity.strip().strip("/").split("/"))
        key = "\0".join((project, entity.lower(), task_type.lower()))
    found = status or _text_of(data.get(STATUS_KEY)) or _text_of(context.get(STATUS_KEY))
    if not found:
        raise UsageError(
            f"instance '{name}': the task's current status is not known offline: give "
            f"--status, or {STATUS_KEY} (a status short name) in the instance or context data"
        )
    return TaskInfo(
        id=key,
        project=project or "?",
        entity=entity or "?",
        task_type=task_type or "?",
        status=found.strip(),
        data={
            **({"id": target.task_id} if target.task_id else {}),
            "name": _text_of(data.get(TASK_NAME_KEY)) or _text_of(context.get(TASK_NAME_KEY)),
            **shots.offline_records(data, context, entity or "?", name),
        },
    )


def _text_of(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _note_record(note: plan.NotePlan) -> dict[str, Any]:
    task = note.task
    summary: dict[str, Any] = dict(task.summary())
    summary["id"] = str(task.data.get("id") or "") or None
    files = extras.file_names(note.attachments, note.report)
    return {
        "task": summary,
        "instances": [
            {"name": m.name, "product_type": m.product_type, "version": m.version}
            for m in note.members
        ],
        "change": note.decision.change,
        "status_before": note.decision.status_before,
        "status_after": note.decision.status_after,
        "profile": None if note.profile is None else note.profile.describe(),
        "reason": note.decision.reason,
        "text": note.text,
        **note.extras(),
        **({"mentions": list(note.mentions)} if note.mentions else {}),
        **({"attachments": files} if files else {}),
    }


def _print_notes(notes: list[dict[str, Any]], skipped: list[dict[str, str]]) -> None:
    for index, record in enumerate(notes):
        task = record["task"]
        label = f"{task['project']} / {task['entity']} / {task['task_type']}"
        if task["id"]:
            label += f" (task id {task['id']})"
        before, after = record["status_before"], record["status_after"]
        change = (
            f"status '{before}' -> '{after}'" if record["change"] else f"status '{before}' kept"
        )
        instances = ", ".join(
            f"{i['name']} ({i['product_type'] or 'no product type'}"
            + (f", v{i['version']}" if i["version"] is not None else "")
            + ")"
            for i in record["instances"]
        )
        if index:
            print()
        print(f"== {label}: {change}")
        print(f"   instances: {instances}")
        if record["shot"] is not None:
            print(f"   shot in Kitsu: {record['shot']['description']}")
        if record["profile"] is not None:
            print(f"   profile: {record['profile']}")
        print(f"   reason: {record['reason']}")
        print("   note:" if record["text"] else "   note: (empty)")
        for line in record["text"].splitlines():
            print(f"      {line}".rstrip())
        if record.get("checklist"):
            print("   checklist:")
            for item in record["checklist"]:
                print(f"      [{'x' if item['checked'] else ' '}] {item['text']}")
        if record.get("links"):
            print("   links:")
            for link in record["links"]:
                print(f"      {link}")
        if record.get("mentions"):
            print(
                f"   mentions: {', '.join(record['mentions'])} (checked against Kitsu "
                "when publishing)"
            )
        if record.get("attachments"):
            print(f"   attached files: {', '.join(record['attachments'])}")
        if record.get("review") and len(record["review"]) == 1:
            print(f"   review file: {record['review'][0]} (the preview)")
        elif record.get("review"):
            print(
                f"   review files: {', '.join(record['review'])} (the first is the preview; "
                "the others extra previews, or attached files with extra_media = 'attach' "
                "on a project that takes one preview per revision)"
            )
    for item in skipped:
        print(f"skipped: {item['instance']}: {item['reason']}", file=sys.stderr)
