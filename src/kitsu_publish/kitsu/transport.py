"""How kitsu-publish talks HTTP to Kitsu: bounded time, safe retries, errors in words.

:class:`Transport` owns the requests session of one gazu client and mounts an adapter
(:mod:`.adapter`) that gives every request

- per-socket timeouts (``connect_timeout``, ``read_timeout``),
- a wall-clock deadline for the whole request, retries included
  (``request_timeout``), also against a server that trickles its answer: when the
  deadline passes, the request's sockets are shut down,
- a budget for a whole publish step (``step_timeout``, see :meth:`Transport.step`),
- retries with backoff, by urllib3's ``Retry``, for idempotent requests on connection
  errors and on 502/503/504 (never for a POST once it was sent: see
  :meth:`kitsu_publish.kitsu.Session.post` for how an unanswered comment is reconciled).

Safe under threads (``[kitsu] max_parallel_requests``): the step and its budget, and a
longer deadline for an upload, live in a context variable, so that each thread sees the
step it runs in (a worker started with a copy of its caller's context shares the
caller's step budget) and a nested step or longer deadline stays its own; each request
has its own deadline timer and tracks only its own connections.

:meth:`Transport.calling` turns every gazu or requests failure into one of our errors,
worded for the artist, naming what really happened (a server error with its HTTP
status, an unreachable server, a refused session, a wrong API path), never carrying a
secret. Secrets are also redacted from the records of gazu's logger while a transport
is open.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import time
import urllib.parse
import weakref
from collections.abc import Iterator, Sequence
from typing import Any, Optional

from ..errors import (
    AuthenticationFailed,
    ConnectionFailed,
    KitsuError,
    PermissionRefused,
    ServerFailed,
)
from .adapter import Deadline, HTTPServerError, adapter
from .redact import REDACT as _REDACT
from .redact import masked as _masked

__all__ = ["ENV_LOGIN", "ENV_PASSWORD", "ENV_SERVER", "ENV_TOKEN", "Transport", "api_url"]

ENV_SERVER = "KITSU_SERVER"
ENV_LOGIN = "KITSU_LOGIN"
ENV_PASSWORD = "KITSU_PWD"
ENV_TOKEN = "KITSU_TOKEN"

#: Loggers that log request traffic (gazu logs request bodies at DEBUG); while a
#: transport is open, its password and token are redacted from their records.
_TRAFFIC_LOGGERS = ("gazu", "urllib3")


def api_url(server: str) -> str:
    """The API URL from what a user gives: with or without ``/api``, trailing slash or not.

    A login or password inside the URL (``https://user:pw@host``) is refused: it would
    end up in logs and messages. The message shows the URL with them masked.
    """
    url = server.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ConnectionFailed(
            f"the Kitsu server '{_masked(url)}' is not an http(s) URL; set {ENV_SERVER} to "
            "something like https://kitsu.example.com/api"
        )
    parts = urllib.parse.urlsplit(url)
    if "@" in parts.netloc:
        raise ConnectionFailed(
            f"the Kitsu server URL '{_masked(url)}' contains a login or password: remove it "
            f"from {ENV_SERVER} and set {ENV_LOGIN}/{ENV_PASSWORD} or {ENV_TOKEN} instead"
        )
    return url if url.endswith("/api") else url + "/api"


#: The time limits in force where a request is made: (step name, when the step's budget
#: ends or None, the request deadline in seconds). One per transport, in a context
#: variable: see the module docstring.
_Limits = tuple[str, Optional[float], float]


class Transport:
    """The HTTP side of one Kitsu session: a gazu client with bounded, retried requests."""

    def __init__(
        self,
        url: str,
        timeouts: tuple[float, float],
        request_timeout: float,
        step_timeout: float,
        secrets: Sequence[str],
        parallel: int = 1,
    ) -> None:
        import gazu

        self.url = url
        self.timeouts = timeouts
        self.step_timeout = step_timeout
        self.parallel = max(1, parallel)  # requests at once: [kitsu] max_parallel_requests
        self._limits: contextvars.ContextVar[_Limits] = contextvars.ContextVar(
            f"kitsu_publish_limits_{id(self)}", default=("", None, request_timeout)
        )
        secrets = [s for s in secrets if s]
        _REDACT.add(secrets)
        for name in _TRAFFIC_LOGGERS:
            logging.getLogger(name).addFilter(_REDACT)  # no-op when already there
        self.client = gazu.client.create_client(url)
        http = adapter(self, parallel)
        self.client.session.mount("http://", http)
        self.client.session.mount("https://", http)
        # A publish stopped early may never close its session: release the connections
        # and the secrets when it is garbage-collected.
        self._release = weakref.finalize(self, _release, self.client.session, secrets)

    # --- time ---------------------------------------------------------------------

    @property
    def request_timeout(self) -> float:
        """The deadline of one request here (longer inside :meth:`longer`)."""
        return self._limits.get()[2]

    @contextlib.contextmanager
    def step(self, name: str, seconds: float | None = None) -> Iterator[None]:
        """Bound every request made inside to one budget (default ``step_timeout``)."""
        ends = time.monotonic() + (self.step_timeout if seconds is None else seconds)
        token = self._limits.set((name, ends, self.request_timeout))
        try:
            yield
        finally:
            self._limits.reset(token)

    @contextlib.contextmanager
    def longer(self, seconds: float) -> Iterator[None]:
        """Allow the requests made inside (an upload) at least ``seconds`` each."""
        name, ends, request = self._limits.get()
        if ends is not None:
            ends = max(ends, time.monotonic() + seconds)
        token = self._limits.set((name, ends, max(request, seconds)))
        try:
            yield
        finally:
            self._limits.reset(token)

    def budget(self) -> float:
        """Seconds the next request may take: its own deadline, capped by the step's."""
        _name, ends, budget = self._limits.get()
        if ends is not None:
            budget = min(budget, ends - time.monotonic())
        return budget

    def describe_limits(self) -> str:
        connect, read = self.timeouts
        name, _ends, request = self._limits.get()
        step = f", {name} {self.step_timeout:g} s" if name else ""
        return f"limits: connect {connect:g} s, read {read:g} s, request {request:g} s{step}"

    # --- lifecycle ----------------------------------------------------------------

    def release(self) -> None:
        """Close the HTTP connections and forget the secrets; safe to call twice."""
        self._release()

    # --- errors -------------------------------------------------------------------

    @contextlib.contextmanager
    def calling(self, what: str, who: str = "", token_given: bool = False) -> Iterator[None]:
        """Translate gazu and requests failures into our errors, without secrets.

        ``who`` names the logged-in person; ``token_given`` says the session came from
        ``KITSU_TOKEN`` (so a refused session names the token, not the login).
        """
        import gazu.exception as gx
        import requests

        try:
            yield
        except (requests.exceptions.Timeout, Deadline):
            raise ConnectionFailed(
                f"Kitsu at {self.url} did not answer in time while {what} "
                f"({self.describe_limits()})"
            ) from None
        except HTTPServerError as exc:
            raise ServerFailed(
                f"the Kitsu server failed while {what} (HTTP {exc.status}); this is a "
                "problem on the server, not in your publish: try again later, and tell "
                "your Kitsu administrator if it persists",
                exc.status,
            ) from None
        except json.JSONDecodeError:
            raise ConnectionFailed(
                f"Kitsu at {self.url} gave an answer that is not valid JSON while {what}; "
                f"check {ENV_SERVER} (a proxy or web page in front of the API?)"
            ) from None
        except requests.exceptions.RequestException as exc:
            raise ConnectionFailed(
                f"cannot reach Kitsu at {self.url} while {what} ({_reason(exc)}); "
                f"check {ENV_SERVER} and that the server is up"
            ) from None
        except gx.AuthFailedException:
            raise AuthenticationFailed(
                f"Kitsu refused the login while {what}: wrong login or password "
                f"(your TD sets them in {ENV_LOGIN} and {ENV_PASSWORD})"
            ) from None
        except gx.NotAuthenticatedException:
            if token_given:
                raise AuthenticationFailed(
                    f"Kitsu no longer accepts the token given in {ENV_TOKEN} while {what}: "
                    "it has expired or was revoked; ask for a new token"
                ) from None
            raise AuthenticationFailed(
                f"Kitsu ended the session of {who or 'this login'} while {what} (logged "
                "out elsewhere, or expired); publish again"
            ) from None
        except gx.NotAllowedException:
            raise PermissionRefused(
                f"Kitsu does not allow {who or 'this user'} to do this: {what}"
            ) from None
        except _gazu_errors(gx) as exc:
            raise KitsuError(
                f"Kitsu answered with an error while {what} ({type(exc).__name__})"
            ) from None


def _reason(exc: BaseException) -> str:
    text = str(exc).lower()
    for needle, reason in (
        ("refused", "connection refused"),
        ("reset", "connection reset"),
        ("aborted", "connection aborted"),
        ("name or service", "unknown host name"),
        ("nodename", "unknown host name"),
        ("ssl", "SSL error"),
    ):
        if needle in text:
            return reason
    return type(exc).__name__


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
