"""The requests adapter of a :class:`~.transport.Transport`: a deadline for every
request, retries when they are safe.

Every request sent through it gets per-socket timeouts (``connect_timeout``,
``read_timeout``) and a wall-clock deadline, retries included: the least of the
request's deadline and what is left of its publish step's budget
(:meth:`~.transport.Transport.budget`). When the deadline passes, a timer shuts down
that request's sockets, never another's: each request tracks its own connections, so
requests sent at once from several threads (``[kitsu] max_parallel_requests``) each keep
their own deadline. Idempotent requests are retried by urllib3's ``Retry`` on
connection errors and 502/503/504, a body cut short included; a POST once sent never is.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import weakref
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .transport import Transport

__all__ = ["BACKOFF", "RETRIES", "RETRY_STATUSES", "Deadline", "HTTPServerError", "adapter"]

#: Retries of one idempotent request after a connection error or a 502/503/504, and
#: the backoff factor between them (0 s, 0.5 s, 1 s): bounded by the request deadline.
RETRIES = 3
BACKOFF = 0.25
RETRY_STATUSES = (502, 503, 504)


class Deadline(Exception):
    """Raised inside the adapter when a request's time is up."""


class HTTPServerError(Exception):
    """A 5xx answer, raised by the adapter (gazu does not raise for 503 and 504)."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


class _Flight:
    """One request on its way: its connections, and whether its deadline passed."""

    def __init__(self) -> None:
        self.connections: set[Any] = set()
        self.lock = threading.Lock()
        self.aborted = threading.Event()

    def track(self, connection: Any) -> None:
        if self.aborted.is_set():
            raise ConnectionAbortedError("request deadline passed")
        with self.lock:
            self.connections.add(connection)

    def abort(self) -> None:
        """The deadline passed: shut down this request's sockets (never another's)."""
        self.aborted.set()
        with self.lock:
            connections = list(self.connections)
        for connection in connections:
            sock = getattr(connection, "sock", None)
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


def adapter(transport: Transport, parallel: int = 1) -> Any:
    """A requests adapter with deadlines and retries for this transport; its pool keeps
    a connection for each of ``parallel`` requests at once."""
    import requests.adapters
    from urllib3.util.retry import Retry

    # The adapter outlives nothing but must not keep the transport alive (the transport's
    # finalizer holds the HTTP session, which holds this adapter).
    owner = weakref.ref(transport)
    current = threading.local()  # .flight: the request this thread is sending

    def pool_classes() -> dict[str, type]:
        from urllib3.connection import HTTPConnection, HTTPSConnection
        from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

        def tracked(base: type) -> type:
            class Tracked(base):
                def request(self, *args: Any, **kwargs: Any) -> Any:
                    flight = getattr(current, "flight", None)
                    if flight is not None:
                        flight.track(self)
                    return super().request(*args, **kwargs)

            return Tracked

        class Pool(HTTPConnectionPool):
            ConnectionCls = tracked(HTTPConnection)

        class SecurePool(HTTPSConnectionPool):
            ConnectionCls = tracked(HTTPSConnection)

        return {"http": Pool, "https": SecurePool}

    class DeadlineAdapter(requests.adapters.HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = pool_classes()

        def send(self, request: Any, stream: bool = False, **kwargs: Any) -> Any:  # type: ignore[override]
            transport = owner()
            if transport is None:
                raise Deadline()
            budget = transport.budget()
            if budget <= 0:
                raise Deadline()
            connect, read = transport.timeouts
            kwargs["timeout"] = (min(connect, budget), min(read, budget))
            flight = current.flight = _Flight()
            timer = threading.Timer(budget, flight.abort)
            timer.daemon = True
            timer.start()
            try:
                response = self._send_and_read(request, stream, kwargs)
            except Exception:
                if flight.aborted.is_set():
                    raise Deadline() from None
                raise
            finally:
                timer.cancel()
                current.flight = None
            if response.status_code >= 500:
                raise HTTPServerError(response.status_code)
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
    size = max(requests.adapters.DEFAULT_POOLSIZE, parallel)
    return DeadlineAdapter(max_retries=retry, pool_maxsize=size)


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
