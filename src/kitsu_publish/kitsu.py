"""The one door to Kitsu: the only module that imports gazu.

A :class:`Session` wraps a dedicated gazu client (never gazu's global default client,
which other tools in the same DCC may be using), with HTTP timeouts on every request
(gazu sets none), task statuses fetched once, and lookups cached for the publish.
Every gazu or requests failure leaves this module as one of our own errors
(:mod:`kitsu_publish.errors`), worded for the artist, never carrying a secret.
"""

from __future__ import annotations

import contextlib
import logging
import os
import weakref
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from .errors import (
    AuthenticationFailed,
    ConnectionFailed,
    KitsuError,
    PostFailed,
    StatusNotFound,
    TargetError,
)
from .plan import Target, TaskInfo
from .settings import Settings

__all__ = ["Session", "api_url", "connect"]

ENV_SERVER = "KITSU_SERVER"
ENV_LOGIN = "KITSU_LOGIN"
ENV_PASSWORD = "KITSU_PWD"
ENV_TOKEN = "KITSU_TOKEN"

#: Loggers that log request traffic (gazu logs request bodies at DEBUG); while a session
#: is open, its password and token are redacted from their records.
_TRAFFIC_LOGGERS = ("gazu",)


def api_url(server: str) -> str:
    """The API URL from what a user gives: with or without ``/api``, trailing slash or not."""
    url = server.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ConnectionFailed(
            f"the Kitsu server '{url}' is not an http(s) URL; set {ENV_SERVER} to "
            "something like https://kitsu.example.com/api"
        )
    return url if url.endswith("/api") else url + "/api"


