"""One publish's logged-in Kitsu session: login, lifetime, and the one record store.

:func:`open_session` logs in from the environment; a :class:`Session` holds the gazu
client, the HTTP :class:`~.transport.Transport` (time limits, retries, error wording),
who is logged in, and :class:`~.records.Records`, every record the publish has read.
The statuses and the person's context are read here, once; tasks, names, roles,
comments and previews are read by the modules beside this one, through the session.

Whose session: a session opened with ``KITSU_LOGIN``/``KITSU_PWD`` belongs to the
library and is logged out by :meth:`Session.close`; a token given in ``KITSU_TOKEN``
belongs to whoever gave it and is never logged out.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import os
import threading
import urllib.parse
from collections.abc import Iterable, Mapping
from typing import Any, Callable

from .. import parallel
from ..errors import (
    AuthenticationFailed,
    ConnectionFailed,
    KitsuError,
    ServerFailed,
    StatusNotFound,
)
from ..settings import Settings
from .records import Records
from .transport import ENV_LOGIN, ENV_PASSWORD, ENV_SERVER, ENV_TOKEN, Transport, api_url

__all__ = ["Session", "did_you_mean", "open_session"]

_LIST_CHUNK = 100  # ids per list request: about 4.5 kB of URL


def open_session(settings: Settings, environ: Mapping[str, str] | None = None) -> Session:
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
        settings.max_parallel_requests,
    )
    session = Session(transport)
    try:
        with transport.step("logging in"):
            if token:
                session.log_in_with_token(token)
            else:
                session.log_in(login, password)
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
        self.records = Records()
        #: the person the notes are posted for (a farm job's artist), see .delegation
        self.delegate: dict[str, Any] = {}
        #: project id -> its team's members by id (None: not readable), see .delegation
        self.teams: dict[str, dict[str, dict[str, Any]] | None] = {}
        #: held while a write's checks read what the publish may not have read yet (a
        #: team, the departments): notes posted in parallel read each record once
        self.reading = threading.RLock()

    # --- lifetime -----------------------------------------------------------------------

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

    def step(
        self, name: str, seconds: float | None = None
    ) -> contextlib.AbstractContextManager[None]:
        """Bound the Kitsu requests of one publish step (default ``step_timeout``)."""
        return self.transport.step(name, seconds)

    def calling(self, what: str) -> contextlib.AbstractContextManager[None]:
        """Translate gazu and requests failures while ``what`` into our errors."""
        return self.transport.calling(what, self.user or "", self.token_given)

    # --- login --------------------------------------------------------------------------

    def log_in(self, login: str, password: str) -> None:
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

    def log_in_with_token(self, token: str) -> None:
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

    # --- what every publish needs: the statuses and the person's context ----------------

    def statuses(self) -> list[dict[str, Any]]:
        """Every task status of this Kitsu; read once (with the person's context)."""
        if "status" not in self.records.complete:
            self.learn_context(self.fetch_context())
        return list(self.records["status"].values())

    def fetch_context(self) -> dict[str, Any]:
        """What the publish needs about this Kitsu and the person, in one request; kept
        by :meth:`learn_context` (apart, so that it may be read in a worker thread).

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
                context = dict(self.get("data/user/context", "reading the Kitsu context"))
            except (AuthenticationFailed, ConnectionFailed, ServerFailed):
                raise
            except KitsuError:  # refused, or a Kitsu without it: the statuses alone
                context = {}
        if "task_status" not in context:
            with self.calling("reading the task statuses"):
                statuses = gazu.task.all_task_statuses(client=self.client)
            context["task_status"] = statuses  # the rest of the context is kept as it came
        return context

    def learn_context(self, context: Mapping[str, Any]) -> None:
        """Keep what :meth:`fetch_context` read."""
        records = self.records
        found = context.get("task_status")
        records.learn_all("status", [s for s in found or () if s.get("short_name")])
        if isinstance(context.get("task_types"), list):
            records.learn_all("task_type", context["task_types"])
        records.learn("project", context.get("projects"))
        records.learn("person", context.get("persons"))
        if isinstance(context.get("departments"), list):
            records.learn_all("department", context["departments"])
        if isinstance(context.get("project_roles"), dict):
            records["role"].update(
                {str(k): str(v) for k, v in context["project_roles"].items() if v}
            )
            records.complete.add("role")

    def together(self, *reads: Callable[[], Any]) -> list[Any]:
        """Independent reads, up to ``[kitsu] max_parallel_requests`` at once; their
        values, in order.

        A read runs in a worker thread, so it may only request and return: what it read
        is kept by the caller, in order, once all have ended. A limit of 1 reads them one
        after another in the calling thread. Once one has failed, no other starts, and
        the first failure in the reads' order is raised.
        """
        ran = parallel.run(reads, self.transport.parallel, loggers=parallel.RELAYED)
        for done in ran:
            if done.error is not None:
                raise done.error
        return [done.value for done in ran]

    def status(self, short_name: str) -> dict[str, Any]:
        """The task status with this short name (case-insensitive); read once."""
        self.statuses()
        by_name = self.records.named("status", "short_name")
        found = by_name.get(short_name.lower())
        if found is None:
            known = ", ".join(sorted(by_name))
            raise StatusNotFound(
                f"Kitsu has no task status with short name '{short_name}'"
                f"{did_you_mean(short_name, by_name)} (known: {known}); ask your TD "
                "to fix note_status_shortname in the settings",
                short_name,
            )
        return found

    # --- reading records ----------------------------------------------------------------

    def get(self, route: str, what: str) -> Any:
        """``GET route`` with this session's client, errors in our words."""
        import gazu

        with self.calling(what):
            return gazu.client.get(route, client=self.client)

    def read_list(
        self, route: str, key: str, values: Iterable[str], what: str, **params: Any
    ) -> list[dict[str, Any]]:
        """``GET route?key=[...]``: the records whose ``key`` is one of ``values``.

        Zou's list routes take a JSON list as a filter (100 per request, to keep the URL
        short) and answer only what this person may see.
        """
        values = [v for v in dict.fromkeys(values) if v]
        found: list[dict[str, Any]] = []
        for start in range(0, len(values), _LIST_CHUNK):
            chunk = values[start : start + _LIST_CHUNK]
            query = urllib.parse.urlencode({key: json.dumps(chunk), **params})
            answer = self.get(f"{route}?{query}", what)
            found.extend(r for r in answer or () if isinstance(r, dict) and "id" in r)
        return found

    def read(self, kind: str, route: str, ids: Iterable[Any], what: str) -> None:
        """Read the records of one kind this publish has not seen yet (one request)."""
        missing = self.records.missing(kind, ids)
        if missing:
            self.records.learn(kind, self.read_list(route, "id", missing, what))


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """ "; did you mean 'X'?" for a close match (case-insensitive), else nothing."""
    by_lower = {k.lower(): k for k in known}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.6)
    return f"; did you mean '{by_lower[close[0]]}'?" if close else ""
