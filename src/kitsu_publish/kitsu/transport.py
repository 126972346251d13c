"""How kitsu-publish talks HTTP to Kitsu: bounded time, safe retries, errors in words.

:class:`Transport` owns the requests session of one gazu client and mounts an adapter
that gives every request

- per-socket timeouts (``connect_timeout``, ``read_timeout``),
- a wall-clock deadline for the whole request, retries included
  (``request_timeout``), also against a server that trickles its answer: when the
  deadline passes, the request's sockets are shut down,
- a budget for a whole publish step (``step_timeout``, see :meth:`Transport.step`),
- retries with backoff, by urllib3's ``Retry``, for idempotent requests on connection
  errors and on 502/503/504 (never for a POST once it was sent: see
  :meth:`kitsu_publish.kitsu.Session.post` for how an unanswered comment is reconciled).

:meth:`Transport.calling` turns every gazu or requests failure into one of our errors,
worded for the artist, naming what really happened (a server error with its HTTP
status, an unreachable server, a refused session, a wrong API path), never carrying a
secret. Secrets are also redacted from the records of gazu's logger while a transport
is open.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
import urllib.parse
import weakref
from collections.abc import Iterator, Sequence
from typing import Any

from ..errors import (
    AuthenticationFailed,
    ConnectionFailed,
    KitsuError,
    PermissionRefused,
    ServerFailed,
)
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

#: Retries of one idempotent request after a connection error or a 502/503/504, and
#: the backoff factor between them (0 s, 0.5 s, 1 s): bounded by the request deadline.
RETRIES = 3
BACKOFF = 0.25
RETRY_STATUSES = (502, 503, 504)


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


class _Deadline(Exception):
    """Raised inside the adapter when a request's time is up."""


class Transport:
    """The HTTP side of one Kitsu session: a gazu client with bounded, retried requests."""

    def __init__(
        self,
        url: str,
        timeouts: tuple[float, float],
        request_timeout: float,
        step_timeout: float,
        secrets: Sequence[str],
    ) -> None:
        import gazu

        self.url = url
        self.timeouts = timeouts
        self.request_timeout = request_timeout
        self.step_timeout = step_timeout
        self._step_name = ""
        self._step_ends: float | None = None
        secrets = [s for s in secrets if s]
        _REDACT.add(secrets)
        for name in _TRAFFIC_LOGGERS:
            logging.getLogger(name).addFilter(_REDACT)  # no-op when already there
        self.client = gazu.client.create_client(url)
        adapter = _adapter(self)
        self.client.session.mount("http://", adapter)
        self.client.session.mount("https://", adapter)
        #: HTTP status of the last answer a request got (after retries), for messages.
        self.last_status: int | None = None
        # A publish stopped early may never close its session: release the connections
        # and the secrets when it is garbage-collected.
        self._release = weakref.finalize(self, _release, self.client.session, secrets)

    # --- time ---------------------------------------------------------------------

    @contextlib.contextmanager
    def step(self, name: str, seconds: float | None = None) -> Iterator[None]:
        """Bound every request made inside to one budget (default ``step_timeout``)."""
        previous = self._step_name, self._step_ends
        self._step_name = name
        self._step_ends = time.monotonic() + (self.step_timeout if seconds is None else seconds)
        try:
            yield
        finally:
            self._step_name, self._step_ends = previous

    @contextlib.contextmanager
    def longer(self, seconds: float) -> Iterator[None]:
        """Allow the requests made inside (an upload) at least ``seconds`` each."""
        saved = self.request_timeout, self._step_ends
        self.request_timeout = max(self.request_timeout, seconds)
        if self._step_ends is not None:
            self._step_ends = max(self._step_ends, time.monotonic() + seconds)
        try:
            yield
        finally:
            self.request_timeout, self._step_ends = saved

    def budget(self) -> float:
        """Seconds the next request may take: its own deadline, capped by the step's."""
        budget = self.request_timeout
        if self._step_ends is not None:
            budget = min(budget, self._step_ends - time.monotonic())
        return budget

    def describe_limits(self) -> str:
        connect, read = self.timeouts
        step = f", {self._step_name} {self.step_timeout:g} s" if self._step_name else ""
        return (
            f"limits: connect {connect:g} s, read {read:g} s, "
            f"request {self.request_timeout:g} s{step}"
        )

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

        self.last_status = None
        try:
            yield
        except (requests.exceptions.Timeout, _Deadline):
            raise ConnectionFailed(
                f"Kitsu at {self.url} did not answer in time while {what} "
                f"({self.describe_limits()})"
            ) from None
        except _HTTPServerError as exc:
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


