"""A fake Kitsu for the fast tests: a world of projects, tasks, people and comments in
memory, and :class:`FakeSession`, which implements ``kitsu_publish.kitsu.KitsuSession``.

The fake decides who may post what with the library's own copy of Zou's rules
(``kitsu.permissions``), and answers like the real server on everything the contract
test (tests/test_kitsu_contract.py) asks of both: the same calls, the same results, the
same error classes and fields. Faults are scripted per call (``world.faults``).

Use::

    world = FakeWorld()
    task = world.add_task("Demo", "SQ010/SH010", "Animation", status="todo")
    options = RunOptions(connect=world.connect(world.artist(assign=[task])))
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Callable

from kitsu_publish import review
from kitsu_publish.errors import (
    AttachmentFailed,
    PostFailed,
    ReviewFailed,
    StatusNotFound,
    TargetError,
)
from kitsu_publish.kitsu import permissions
from kitsu_publish.model import Delegation, Posted, Refusal, Target, TaskInfo

STATUSES = (
    ("todo", "Todo"),
    ("wip", "Work In Progress"),
    ("wfa", "Waiting For Approval"),
    ("retake", "Retake"),
    ("done", "Done"),
)


def _id() -> str:
    return str(uuid.uuid4())


def department_id(name: str) -> str:
    """The fake's id of the department with this name (always the same one)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"kitsu-fake/department/{name}"))


