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
import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from . import access
from .errors import (
    AuthenticationFailed,
    ConnectionFailed,
    KitsuError,
    PermissionRefused,
    PostFailed,
    ServerFailed,
    StatusNotFound,
    TargetError,
)
from .plan import Target, TaskInfo
from .settings import Settings
from .transport import ENV_LOGIN, ENV_PASSWORD, ENV_SERVER, ENV_TOKEN, Transport, api_url

__all__ = ["Posted", "Session", "api_url", "connect", "task_url"]

log = logging.getLogger("pyblish.kitsu_publish")


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


@dataclass(frozen=True)
class Posted:
    """What became of one note: the comment Kitsu stored, and how we know."""

    comment: Mapping[str, Any]
    attempts: int  # POSTs sent
    reconciled: bool  # the answer was lost and the comment was found by reading the task


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
        self._roles: dict[str, str] = {}
        self._departments: dict[str, str] | None = None
        self._cache: dict[tuple[str, ...], Any] = {}

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

    _calling = calling

    def _log_in(self, login: str, password: str) -> None:
        import gazu

        try:
            with self._calling(f"logging in as {login}"):
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

        with self._calling(what):
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
        """Every task status of this Kitsu; read once."""
        import gazu

        if self._statuses is None:
            with self._calling("reading the task statuses"):
                found = gazu.task.all_task_statuses(client=self.client)
            self._statuses = {s["short_name"].lower(): s for s in found if s.get("short_name")}
        return list(self._statuses.values())

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
        """The person's role on a project: the team's role for them, else their global one."""
        import gazu

        role = str(self.person.get("role") or "user")
        if role == "admin" or not project_id:
            return role
        if project_id not in self._roles:
            found = role
            with contextlib.suppress(PermissionRefused, KitsuError):
                with self._calling("reading the project team"):
                    team = gazu.client.get(f"data/projects/{project_id}/team", client=self.client)
                for member in team or ():
                    if member.get("id") == self.person.get("id") and member.get("project_role"):
                        found = str(member["project_role"])
            self._roles[project_id] = found
        return self._roles[project_id]

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
            with contextlib.suppress(KitsuError), self._calling("reading the departments"):
                for department in gazu.person.all_departments(client=self.client):
                    self._departments[str(department["id"])] = str(department.get("name"))
        return self._departments

    # --- tasks --------------------------------------------------------------------

    def task(self, task_id: str, instance: str = "") -> TaskInfo:
        """The task as it is now on the server (status read fresh)."""
        import gazu
        import gazu.exception as gx

        try:
            with self._calling(f"reading task {task_id}"):
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
        return _task_info(full)

    def resolve(self, target: Target, instance: str = "") -> TaskInfo:
        """Find the task a target names: by id, or by project, entity and task type.

        Cached for the session: instances sharing a target cost one lookup.
        """
        key = (
            "resolved",
            target.task_id or "",
            target.project or "",
            target.entity or "",
            (target.task_type or "").lower(),
        )
        if key not in self._cache:
            self._cache[key] = self._resolve(target, instance)
        return self._cache[key]

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
            with self._calling("reading the task types"):
                types = gazu.task.all_task_types(client=self.client)
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
            with self._calling(f"listing the {kind}s"):
                return [str(e.get("name")) for e in calls[kind]() or () if e.get("name")]
        except (KitsuError, TypeError, ValueError):
            return []

    def _cached(self, key: tuple[str, ...], what: str, call: Any) -> Any:
        import gazu

        if key not in self._cache:
            with self._calling(what):
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
                with self._calling(what):
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
            self._calling(f"reading the comments of {task.label}"),
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