class _HTTPServerError(Exception):
    """A 5xx answer, raised by the adapter (gazu does not raise for 503 and 504)."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


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


def _adapter(transport: Transport) -> Any:
    """A requests adapter with deadlines and retries for this transport."""
    import requests.adapters
    from urllib3.util.retry import Retry

    # The adapter outlives nothing but must not keep the transport alive (the transport's
    # finalizer holds the HTTP session, which holds this adapter).
    owner = weakref.ref(transport)
    in_flight: set[Any] = set()
    lock = threading.Lock()
    aborted = threading.Event()

    def pool_classes() -> dict[str, type]:
        from urllib3.connection import HTTPConnection, HTTPSConnection
        from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

        def tracked(base: type) -> type:
            class Tracked(base):
                def request(self, *args: Any, **kwargs: Any) -> Any:
                    if aborted.is_set():
                        raise ConnectionAbortedError("request deadline passed")
                    with lock:
                        in_flight.add(self)
                    return super().request(*args, **kwargs)

            return Tracked

        class Pool(HTTPConnectionPool):
            ConnectionCls = tracked(HTTPConnection)

        class SecurePool(HTTPSConnectionPool):
            ConnectionCls = tracked(HTTPSConnection)

        return {"http": Pool, "https": SecurePool}

    def abort() -> None:
        aborted.set()
        with lock:
            connections = list(in_flight)
        for connection in connections:
            sock = getattr(connection, "sock", None)
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    class DeadlineAdapter(requests.adapters.HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = pool_classes()

        def send(self, request: Any, stream: bool = False, **kwargs: Any) -> Any:  # type: ignore[override]
            transport = owner()
            if transport is None:
                raise _Deadline()
            budget = transport.budget()
            if budget <= 0:
                raise _Deadline()
            connect, read = transport.timeouts
            kwargs["timeout"] = (min(connect, budget), min(read, budget))
            aborted.clear()
            timer = threading.Timer(budget, abort)
            timer.daemon = True
            timer.start()
            try:
                response = self._send_and_read(request, stream, kwargs)
            except Exception:
                if aborted.is_set():
                    raise _Deadline() from None
                raise
            finally:
                timer.cancel()
                with lock:
                    in_flight.clear()
            transport.last_status = response.status_code
            if response.status_code >= 500:
                raise _HTTPServerError(response.status_code)
            return response

        def _send_and_read(self, request: Any, stream: bool, kwargs: dict[str, Any]) -> Any:
            """Send, and read the body under the deadline.

            urllib3 retries what fails before the body is read; a body cut short (reset
            or closed mid-answer) is retried here under the same ``Retry`` policy, which
            allows it for idempotent methods only.
            """
            from urllib3.exceptions import HTTPError as Urllib3Error
            from urllib3.exceptions import ProtocolError

            retries = self.max_retries
            while True:
                response = super().send(request, stream=True, **kwargs)
                if stream:
                    return response
                try:
                    _check_complete(response)
                    return response
                except requests.exceptions.RequestException as exc:
                    try:
                        retries = retries.increment(
                            request.method, request.url, error=ProtocolError(str(exc))
                        )
                    except Urllib3Error:
                        raise exc from None
                    retries.sleep()

    retry = Retry(
        total=RETRIES,
        connect=RETRIES,
        read=RETRIES,
        status=RETRIES,
        backoff_factor=BACKOFF,
        status_forcelist=RETRY_STATUSES,
        raise_on_status=False,
        respect_retry_after_header=False,  # a Retry-After of an hour must not hold a publish
    )
    return DeadlineAdapter(max_retries=retry)


def _check_complete(response: Any) -> None:
    """Read the body; an answer shorter than its Content-Length was cut (urllib3 1.x,
    used with requests 2.25, does not say so itself)."""
    import requests

    body = response.content
    expected = response.headers.get("Content-Length", "")
    encoded = response.headers.get("Content-Encoding")
    if expected.isdigit() and not encoded and len(body) < int(expected):
        raise requests.exceptions.ChunkedEncodingError(
            f"answer cut short: {len(body)} of {expected} bytes"
        )


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
