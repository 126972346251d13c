"""Kitsu tasks by id: read whole, in bulk, assembled, and read again fresh.

The first task is read with ``tasks/<id>/full``, which brings its project, entity,
types, sequence, episode and people; the others with one list request
(``data/tasks?id=[...]``), then one list request per kind of record they refer to that
the publish has not seen yet, and each is put together in the ``tasks/<id>/full`` shape
(:func:`compose`). Just before posting, :func:`fresh` reads every task again in one
request. A task a list does not return is read alone, for its own error message.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Mapping
from typing import Any, Callable

from ..errors import KitsuError, PermissionRefused, TargetError
from ..model import TaskInfo
from .session import Session

__all__ = ["compose", "fresh", "is_id", "read_tasks", "task", "task_info", "task_url"]

_UUID = re.compile(r"^[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}$")
#: kind -> (list route, what it is in an error message)
ROUTES = {
    "project": ("data/projects", "reading the projects"),
    "task_type": ("data/task-types", "reading the task types"),
    "entity": ("data/entities", "reading the entities"),
    "entity_type": ("data/entity-types", "reading the entity types"),
    "person": ("data/persons", "reading the assignees"),
}


def is_id(text: str) -> bool:
    """Is this a Kitsu id (a UUID)? Others are read alone, for their own error."""
    return bool(_UUID.match(text or ""))


def task(session: Session, task_id: str, instance: str = "") -> TaskInfo:
    """The task, read whole once per publish (``tasks/<id>/full``); see :func:`fresh`."""
    known = session.records["task"]
    if task_id not in known:
        known[task_id] = read_task(session, task_id, instance)
    return known[task_id]


def read_task(session: Session, task_id: str, instance: str = "") -> TaskInfo:
    """One task as it is now on the server, with everything it refers to."""
    full = _fetch_task(session, task_id, instance)
    _learn_task(session, full)
    return task_info(full)


def _fetch_task(session: Session, task_id: str, instance: str = "") -> dict[str, Any]:
    """``tasks/<id>/full``, or a TargetError saying why the person may not read it."""
    import gazu
    import gazu.exception as gx

    try:
        with session.calling(f"reading task {task_id}"):
            try:
                full = gazu.task.get_task(task_id, client=session.client)
            except gx.RouteNotFoundException:
                full = None
    except ValueError:
        raise TargetError(f"'{task_id}' is not a valid Kitsu task id", instance) from None
    except PermissionRefused:
        why = (
            "vendors see only the tasks of entities they have a task assigned on. Ask "
            "your production manager to assign you to it"
            if session.person.get("role") == "vendor"
            else "not in the team of its project. Ask your production manager to add "
            "you to the project's team"
        )
        raise TargetError(
            f"{session.user} may not see the Kitsu task {task_id}: {why}", instance
        ) from None
    if full is None:
        raise TargetError(
            f"Kitsu has no task with id {task_id} that {session.user} can see (it does not "
            "exist, or you are not in its project's team)",
            instance,
        )
    return dict(full)


def read_tasks(session: Session, task_ids: Iterable[str]) -> None:
    """Read these tasks whole, in as few requests as Kitsu allows; best effort.

    The first task whole, the others in one list and, when the publish has not read it
    yet, the person's context (the statuses) do not wait for each other: they are read
    together (:meth:`.Session.together`), then kept in that order. A task that cannot
    be read is left out: :func:`task` reads it alone and says why.
    """
    known = session.records["task"]
    wanted = [t for t in dict.fromkeys(task_ids) if t not in known and is_id(t)]
    if not wanted:
        return

    def first() -> dict[str, Any] | None:
        with contextlib.suppress(TargetError):
            return _fetch_task(session, wanted[0])
        return None

    def others() -> list[dict[str, Any]]:
        return session.read_list(
            "data/tasks", "id", wanted[1:], "reading the tasks", relations="true"
        )

    reads: list[Callable[[], Any]] = [first, others]
    if "status" not in session.records.complete:
        reads.append(session.fetch_context)
    full, rows, *context = session.together(*reads)
    if full is not None:
        _learn_task(session, full)
        known.setdefault(wanted[0], task_info(full))
    if context:
        session.learn_context(context[0])
    add_tasks(session, rows)


def add_tasks(session: Session, rows: list[dict[str, Any]]) -> None:
    """Tasks from a list request, made whole from what the publish knows or reads now."""
    _read_references(session, rows)
    for row in rows:
        with contextlib.suppress(KeyError, TypeError):
            session.records["task"].setdefault(str(row["id"]), task_info(compose(session, row)))


def fresh(session: Session, tasks: Iterable[TaskInfo]) -> dict[str, TaskInfo]:
    """The tasks as they are now (status, assignees, dates), in one request.

    Raises the error of the first task that is gone or hidden since collection.
    """
    tasks = list(tasks)
    rows = {
        str(r["id"]): r
        for r in session.read_list(
            "data/tasks",
            "id",
            [t.id for t in tasks],
            "reading the tasks again before posting",
            relations="true",
        )
    }
    _read_people(session, rows.values())
    found = {}
    for one in tasks:
        row = rows.get(one.id)
        try:
            found[one.id] = task_info(compose(session, row, one.data))
        except (KeyError, TypeError):  # gone, hidden, or a status new since the login
            found[one.id] = read_task(session, one.id)
    return found


def _learn_task(session: Session, full: Mapping[str, Any]) -> None:
    """Keep what a whole task brought, for the tasks read by list after it."""
    learn = session.records.learn
    for kind, key in (
        ("project", "project"),
        ("entity", "entity"),
        ("entity_type", "entity_type"),
        ("task_type", "task_type"),
        ("person", "assigner"),
        ("entity", "sequence"),
        ("entity", "episode"),
    ):
        learn(kind, [full.get(key)])
    learn("person", full.get("persons"))


def _read(session: Session, kind: str, ids: Iterable[Any]) -> None:
    route, what = ROUTES[kind]
    with contextlib.suppress(PermissionRefused):
        session.read(kind, route, ids, what)


def _read_references(session: Session, rows: list[dict[str, Any]]) -> None:
    """Everything these tasks refer to, one request per kind still unknown."""
    if not rows:
        return
    session.statuses()
    entities_known = session.records["entity"]
    _read(session, "project", (r.get("project_id") for r in rows))
    _read(session, "task_type", (r.get("task_type_id") for r in rows))
    _read(session, "entity", (r.get("entity_id") for r in rows))
    entities = [entities_known.get(str(r.get("entity_id"))) or {} for r in rows]
    _read(session, "entity", (e.get("parent_id") for e in entities))  # sequences
    parents = [entities_known.get(str(e.get("parent_id"))) or {} for e in entities]
    _read(session, "entity", (p.get("parent_id") for p in parents))  # episodes
    _read(session, "entity_type", (e.get("entity_type_id") for e in entities))
    _read_people(session, rows)


def _read_people(session: Session, rows: Iterable[Mapping[str, Any]]) -> None:
    """The assignees and assigners of these tasks (not needed to post: best effort)."""
    ids: list[Any] = []
    for row in rows:
        ids.extend(row.get("assignees") or ())
        ids.append(row.get("assigner_id"))
    with contextlib.suppress(KitsuError):
        _read(session, "person", (i for i in ids if isinstance(i, str)))


def compose(
    session: Session, row: Mapping[str, Any] | None, before: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A task from a list request in the shape of ``tasks/<id>/full``.

    Raises KeyError when a record it refers to is unknown.
    """
    if row is None:
        raise KeyError("task")
    known = session.records
    full = dict(before or {})
    full.update(row)
    full["type"] = "Task"
    full["project"] = known["project"][str(row["project_id"])]
    full["task_type"] = known["task_type"][str(row["task_type_id"])]
    full["task_status"] = known["status"][str(row["task_status_id"])]
    entity = dict(known["entity"][str(row["entity_id"])], type="Entity")
    entity_type = known["entity_type"][str(entity["entity_type_id"])]
    full.update(entity=entity, entity_type=entity_type)
    people = known["person"]
    full["persons"] = [people[str(p)] for p in row.get("assignees") or () if str(p) in people]
    full.pop("assigner", None)
    if str(row.get("assigner_id")) in people:
        full["assigner"] = people[str(row["assigner_id"])]
    full.pop("sequence", None)
    full.pop("episode", None)
    if entity.get("parent_id") and entity_type.get("name") in ("Sequence", "Shot", "Scene"):
        sequence = entity if entity_type["name"] == "Sequence" else None
        sequence = sequence or known["entity"][str(entity["parent_id"])]
        full["sequence"] = sequence
        if sequence.get("parent_id"):
            full["episode"] = known["entity"][str(sequence["parent_id"])]
    return full


