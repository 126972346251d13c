"""The one door to Kitsu: the only module (with :mod:`kitsu_publish.transport`) that
imports gazu.

A :class:`Session` is one publish's logged-in session: who is logged in (read once),
task statuses (read once), lookups cached for the publish, the permission preflight
(:mod:`kitsu_publish.access`) and posting with reconciliation. The HTTP side (time
limits, retries, error wording) is :class:`kitsu_publish.transport.Transport`.

Whose session: a session opened with ``KITSU_LOGIN``/``KITSU_PWD`` belongs to the
library and is logged out by :meth:`Session.close`; a token given in ``KITSU_TOKEN``
belongs to whoever gave it and is never logged out.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import logging
import os
import re
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from . import permissions as access
from ..errors import (
    AuthenticationFailed,
    ConnectionFailed,
    KitsuError,
    PermissionRefused,
    PostFailed,
    ServerFailed,
    StatusNotFound,
    TargetError,
)
from ..model import Posted, Target, TaskInfo
from ..settings import Settings
from .transport import ENV_LOGIN, ENV_PASSWORD, ENV_SERVER, ENV_TOKEN, Transport, api_url

__all__ = ["Posted", "Session", "api_url", "connect", "task_url"]

log = logging.getLogger("pyblish.kitsu_publish")

_LIST_CHUNK = 100  # ids per list request: about 4.5 kB of URL
_KINDS = ("status", "project", "task_type", "entity", "entity_type", "person")
_ROUTES = {
    "project": "data/projects",
    "task_type": "data/task-types",
    "entity": "data/entities",
    "entity_type": "data/entity-types",
    "person": "data/persons",
}
_WHAT = {
    "project": "reading the projects",
    "task_type": "reading the task types",
    "entity": "reading the entities",
    "entity_type": "reading the entity types",
    "person": "reading the assignees",
}
_UUID = re.compile(r"^[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}$")


def _is_id(text: str) -> bool:
    """Is this a Kitsu id (a UUID)? Others are read alone, for their own error."""
    return bool(_UUID.match(text or ""))


def connect(settings: Settings, environ: Mapping[str, str] | None = None) -> Session:
    """Open a logged-in session from the environment (and ``[kitsu]`` settings)."""
    env = os.environ if environ is None else environ
    server = env.get(ENV_SERVER, "").strip() or (settings.server or "")
    if not server:
        raise ConnectionFailed(
            f"no Kitsu server is configured: set {ENV_SERVER} (for example "
            "https://kitsu.example.com/api) or 'server' in the [kitsu] settings table"
        )
    url = api_url(server)
    token = env.get(ENV_TOKEN, "").strip()
    login = env.get(ENV_LOGIN, "").strip()
    password = env.get(ENV_PASSWORD, "")
    if not token and not (login and password):
        raise AuthenticationFailed(
            f"no Kitsu credentials: set {ENV_LOGIN} and {ENV_PASSWORD}, or {ENV_TOKEN}"
        )
    transport = Transport(
        url,
        (settings.connect_timeout, settings.read_timeout),
        settings.request_timeout,
        settings.step_timeout,
        [password, token],
    )
    session = Session(transport)
    try:
        with transport.step("logging in"):
            if token:
                session._log_in_with_token(token)
            else:
                session._log_in(login, password)
    except BaseException:
        session.close()
        raise
    return session


class Session:
    """A logged-in Kitsu session for one publish."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        self.url = transport.url
        self.client = transport.client
        self.user: str | None = None  # how messages name the person
        self.person: dict[str, Any] = {}
        self.token_given = False  # True: the token came from KITSU_TOKEN, never log it out
        self._statuses: dict[str, dict[str, Any]] | None = None
        self._task_types: dict[str, dict[str, Any]] | None = None
        self._roles: dict[str, str] | None = None  # project id -> role set on the team (context)
        self._team_roles: dict[str, str] = {}  # read from the team, when the context has none
        self._departments: dict[str, str] | None = None
        self._cache: dict[tuple[str, ...], Any] = {}
        # Every Kitsu record this publish has read, by kind and id: a bulk read asks only
        # for what is not here (see read_tasks).
        self._known: dict[str, dict[str, dict[str, Any]]] = {kind: {} for kind in _KINDS}
        self._tasks: dict[str, TaskInfo] = {}  # tasks read whole, by id
        self._entity_types: dict[str, dict[str, Any]] | None = None  # by name

    # --- lifecycle ------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self.client is None

    def close(self) -> None:
        """End the session: log out a session we opened, never a token we were given.

        Safe to call twice; the HTTP connections and secrets are released either way.
        """
        if self.client is None:
            return
        token = (self.client.tokens or {}).get("access_token")
        if not self.token_given and token:
            with contextlib.suppress(Exception), self.transport.step("logging out", 5.0):
                self.client.session.get(
                    self.url + "/auth/logout", headers={"Authorization": f"Bearer {token}"}
                )
        with contextlib.suppress(Exception):
            self.client.tokens = {"access_token": None, "refresh_token": None}
        self.client = None  # type: ignore[assignment]
        self.transport.release()

    def step(self, name: str) -> contextlib.AbstractContextManager[None]:
        """Bound the Kitsu requests of one publish step (see ``step_timeout``)."""
        return self.transport.step(name)

    def calling(self, what: str) -> contextlib.AbstractContextManager[None]:
        """Translate gazu and requests failures while ``what`` into our errors."""
        return self.transport.calling(what, self.user or "", self.token_given)

    def _log_in(self, login: str, password: str) -> None:
        import gazu

        try:
            with self.calling(f"logging in as {login}"):
                answer = gazu.log_in(login, password, client=self.client)
        except KitsuError as exc:
            raise self._diagnose(exc) from None
        self.user = login
        self.person = dict((answer or {}).get("user") or {})
        if not self.person:
            self.person = self._current_user(f"reading who {login} is")

    def _log_in_with_token(self, token: str) -> None:
        import gazu

        gazu.set_token(token, client=self.client)
        self.token_given = True
        try:
            self.person = self._current_user("checking the Kitsu token")
        except (ConnectionFailed, ServerFailed):
            raise
        except KitsuError as exc:  # refused: 401, or 422 for a malformed token
            diagnosed = self._diagnose(exc)
            if diagnosed is not exc:
                raise diagnosed from None
            raise AuthenticationFailed(
                f"Kitsu did not accept the token in {ENV_TOKEN}: it is malformed, invalid "
                "or expired"
            ) from None
        self.user = str(self.person.get("email") or self.person.get("full_name") or "?")

    def _current_user(self, what: str) -> dict[str, Any]:
        import gazu

        with self.calling(what):
            return dict(gazu.client.get_current_user(client=self.client))

    def _diagnose(self, exc: KitsuError) -> KitsuError:
        """A login that failed oddly: is the URL a Kitsu API at all?"""
        if isinstance(exc, (AuthenticationFailed, ConnectionFailed)):
            return exc
        try:
            answer = self.client.session.get(self.url + "/", timeout=self.transport.timeouts)
            body = answer.json()
            if isinstance(body, dict) and "api" in body:
                return exc
            status = answer.status_code
        except Exception:
            status = None
        found = f"HTTP {status}" if status else "no JSON answer"
        return ConnectionFailed(
            f"{self.url} answers, but not as a Kitsu API ({found} at {self.url}/): check "
            f"the path in {ENV_SERVER}; it is usually the Kitsu address followed by /api"
        )

    # --- statuses -----------------------------------------------------------------

    def statuses(self) -> list[dict[str, Any]]:
        """Every task status of this Kitsu; read once (with the person's context)."""
        if self._statuses is None:
            self._read_context()
        assert self._statuses is not None
        return list(self._statuses.values())

    def _read_context(self) -> None:
        """What the publish needs about this Kitsu and the person, in one request.

        Anyone but an admin reads ``data/user/context``, the payload the Kitsu web app
        loads first: task statuses, task types, departments, the person's open projects,
        the people (as this person may see them) and the person's role on each project.
        An admin's context lists every open project of the studio, so an admin reads the
        task statuses alone and needs no role (an admin's role is the same everywhere).
        """
        import gazu

        context: dict[str, Any] = {}
        if self.person.get("role") != "admin":
            try:
                with self.calling("reading the Kitsu context"):
                    context = dict(gazu.client.get("data/user/context", client=self.client))
            except (AuthenticationFailed, ConnectionFailed, ServerFailed):
                raise
            except KitsuError:  # refused, or a Kitsu without it: the statuses alone
                context = {}
        if "task_status" in context:
            found = context["task_status"]
        else:
            with self.calling("reading the task statuses"):
                found = gazu.task.all_task_statuses(client=self.client)
        self._statuses = {s["short_name"].lower(): s for s in found if s.get("short_name")}
        self._learn_list("status", found)
        self._learn_list("task_type", context.get("task_types"))
        self._learn_list("project", context.get("projects"))
        self._learn_list("person", context.get("persons"))
        if isinstance(context.get("departments"), list):
            self._departments = {
                str(d["id"]): str(d.get("name")) for d in context["departments"] if "id" in d
            }
        if isinstance(context.get("project_roles"), dict):
            self._roles = {str(k): str(v) for k, v in context["project_roles"].items() if v}

    def status(self, short_name: str) -> dict[str, Any]:
        """The task status with this short name (case-insensitive); fetched once."""
        self.statuses()
        assert self._statuses is not None
        found = self._statuses.get(short_name.lower())
        if found is None:
            known = ", ".join(sorted(self._statuses))
            raise StatusNotFound(
                f"Kitsu has no task status with short name '{short_name}'"
                f"{_did_you_mean(short_name, self._statuses)} (known: {known}); ask your TD "
                "to fix note_status_shortname in the settings"
            )
        return found

    # --- who may do what ------------------------------------------------------------

    def project_role(self, project_id: str) -> str:
        """The person's role on a project: the team's role for them, else their global one.

        Known from the context read with the statuses; read from the project's team only
        when this Kitsu's context has no roles.
        """
        import gazu

        role = str(self.person.get("role") or "user")
        if role == "admin" or not project_id:
            return role
        self.statuses()
        if self._roles is not None:  # from the context: the roles set on a team, by project
            return self._roles.get(project_id, role)
        if project_id not in self._team_roles:
            found = role
            with contextlib.suppress(PermissionRefused, KitsuError):
                with self.calling("reading the project team"):
                    team = gazu.client.get(f"data/projects/{project_id}/team", client=self.client)
                for member in team or ():
                    if member.get("id") == self.person.get("id") and member.get("project_role"):
                        found = str(member["project_role"])
            self._team_roles[project_id] = found
        return self._team_roles[project_id]

    def preflight(self, task: TaskInfo, status_short_name: str) -> access.Refusal | None:
        """Would Kitsu refuse this person a note on ``task`` with this status?"""
        status = self.status(status_short_name)
        data = task.data
        project_id = str(data.get("project_id") or (data.get("project") or {}).get("id") or "")
        role = self.project_role(project_id)
        kept = status_short_name.lower() == task.status.lower()
        refusal = access.check(self.person, role, data, status, task.label, kept)
        if refusal is not None and refusal.reason == "department":
            refusal = access.check(
                self.person, role, data, status, task.label, kept, self._department_names()
            )
        return refusal

    def settable_statuses(self, project_id: str) -> list[dict[str, Any]]:
        """The statuses this person may put on a task of the project."""
        role = self.project_role(project_id)
        return [dict(s) for s in access.allowed_statuses(role, self.statuses())]

    def _department_names(self) -> dict[str, str]:
        import gazu

        if self._departments is None:
            self._departments = {}
            with contextlib.suppress(KitsuError), self.calling("reading the departments"):
                for department in gazu.person.all_departments(client=self.client):
                    self._departments[str(department["id"])] = str(department.get("name"))
        return self._departments

    # --- tasks --------------------------------------------------------------------

    def task(self, task_id: str, instance: str = "") -> TaskInfo:
        """The task, read whole once per publish (``tasks/<id>/full``); see :meth:`fresh`."""
        if task_id not in self._tasks:
            self._tasks[task_id] = self._read_task(task_id, instance)
        return self._tasks[task_id]

    def _read_task(self, task_id: str, instance: str = "") -> TaskInfo:
        """One task as it is now on the server, with everything it refers to."""
        import gazu
        import gazu.exception as gx

        try:
            with self.calling(f"reading task {task_id}"):
                try:
                    full = gazu.task.get_task(task_id, client=self.client)
                except gx.RouteNotFoundException:
                    full = None
        except ValueError:
            raise TargetError(f"'{task_id}' is not a valid Kitsu task id", instance) from None
        except PermissionRefused:
            why = (
                "vendors see only the tasks of entities they have a task assigned on. Ask "
                "your production manager to assign you to it"
                if self.person.get("role") == "vendor"
                else "not in the team of its project. Ask your production manager to add "
                "you to the project's team"
            )
            raise TargetError(
                f"{self.user} may not see the Kitsu task {task_id}: {why}", instance
            ) from None
        if full is None:
            raise TargetError(
                f"Kitsu has no task with id {task_id} that {self.user} can see (it does not "
                "exist, or you are not in its project's team)",
                instance,
            )
        self._learn_task(full)
        return _task_info(full)

    def read_tasks(self, task_ids: Iterable[str]) -> None:
        """Read these tasks whole, in as few requests as Kitsu allows; best effort.

        The first is read with ``tasks/<id>/full``, which brings its project, entity,
        types, sequence, episode and people; the others with one list request, then,
        one list request per kind, the records they refer to that this publish has not
        seen yet (usually only their entities). A task that cannot be read is left out:
        :meth:`task` reads it alone and says why.
        """
        wanted = [t for t in dict.fromkeys(task_ids) if t not in self._tasks and _is_id(t)]
        if not wanted:
            return
        with contextlib.suppress(TargetError):
            self.task(wanted[0])
        rows = self.read_list(
            "data/tasks", "id", wanted[1:], "reading the tasks", relations="true"
        )
        self._add_tasks(rows)

    def _add_tasks(self, rows: list[dict[str, Any]]) -> None:
        """Tasks from a list request, made whole from what the publish knows or reads now."""
        self._read_references(rows)
        for row in rows:
            with contextlib.suppress(KeyError, TypeError):
                self._tasks.setdefault(str(row["id"]), _task_info(self._compose(row)))

    def fresh(self, tasks: Iterable[TaskInfo]) -> dict[str, TaskInfo]:
        """The tasks as they are now (status, assignees, dates), in one request.

        Raises the error of the first task that is gone or hidden since collection.
        """
        tasks = list(tasks)
        rows = {
            str(r["id"]): r
            for r in self.read_list(
                "data/tasks",
                "id",
                [t.id for t in tasks],
                "reading the tasks again before posting",
                relations="true",
            )
        }
        self._read_people(rows.values())
        found = {}
        for task in tasks:
            row = rows.get(task.id)
            try:
                found[task.id] = _task_info(self._compose(row, task.data))
            except (KeyError, TypeError):  # gone, hidden, or a status new since the login
                found[task.id] = self._read_task(task.id)
        return found

    # --- records by kind and id -----------------------------------------------------

    def read_list(
        self, route: str, key: str, values: Iterable[str], what: str, **params: Any
    ) -> list[dict[str, Any]]:
        """``GET route?key=[...]``: the records whose ``key`` is one of ``values``.

        Zou's list routes take a JSON list as a filter (100 per request, to keep the URL
        short) and answer only what this person may see.
        """
        import gazu

        values = [v for v in dict.fromkeys(values) if v]
        found: list[dict[str, Any]] = []
        for start in range(0, len(values), _LIST_CHUNK):
            chunk = values[start : start + _LIST_CHUNK]
            query = urllib.parse.urlencode({key: json.dumps(chunk), **params})
            with self.calling(what):
                answer = gazu.client.get(f"{route}?{query}", client=self.client)
            found.extend(r for r in answer or () if isinstance(r, dict) and "id" in r)
        return found

    def _learn_list(self, kind: str, records: Any) -> None:
        for record in records if isinstance(records, list) else ():
            if isinstance(record, dict) and record.get("id"):
                self._known[kind].setdefault(str(record["id"]), record)

    def _learn_task(self, full: Mapping[str, Any]) -> None:
        """Keep what a whole task brought, for the tasks read by list after it."""
        for kind, key in (
            ("project", "project"),
            ("entity", "entity"),
            ("entity_type", "entity_type"),
            ("task_type", "task_type"),
            ("person", "assigner"),
            ("entity", "sequence"),
            ("entity", "episode"),
        ):
            self._learn_list(kind, [full.get(key)])
        self._learn_list("person", full.get("persons"))

    def _missing(self, kind: str, ids: Iterable[Any]) -> list[str]:
        return [str(i) for i in dict.fromkeys(ids) if i and str(i) not in self._known[kind]]

    def _read(self, kind: str, ids: Iterable[Any]) -> None:
        """Read the records of one kind this publish has not seen yet (one request)."""
        missing = self._missing(kind, ids)
        if missing:
            with contextlib.suppress(PermissionRefused):
                self._learn_list(kind, self.read_list(_ROUTES[kind], "id", missing, _WHAT[kind]))

    def _read_references(self, rows: list[dict[str, Any]]) -> None:
        """Everything these tasks refer to, one request per kind still unknown."""
        if not rows:
            return
        self.statuses()
        self._read("project", (r.get("project_id") for r in rows))
        self._read("task_type", (r.get("task_type_id") for r in rows))
        self._read("entity", (r.get("entity_id") for r in rows))
        entities = [self._known["entity"].get(str(r.get("entity_id"))) or {} for r in rows]
        self._read("entity", (e.get("parent_id") for e in entities))  # sequences
        parents = [self._known["entity"].get(str(e.get("parent_id"))) or {} for e in entities]
        self._read("entity", (p.get("parent_id") for p in parents))  # episodes
        self._read("entity_type", (e.get("entity_type_id") for e in entities))
        self._read_people(rows)

    def _read_people(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """The assignees and assigners of these tasks (not needed to post: best effort)."""
        ids: list[Any] = []
        for row in rows:
            ids.extend(row.get("assignees") or ())
            ids.append(row.get("assigner_id"))
        with contextlib.suppress(KitsuError):
            self._read("person", (i for i in ids if isinstance(i, str)))

    def _compose(
        self, row: Mapping[str, Any] | None, before: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """A task from a list request in the shape of ``tasks/<id>/full``.

        Raises KeyError when a record it refers to is unknown.
        """
        if row is None:
            raise KeyError("task")
        known = self._known
        full = {k: v for k, v in (before or {}).items()}
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

    def resolve(self, target: Target, instance: str = "") -> TaskInfo:
        """Find the task a target names: by id, or by project, entity and task type.

        Cached for the session: instances sharing a target cost one lookup.
        """
        key = _target_key(target)
        if key not in self._cache:
            self._cache[key] = self._resolve(target, instance)
        return self._cache[key]

    def read_targets(self, targets: Iterable[Target]) -> None:
        """Find the tasks of many targets at once, in a few list requests; best effort.

        Targets by id: :meth:`read_tasks`. Targets by names, per project: the project's
        sequences and episodes in one request, the shots of those sequences in one, the
        assets in one (by name when there is one), then every task of those entities and
        task types in one. What this does not find, :meth:`resolve` looks up alone and
        says why.
        """
        targets = list(targets)
        self.read_tasks(t.task_id for t in targets if t.task_id)
        by_project: dict[str, list[Target]] = {}
        for target in targets:
            named = target.project and target.entity and target.task_type
            if named and not target.task_id and _target_key(target) not in self._cache:
                by_project.setdefault(str(target.project), []).append(target)
        for name, group in by_project.items():
            with contextlib.suppress(TargetError):
                self._read_named(self._lookup(("project", name), ""), group)

    def _read_named(self, project: Mapping[str, Any], targets: list[Target]) -> None:
        types = {}
        for target in targets:
            with contextlib.suppress(TargetError):
                types[str(target.task_type).lower()] = self._task_type(str(target.task_type), "")
        paths = {t.entity: _path(t.entity or "") for t in targets}
        entities = self._entities_by_path(project, [p for p in paths.values() if p])
        if not entities or not types:
            return
        rows = self.read_list(
            "data/tasks",
            "entity_id",
            [e["id"] for e in entities.values()],
            "reading the tasks",
            task_type_id=json.dumps([t["id"] for t in types.values()]),
            relations="true",
        )
        self._add_tasks(rows)
        for target in targets:
            entity = entities.get(paths[target.entity] or ())
            task_type = types.get((target.task_type or "").lower())
            if entity is None or task_type is None:
                continue
            mine = [
                self._tasks[str(r["id"])]
                for r in rows
                if r.get("entity_id") == entity["id"]
                and r.get("task_type_id") == task_type["id"]
                and str(r["id"]) in self._tasks
            ]
            if mine:
                mine.sort(key=lambda t: (t.data.get("name") != "main", t.data.get("name") or ""))
                self._cache[_target_key(target)] = mine[0]

    def _entities_by_path(
        self, project: Mapping[str, Any], paths: list[tuple[str, ...]]
    ) -> dict[tuple[str, ...], dict[str, Any]]:
        """The entities these paths name (lower-case parts), where exactly one matches."""
        types = self._entity_types_by_name()
        kind = {name: t["id"] for name, t in types.items()}
        found: dict[tuple[str, ...], dict[str, Any]] = {}
        shots = [p for p in paths if len(p) in (2, 3)]
        if shots and {"sequence", "episode", "shot"} <= set(kind):
            parents = self.read_list(
                "data/entities",
                "entity_type_id",
                [kind["sequence"], kind["episode"]],
                "listing the sequences",
                project_id=project["id"],
            )
            self._learn_list("entity", parents)
            episodes = {p["id"]: p for p in parents if p.get("entity_type_id") == kind["episode"]}
            sequences = {}
            for path in shots:
                episode = _one(episodes.values(), path[0], None) if len(path) == 3 else None
                if len(path) == 3 and episode is None:
                    continue
                candidates = [
                    p
                    for p in parents
                    if p.get("entity_type_id") == kind["sequence"]
                    and (episode is None or p.get("parent_id") == episode["id"])
                ]
                sequence = _one(candidates, path[-2], None)
                if sequence is not None:
                    sequences[path] = sequence
            children = self.read_list(
                "data/entities",
                "parent_id",
                [s["id"] for s in sequences.values()],
                "listing the shots",
                entity_type_id=kind["shot"],
            )
            self._learn_list("entity", children)
            for path, sequence in sequences.items():
                shot = _one(children, path[-1], sequence["id"])
                if shot is not None:
                    found[path] = shot
        assets = sorted({p[0] for p in paths if len(p) == 1})
        shot_family = {"sequence", "episode", "shot", "scene", "edit", "concept", "conceptfolder"}
        asset_types = [t["id"] for name, t in types.items() if name not in shot_family]
        if assets and asset_types:
            params = {"project_id": project["id"]}
            if len(assets) == 1:  # by name: a project may have thousands of assets
                params["name"] = assets[0]
            rows = self.read_list(
                "data/entities", "entity_type_id", asset_types, "listing the assets", **params
            )
            self._learn_list("entity", rows)
            for name in assets:
                asset = _one(rows, name, None)
                if asset is not None:
                    found[(name,)] = asset
        return found

    def _entity_types_by_name(self) -> dict[str, dict[str, Any]]:
        """Every entity type (Shot, Sequence, Character, ...), by lower-case name; read once."""
        import gazu

        if self._entity_types is None:
            with self.calling("reading the entity types"):
                types = gazu.client.get("data/entity-types", client=self.client)
            self._learn_list("entity_type", types)
            self._entity_types = {str(t["name"]).lower(): t for t in types if t.get("name")}
        return self._entity_types

    def _resolve(self, target: Target, instance: str) -> TaskInfo:
        if target.task_id:
            return self.task(target.task_id, instance)
        assert target.project and target.entity and target.task_type
        project = self._lookup(("project", target.project), instance)
        entity = self._entity(project, target.entity, instance)
        task_type = self._task_type(target.task_type, instance)
        tasks = self._cached(
            ("tasks", entity["id"], task_type["id"]),
            f"reading the {task_type['name']} tasks of {target.entity}",
            lambda gazu: gazu.task.all_tasks_for_entity_and_task_type(
                entity, task_type, client=self.client
            ),
        )
        if not tasks:
            raise TargetError(
                f"'{target.entity}' in project '{target.project}' has no {task_type['name']} task",
                instance,
            )
        tasks = sorted(tasks, key=lambda t: (t.get("name") != "main", t.get("name") or ""))
        return self.task(tasks[0]["id"], instance)

    def _task_type(self, name: str, instance: str) -> dict[str, Any]:
        import gazu

        if self._task_types is None:
            self.statuses()  # the context has every task type
            types = list(self._known["task_type"].values())
            if not types:
                with self.calling("reading the task types"):
                    types = gazu.task.all_task_types(client=self.client)
                self._learn_list("task_type", types)
            self._task_types = {t["name"].lower(): t for t in types}
        found = self._task_types.get(name.lower())
        if found is None:
            names = sorted(t["name"] for t in self._task_types.values())
            raise TargetError(
                f"Kitsu has no task type '{name}'{_did_you_mean(name, names)} (known: "
                f"{', '.join(names)}); fix the task type where the publish got it "
                "(kitsuTaskType, your scene or the environment)",
                instance,
            )
        return found

    def _entity(self, project: dict[str, Any], path: str, instance: str) -> dict[str, Any]:
        parts = [p.strip() for p in path.strip("/").split("/")]
        if len(parts) == 1:
            return self._lookup(("asset", project["id"], parts[0]), instance, path)
        if len(parts) == 2:
            sequence = self._lookup(("sequence", project["id"], "", parts[0]), instance, path)
        elif len(parts) == 3:
            episode = self._lookup(("episode", project["id"], parts[0]), instance, path)
            sequence = self._lookup(
                ("sequence", project["id"], episode["id"], parts[1]), instance, path
            )
        else:
            raise TargetError(
                f"entity '{path}' is neither an asset name, SEQ/SHOT nor EP/SEQ/SHOT",
                instance,
            )
        return self._lookup(("shot", sequence["id"], parts[-1]), instance, path)

    def _lookup(self, key: tuple[str, ...], instance: str, path: str = "") -> dict[str, Any]:
        kind, *args = key
        name = args[-1]
        calls = {
            "project": lambda g: g.project.get_project_by_name(name, client=self.client),
            "asset": lambda g: g.asset.get_asset_by_name(args[0], name, client=self.client),
            "episode": lambda g: g.shot.get_episode_by_name(args[0], name, client=self.client),
            "sequence": lambda g: g.shot.get_sequence_by_name(
                args[0], name, episode=args[1] or None, client=self.client
            ),
            "shot": lambda g: g.shot.get_shot_by_name(args[0], name, client=self.client),
        }
        if kind == "project" and key not in self._cache:  # the context's open projects
            self.statuses()
            same = [p for p in self._known["project"].values() if _same(p.get("name"), name)]
            if len(same) == 1:
                self._cache[key] = same[0]
        found = self._cached(key, f"looking up {kind} '{name}'", calls[kind])
        if not found:
            within = f" (in '{path}')" if path and path != name else ""
            within += _did_you_mean(name, self._siblings(kind, args[:-1]))
            unseen = (
                f" that {self.user} can see (not in its team?)"
                if kind == "project" and self.person.get("role") != "admin"
                else ""
            )
            raise TargetError(f"Kitsu has no {kind} named '{name}'{within}{unseen}", instance)
        return found

    def _siblings(self, kind: str, parents: list[str]) -> list[str]:
        """Names of the other entities of that kind, for a "did you mean" (best effort)."""
        import gazu

        calls = {
            "asset": lambda: gazu.asset.all_assets_for_project(parents[0], client=self.client),
            "episode": lambda: gazu.shot.all_episodes_for_project(parents[0], client=self.client),
            "sequence": lambda: gazu.shot.all_sequences_for_project(
                parents[0], client=self.client
            ),
            "shot": lambda: gazu.shot.all_shots_for_sequence(parents[0], client=self.client),
        }
        if kind not in calls:
            return []
        try:
            with self.calling(f"listing the {kind}s"):
                return [str(e.get("name")) for e in calls[kind]() or () if e.get("name")]
        except (KitsuError, TypeError, ValueError):
            return []

    def _cached(self, key: tuple[str, ...], what: str, call: Any) -> Any:
        import gazu

        if key not in self._cache:
            with self.calling(what):
                self._cache[key] = call(gazu)
        return self._cache[key]

    # --- posting ------------------------------------------------------------------

    def post(self, task: TaskInfo, status_short_name: str, text: str) -> Posted:
        """Post one comment to a freshly read task; exactly once, or a clear PostFailed.

        A POST that ended without a clear answer (timeout, reset, 5xx) may still have
        been stored: the task's comments are read, and a comment by this person with
        this text, newer than the task's last comment before posting, is ours. When it
        is not there, the POST is sent once more. ``PostFailed.outcome`` is "not posted"
        or "unknown" (the check itself failed).
        """
        import gazu

        status = self.status(status_short_name)
        since = task.data.get("last_comment_date")
        what = f"posting the note to {task.label}"
        for attempt in (1, 2):
            try:
                with self.calling(what):
                    comment = gazu.task.add_comment(task.id, status, text, client=self.client)
                return Posted(comment, attempt, reconciled=False)
            except (ConnectionFailed, ServerFailed) as exc:
                failure: KitsuError = exc
            except KitsuError as exc:  # refused (4xx): certainly not stored
                raise PostFailed(str(exc), outcome="not posted") from None
            try:
                found = self._find_posted(task, text, since)
            except KitsuError as check_failed:
                raise PostFailed(
                    f"{failure}; whether the note on {task.label} was stored is unknown "
                    f"(checking failed too: {check_failed}). Look at the task in Kitsu "
                    "before publishing again",
                    outcome="unknown",
                ) from None
            if found is not None:
                log.info("The answer to the note on %s was lost; it was stored", task.label)
                return Posted(found, attempt, reconciled=True)
            if attempt == 1:
                log.warning(
                    "The note on %s was not stored (%s); sending it once more", task.label, failure
                )
        raise PostFailed(f"{failure}; the note on {task.label} was not stored", "not posted")

    def _find_posted(self, task: TaskInfo, text: str, since: Any) -> dict[str, Any] | None:
        import gazu

        me = self.person.get("id")
        with (
            self.transport.step(
                "checking whether the note was stored", self.transport.request_timeout
            ),
            self.calling(f"reading the comments of {task.label}"),
        ):
            comments = gazu.task.all_comments_for_task(task.id, client=self.client)
        for comment in comments or ():
            author = comment.get("person_id") or (comment.get("person") or {}).get("id")
            if author != me or (comment.get("text") or "").strip() != text.strip():
                continue
            if since and str(comment.get("created_at") or "") <= str(since):
                continue
            return dict(comment)
        return None


def _target_key(target: Target) -> tuple[str, ...]:
    return (
        "resolved",
        target.task_id or "",
        target.project or "",
        target.entity or "",
        (target.task_type or "").lower(),
    )


def _path(entity: str) -> tuple[str, ...]:
    """An entity path's parts, lower-case: (asset,), (seq, shot) or (ep, seq, shot)."""
    parts = tuple(p.strip().lower() for p in entity.strip("/").split("/"))
    return parts if 1 <= len(parts) <= 3 and all(parts) else ()


def _same(a: Any, b: Any) -> bool:
    """Names as Kitsu compares them in a lookup (case-insensitive)."""
    return isinstance(a, str) and isinstance(b, str) and a.lower() == b.lower()


def _one(records: Iterable[Mapping[str, Any]], name: str, parent_id: Any) -> dict[str, Any] | None:
    """The one record with this name (and parent, when given); None when 0 or several.

    Counted by id: a record a list gives twice is still one.
    """
    same = {
        r.get("id"): dict(r)
        for r in records
        if _same(r.get("name"), name) and (parent_id is None or r.get("parent_id") == parent_id)
    }
    return next(iter(same.values())) if len(same) == 1 else None


def _did_you_mean(name: str, known: Iterable[str]) -> str:
    """ "; did you mean 'X'?" for a close match (case-insensitive), else nothing."""
    by_lower = {k.lower(): k for k in known}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.6)
    return f"; did you mean '{by_lower[close[0]]}'?" if close else ""


def task_url(api: str, task: Mapping[str, Any]) -> str:
    """The task's page in the Kitsu web app, from the API URL and the task dict."""
    web = api[: -len("/api")] if api.endswith("/api") else api
    project = task.get("project_id") or (task.get("project") or {}).get("id")
    entity_type = str((task.get("entity_type") or {}).get("name") or "").lower()
    section = "shots" if entity_type in ("shot", "sequence", "episode", "") else "assets"
    episode = (task.get("episode") or {}).get("id") if section == "shots" else None
    where = f"episodes/{episode}/" if episode else ""
    return f"{web}/productions/{project}/{where}{section}/tasks/{task.get('id')}"


def _task_info(full: Mapping[str, Any]) -> TaskInfo:
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