class _RedactSecrets(logging.Filter):
    """Replace any registered secret in a log record's message before a handler sees it."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[str, int] = {}

    def add(self, secrets: Sequence[str]) -> None:
        for secret in secrets:
            if secret:
                self.secrets[secret] = self.secrets.get(secret, 0) + 1

    def discard(self, secrets: Sequence[str]) -> None:
        for secret in secrets:
            if secret in self.secrets:
                self.secrets[secret] -= 1
                if not self.secrets[secret]:
                    del self.secrets[secret]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        if any(secret in message for secret in self.secrets):
            for secret in self.secrets:
                message = message.replace(secret, "***")
            record.msg, record.args = message, None
        return True


_REDACT = _RedactSecrets()


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
    session = Session(url, (settings.connect_timeout, settings.read_timeout), [password, token])
    try:
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

    def __init__(self, url: str, timeouts: tuple[float, float], secrets: Sequence[str]) -> None:
        import gazu
        import requests.adapters

        class _TimeoutAdapter(requests.adapters.HTTPAdapter):
            def send(self, request: Any, **kwargs: Any) -> Any:  # type: ignore[override]
                if kwargs.get("timeout") is None:
                    kwargs["timeout"] = timeouts
                return super().send(request, **kwargs)

        self.url = url
        self.timeouts = timeouts
        self.user: str | None = None
        secrets = [s for s in secrets if s]
        _REDACT.add(secrets)
        for name in _TRAFFIC_LOGGERS:
            logging.getLogger(name).addFilter(_REDACT)  # no-op when already there
        self.client = gazu.client.create_client(url)
        adapter = _TimeoutAdapter(max_retries=0)
        self.client.session.mount("http://", adapter)
        self.client.session.mount("https://", adapter)
        # A publish stopped by a validator never reaches the integrator that closes the
        # session: release the connections and the secrets when it is garbage-collected.
        self._release = weakref.finalize(self, _release, self.client.session, secrets)
        self._statuses: dict[str, dict[str, Any]] | None = None
        self._task_types: dict[str, dict[str, Any]] | None = None
        self._cache: dict[tuple[str, ...], Any] = {}

    # --- lifecycle ------------------------------------------------------------------

    def close(self) -> None:
        """Log out and release the HTTP session; safe to call twice."""
        if self.client is None:
            return
        with contextlib.suppress(Exception):
            if self.client.access_token:
                self.client.session.get(
                    self.url + "/auth/logout", headers=self.client.make_auth_header()
                )
        self.client = None  # type: ignore[assignment]
        self._release()

    def _log_in(self, login: str, password: str) -> None:
        import gazu

        with self._calling(f"logging in as {login}"):
            gazu.log_in(login, password, client=self.client)
        self.user = login

    def _log_in_with_token(self, token: str) -> None:
        import gazu

        gazu.set_token(token, client=self.client)
        try:
            with self._calling("checking the Kitsu token"):
                user = gazu.client.get_current_user(client=self.client)
        except ConnectionFailed:
            raise
        except KitsuError:  # refused: 401, or 422 for a malformed token (gazu < 1.1.12: 401)
            raise AuthenticationFailed(
                f"Kitsu did not accept the token in {ENV_TOKEN}: it is malformed, invalid "
                "or expired"
            ) from None
        self.user = user.get("email") or user.get("full_name")

    @contextlib.contextmanager
    def _calling(self, what: str) -> Iterator[None]:
        """Translate gazu and requests failures into our errors, without secrets."""
        import gazu.exception as gx
        import requests

        try:
            yield
        except requests.exceptions.Timeout:
            connect, read = self.timeouts
            raise ConnectionFailed(
                f"Kitsu at {self.url} did not answer in time while {what} "
                f"(timeouts: connect {connect:g} s, read {read:g} s)"
            ) from None
        except requests.exceptions.RequestException as exc:
            raise ConnectionFailed(
                f"cannot reach Kitsu at {self.url} while {what} ({type(exc).__name__}); "
                f"check {ENV_SERVER} and that the server is up"
            ) from None
        except gx.AuthFailedException:
            raise AuthenticationFailed(
                f"Kitsu refused the login while {what}: wrong login or password "
                f"(check {ENV_LOGIN} and {ENV_PASSWORD})"
            ) from None
        except gx.NotAuthenticatedException:
            raise AuthenticationFailed(
                f"Kitsu did not accept the session while {what}: the token is invalid or "
                f"expired (check {ENV_TOKEN}, or log in with {ENV_LOGIN}/{ENV_PASSWORD})"
            ) from None
        except gx.NotAllowedException:
            raise KitsuError(
                f"Kitsu user {self.user or '?'} is not allowed to do this: {what}"
            ) from None
        except _gazu_errors(gx) as exc:
            raise KitsuError(
                f"Kitsu answered with an error while {what} ({type(exc).__name__})"
            ) from None

    # --- statuses -----------------------------------------------------------------

    def status(self, short_name: str) -> dict[str, Any]:
        """The task status with this short name (case-insensitive); fetched once."""
        import gazu

        if self._statuses is None:
            with self._calling("reading the task statuses"):
                statuses = gazu.task.all_task_statuses(client=self.client)
            self._statuses = {s["short_name"].lower(): s for s in statuses if s.get("short_name")}
        found = self._statuses.get(short_name.lower())
        if found is None:
            known = ", ".join(sorted(self._statuses))
            raise StatusNotFound(
                f"Kitsu has no task status with short name '{short_name}' "
                f"(known: {known}); fix note_status_shortname in the settings"
            )
        return found

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
        if full is None:
            raise TargetError(
                f"Kitsu has no task with id {task_id} (or this user cannot see it)", instance
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
            known = ", ".join(sorted(t["name"] for t in self._task_types.values()))
            raise TargetError(f"Kitsu has no task type '{name}' (known: {known})", instance)
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
            raise TargetError(f"Kitsu has no {kind} named '{name}'{within}", instance)
        return found

    def _cached(self, key: tuple[str, ...], what: str, call: Any) -> Any:
        import gazu

        if key not in self._cache:
            with self._calling(what):
                self._cache[key] = call(gazu)
        return self._cache[key]

    # --- posting ------------------------------------------------------------------

    def post(self, task_id: str, status_short_name: str, text: str) -> dict[str, Any]:
        """Post one comment to a task with the given status; return the created comment."""
        import gazu

        status = self.status(status_short_name)
        try:
            with self._calling(f"posting the comment to task {task_id}"):
                return gazu.task.add_comment(task_id, status, text, client=self.client)
        except KitsuError as exc:
            raise PostFailed(str(exc)) from None


def _release(http: Any, secrets: Sequence[str]) -> None:
    http.close()
    _REDACT.discard(secrets)


def _gazu_errors(gx: Any) -> tuple[type[BaseException], ...]:
    """gazu's own exception classes: their base since gazu 1.2, each of them before."""
    if hasattr(gx, "GazuException"):
        return (gx.GazuException,)
    return tuple(
        cls
        for cls in vars(gx).values()
        if isinstance(cls, type) and issubclass(cls, Exception) and cls.__module__ == gx.__name__
    )


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