def task_info(full: Mapping[str, Any]) -> TaskInfo:
    """Our summary of a whole task: names for messages, the current status, the data."""
    entity = full.get("entity") or {}
    parts = [
        (full.get(k) or {}).get("name")
        for k in ("episode", "sequence")
        if isinstance(full.get(k), dict)
    ]
    name = "/".join([p for p in parts if p] + [entity.get("name") or "?"])
    return TaskInfo(
        id=full["id"],
        project=(full.get("project") or {}).get("name", "?"),
        entity=name,
        task_type=(full.get("task_type") or {}).get("name", "?"),
        status=(full.get("task_status") or {}).get("short_name", "?"),
        data=full,
    )


def task_url(api: str, task: Mapping[str, Any]) -> str:
    """The task's page in the Kitsu web app, from the API URL and the task dict."""
    web = api[: -len("/api")] if api.endswith("/api") else api
    project = task.get("project_id") or (task.get("project") or {}).get("id")
    entity_type = str((task.get("entity_type") or {}).get("name") or "").lower()
    section = "shots" if entity_type in ("shot", "sequence", "episode", "") else "assets"
    episode = (task.get("episode") or {}).get("id") if section == "shots" else None
    where = f"episodes/{episode}/" if episode else ""
    return f"{web}/productions/{project}/{where}{section}/tasks/{task.get('id')}"