@dataclass
class FakeWorld:
    """What the fake Kitsu server holds."""

    url: str = "http://kitsu.fake/api"
    statuses: dict[str, dict[str, Any]] = field(default_factory=dict)  # by short name
    projects: dict[str, dict[str, Any]] = field(default_factory=dict)  # by name
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)  # by id, tasks/<id>/full
    comments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by task id
    previews: list[dict[str, Any]] = field(default_factory=list)
    playlists: dict[str, list[str]] = field(default_factory=dict)  # name -> preview ids
    thumbnails: list[str] = field(default_factory=list)
    preview_status: str = "ready"  # what processing ends in
    processed: dict[str, str] = field(default_factory=dict)  # file name -> its own end
    #: operation -> the faults of its next calls, in order: an exception to raise, or
    #: "lost" (the POST's answer is lost but the comment was stored), "lost-not-stored"
    #: (lost and not stored: sent once more), "unknown" (lost, and checking failed too);
    #: "operation:<task id>" -> the faults of its next calls on that task (taken first:
    #: a fault for one task, whatever order parallel posts come in); a callable fault is
    #: called, in the caller's thread, and what it returns is the fault (it may wait on
    #: an event to hold a post in flight)
    faults: dict[str, list[Any]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)  # every call, in order
    in_flight: int = 0  # posts and uploads being made now
    most_in_flight: int = 0  # the most at once, since the world was made
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    persons: dict[str, dict[str, Any]] = field(default_factory=dict)  # by id
    #: the studio's departments (names); every person is on every project's team
    departments: list[str] = field(default_factory=lambda: ["Animation", "Lighting"])
    reports: dict[str, str] = field(default_factory=dict)  # attached report text by comment id
    sessions: list[FakeSession] = field(default_factory=list)

    def __post_init__(self) -> None:
        for short, name in STATUSES:
            self.add_status(short, name)

    def add_status(
        self, short_name: str, name: str, artist: bool = True, client: bool = True
    ) -> dict[str, Any]:
        status = {
            "id": _id(),
            "short_name": short_name,
            "name": name,
            "is_artist_allowed": artist,
            "is_client_allowed": client,
        }
        self.statuses[short_name] = status
        return status

    def add_task(
        self,
        project: str,
        entity: str,
        task_type: str,
        status: str = "todo",
        assignees: Iterable[str] = (),
    ) -> str:
        """A task of an entity (``Fox``, ``SQ010/SH010`` or ``EP01/SQ010/SH010``)."""
        # a new Zou project's format (fps, resolution, ratio) and preview settings
        found = self.projects.setdefault(
            project,
            {
                "id": _id(),
                "name": project,
                "fps": "25",
                "resolution": "1920x1080",
                "ratio": "16:9",
                "is_single_preview_per_revision": False,
                "is_set_preview_automated": False,
            },
        )
        parts = entity.split("/")
        entity_type = "Character" if len(parts) == 1 else "Shot"
        task_id = _id()
        full: dict[str, Any] = {
            "id": task_id,
            "type": "Task",
            "name": "main",
            "project_id": found["id"],
            "project": found,
            "entity": {
                "id": _id(),
                "name": parts[-1],
                "type": "Entity",
                "created_by": None,
                "nb_frames": None,
                "data": {},
            },
            "entity_type": {"id": _id(), "name": entity_type},
            "task_type": {"id": _id(), "name": task_type, "department_id": None},
            "task_status": self.statuses[status],
            "assignees": list(assignees),
            "last_comment_date": None,
        }
        full["entity_id"] = full["entity"]["id"]
        if len(parts) >= 2:
            full["sequence"] = {"id": _id(), "name": parts[-2]}
        if len(parts) == 3:
            full["episode"] = {"id": _id(), "name": parts[0]}
        self.tasks[task_id] = full
        return task_id

    def set_shot(
        self, project: str, entity: str, nb_frames: int | None = None, **data: Any
    ) -> None:
        """Give a shot its frame data, as production does in Kitsu: ``nb_frames`` and
        ``data`` keys (``frame_in``, ``frame_out``, ``fps``, ``resolution``)."""
        found = [
            full["entity"]
            for full in self.tasks.values()
            if full["project"]["name"] == project and _info(full).entity == entity
        ]
        assert found, f"no task on {entity} in {project}"
        for shot in found:
            shot["nb_frames"] = nb_frames
            shot["data"] = {**shot["data"], **data}

    def set_project(self, project: str, **fields: Any) -> None:
        """Change a project's fields (``fps``, ``resolution``, ``ratio``,
        ``is_single_preview_per_revision``, ``is_set_preview_automated``)."""
        self.projects[project].update(fields)

    def person(
        self, role: str = "user", project_role: str | None = None, assign: Iterable[str] = ()
    ) -> dict[str, Any]:
        """A person; assigned to these tasks. ``project_role`` applies on every project."""
        tag = uuid.uuid4().hex[:6]
        person = {
            "id": _id(),
            "role": role,
            "email": f"{role}-{tag}@fake",
            "full_name": f"Fake {role} {tag}",  # each their own, as a mention tells them apart
            "departments": [],
            "project_role": project_role,
            "active": True,
            "is_bot": False,
        }
        self.persons[person["id"]] = person
        for task_id in assign:
            self.tasks[task_id]["assignees"].append(person["id"])
        return person

    def connect(self, person: dict[str, Any] | None = None) -> Callable[[Any], FakeSession]:
        """A ``RunOptions.connect``: log in as this person (an admin by default)."""
        who = person or self.person("admin")

        def connect(settings: Any) -> FakeSession:
            self.take("connect")
            session = FakeSession(self, who)
            self.sessions.append(session)
            return session

        return connect

    def take(self, operation: str, task_id: str | None = None) -> Any:
        """Record a call; raise or return its next scripted fault (see ``faults``)."""
        self.calls.append(operation)
        fault = None
        for name in ([f"{operation}:{task_id}"] if task_id else []) + [operation]:
            queue = self.faults.get(name)
            if queue:
                fault = queue.pop(0)
                break
        if callable(fault):
            fault = fault()
        if isinstance(fault, BaseException):
            raise fault
        return fault

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Count a write in flight (``in_flight``, ``most_in_flight``)."""
        with self.lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            yield
        finally:
            with self.lock:
                self.in_flight -= 1

    def status_of(self, task_id: str) -> str:
        return str(self.tasks[task_id]["task_status"]["short_name"])


def _info(full: Mapping[str, Any]) -> TaskInfo:
    parts = [full[k]["name"] for k in ("episode", "sequence") if k in full]
    return TaskInfo(
        id=full["id"],
        project=full["project"]["name"],
        entity="/".join([*parts, full["entity"]["name"]]),
        task_type=full["task_type"]["name"],
        status=full["task_status"]["short_name"],
        data=dict(full),
    )


class FakeSession:
    """One publish's session with the fake Kitsu (implements ``KitsuSession``)."""

    def __init__(self, world: FakeWorld, person: dict[str, Any]) -> None:
        self.world = world
        self.person = person
        self.person_id = str(person["id"])
        self.url = world.url
        self.user: str | None = person["email"]
        self.closed = False
        self.delegate: dict[str, Any] = {}  # the person notes are posted for (a farm job)

    def close(self) -> None:
        self.world.calls.append("close")
        self.closed = True

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        yield

    def status(self, short_name: str) -> Mapping[str, Any]:
        self.world.take("status")
        found = self.world.statuses.get(short_name.strip().lower())
        if found is None:
            raise StatusNotFound(f"Kitsu has no task status '{short_name}'", short_name)
        return found

    def project_role(self, project_id: str) -> str:
        role = str(self.person["role"])
        if role == "admin" or not project_id:
            return role
        return str(self.person.get("project_role") or role)

    def preflight(self, task: TaskInfo, status_short_name: str) -> Refusal | None:
        self.world.take("preflight")
        status = self.status(status_short_name)
        role = self.project_role(str(task.data.get("project_id") or ""))
        kept = status_short_name.lower() == task.status.lower()
        refusal = permissions.check(self.person, role, task.data, status, task.label, kept)
        if refusal is not None or not self.delegate:
            return refusal
        artist = self.delegate  # the fake has no teams: everyone is in every team
        artist_role = str(artist.get("project_role") or artist["role"])
        refusal = permissions.check(artist, artist_role, task.data, status, task.label, kept)
        if refusal is None:
            return None
        who = artist["full_name"]
        return Refusal(refusal.reason, f"On the farm, in the name of {who}: {refusal.message}")

    def identity(self) -> Mapping[str, Any]:
        return dict(self.person)

    def act_for(self, person_id: str) -> str:
        self.world.take("act_for")
        found = self.world.persons.get(person_id)
        if found is None:
            raise TargetError(
                f"the farm job posts for the Kitsu person {person_id}, whom Kitsu does not "
                "know; check KITSU_PUBLISH_ON_BEHALF_OF in the job's environment"
            )
        if found.get("active") is False:
            raise TargetError(
                f"the farm job posts for {found['full_name']}, whose Kitsu account is "
                "deactivated: ask your production manager"
            )
        self.delegate = found
        return str(found["full_name"])

    def delegation(self, task: TaskInfo) -> Delegation | None:
        if not self.delegate:
            return None
        role = self.project_role(str(task.data.get("project_id") or ""))
        return Delegation(
            str(self.delegate["id"]), str(self.delegate["full_name"]), role in ("admin", "manager")
        )

    def settable_statuses(self, project_id: str) -> list[dict[str, Any]]:
        role = self.project_role(project_id)
        statuses = list(self.world.statuses.values())
        return [dict(s) for s in permissions.allowed_statuses(role, statuses)]

    def read_targets(self, targets: Iterable[Target]) -> None:
        self.world.take("read_targets")

    def resolve(self, target: Target, instance: str = "") -> TaskInfo:
        self.world.take("resolve")
        if target.task_id:
            full = self.world.tasks.get(target.task_id)
            if full is None:
                raise TargetError(f"Kitsu has no task with id {target.task_id}", instance)
            return _info(full)
        for full in self.world.tasks.values():
            info = _info(full)
            if (
                info.project.lower() == str(target.project).lower()
                and info.entity.lower() == str(target.entity).strip("/").lower()
                and info.task_type.lower() == str(target.task_type).lower()
            ):
                return info
        raise TargetError(
            f"Kitsu has no {target.task_type} task on '{target.entity}' in '{target.project}'",
            instance,
        )

    def fresh(self, tasks: Iterable[TaskInfo]) -> dict[str, TaskInfo]:
        self.world.take("fresh")
        found = {}
        for task in tasks:
            if task.id not in self.world.tasks:
                raise TargetError(f"Kitsu has no task with id {task.id}")
            found[task.id] = _info(self.world.tasks[task.id])
        return found

    def task_url(self, task: TaskInfo) -> str:
        web = self.url[: -len("/api")]
        return f"{web}/productions/{task.data.get('project_id')}/shots/tasks/{task.id}"

    def post(
        self,
        task: TaskInfo,
        status_short_name: str,
        text: str,
        *,
        checklist: list[dict[str, Any]] | None = None,
        links: list[str] | None = None,
    ) -> Posted:
        with self.world.writing():
            fault = self.world.take("post", task.id)
            status = self.status(status_short_name)
            if fault == "unknown":
                raise PostFailed(
                    f"no answer; whether the note on {task.label} was stored is unknown", "unknown"
                )
            comment = {
                "id": _id(),
                "text": text,
                "person_id": self._author(task),
                "task_status_id": status["id"],
                "checklist": [dict(item) for item in checklist or ()],
                "links": list(links or ()),
                "mentions": [p["id"] for p in self.world.persons.values() if _mentioned(p, text)],
                "department_mentions": [
                    department_id(d) for d in self.world.departments if _mentioned(d, text)
                ],  # ids, as Zou stores them
            }
            self.world.comments.setdefault(task.id, []).append(comment)
            self.world.tasks[task.id]["task_status"] = status
            if fault == "lost-not-stored":  # the first POST was lost; the second goes through
                return Posted(comment, 2, reconciled=False)
            return Posted(comment, 1, reconciled=fault == "lost")

    def attach(
        self,
        task: TaskInfo,
        comment_id: str,
        paths: list[str],
        report: tuple[str, str] | None = None,
    ) -> list[dict[str, Any]]:
        """As Zou: the files' names and sizes on the comment; a fault "attach" fails it."""
        with self.world.writing():
            fault = self.world.take("attach", task.id)
            names = [os.path.basename(p) for p in paths] + ([report[0]] if report else [])
            if fault is not None:
                raise AttachmentFailed(
                    f"the note on {task.label} was posted, but its files were not attached "
                    f"({fault}): missing {', '.join(names)}"
                )
            comment = next(c for c in self.world.comments[task.id] if c["id"] == comment_id)
            sizes = [os.path.getsize(p) for p in paths] + ([len(report[1])] if report else [])
            made = [{"id": _id(), "name": n, "size": s} for n, s in zip(names, sizes)]
            comment.setdefault("attachment_files", []).extend(made)
            if report:
                self.world.reports[comment_id] = report[1]
            return made

    def mentionable(self, task: TaskInfo) -> dict[str, str]:
        self.world.take("mentionable")
        found = dict.fromkeys(self.world.departments, "department")
        for person in self.world.persons.values():
            if person.get("active", True):
                found.setdefault(person["full_name"], "team member")
        return found

    def _author(self, task: TaskInfo) -> str:
        """Who Kitsu stores as the author: the person named, from a manager only."""
        found = self.delegation(task)
        return found.person_id if found is not None and found.as_author else self.person_id

    def existing_revisions(self, task_ids: list[str]) -> dict[str, set[int]]:
        self.world.take("existing_revisions")
        found: dict[str, set[int]] = {task_id: set() for task_id in task_ids}
        for preview in self.world.previews:
            if preview["task_id"] in found:
                found[preview["task_id"]].add(preview["revision"])
        return found

    def upload(
        self,
        task_id: str,
        comment_id: str,
        path: str,
        label: str,
        log: logging.Logger,
        *,
        revision: int | None = None,
        reference: str | None = None,
        normalize_movie: bool = True,
    ) -> dict[str, Any]:
        with self.world.writing():
            self.world.take("upload", task_id)
        mine = [p for p in self.world.previews if p["task_id"] == task_id]
        if reference is not None:
            revision = next(p["revision"] for p in self.world.previews if p["id"] == reference)
        elif revision is None:
            revision = max((p["revision"] for p in mine), default=0) + 1
        position = 1 + sum(p["revision"] == revision for p in mine)
        project = self.world.tasks[task_id]["project"]
        if position > 1 and project.get("is_single_preview_per_revision"):
            # Zou refuses the slot (400 TooManyPreviewFilesException)
            raise ReviewFailed(review.single_preview_refused(os.path.basename(path), label))
        preview = {
            "id": _id(),
            "task_id": task_id,
            "comment_id": comment_id,
            "path": path,
            "revision": revision,
            "position": position,
            "status": "processing",
        }
        self.world.previews.append(preview)
        if position == 1 and project.get("is_set_preview_automated"):
            self.world.thumbnails.append(preview["id"])  # Kitsu sets it itself
        return dict(preview)

    def wait_processed(
        self, previews: list[dict[str, Any]], log: logging.Logger
    ) -> list[dict[str, Any]]:
        """Each preview as processing left it: ``world.processed`` by file name, else
        ``world.preview_status``; a preview the world no longer has is ``deleted``."""
        self.world.take("wait_processed")
        stored = {p["id"]: p for p in self.world.previews}
        found = []
        for preview in previews:
            now = stored.get(preview["id"])
            if now is None:
                found.append({**preview, "status": review.DELETED})
                continue
            if now["status"] == "processing":
                name = os.path.basename(now["path"])
                now["status"] = self.world.processed.get(name, self.world.preview_status)
            found.append({**preview, "status": now["status"]})
        return found

    def set_thumbnail(self, preview_id: str, frame: int | None, label: str) -> None:
        self.world.take("set_thumbnail")
        self.world.thumbnails.append(preview_id)

    def add_to_playlist(
        self, project_id: str, name: str, entity_id: str, preview_id: str, label: str
    ) -> dict[str, Any]:
        self.world.take("add_to_playlist")
        self.world.playlists.setdefault(name, []).append(preview_id)
        return {"id": name, "name": name}


def _mentioned(who: Any, text: str) -> bool:
    """Zou's rule: ``@`` and the exact name, then a space or the end of the text."""
    name = who["full_name"] if isinstance(who, dict) else who
    return re.search(f"@{re.escape(name)}( |$)", text) is not None
