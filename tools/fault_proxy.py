"""Fault-injecting HTTP proxy for integration tests (standard library only).

`FaultProxy` listens on ``127.0.0.1:<ephemeral port>`` in front of a real HTTP server (the
loopback Kitsu API) and runs in-process, on threads::

    with FaultProxy("127.0.0.1", 58080) as proxy:
        api = proxy.url_for("/api")                       # "http://127.0.0.1:<port>/api"
        proxy.add_rule("502_after", method="POST", path=r"/comments$")
        ...                                               # run the code under test against api
        assert proxy.count(method="POST", path=r"/comments$") == 1

Design
------
* One thread accepts connections; each client connection gets its own thread.
* Client side: HTTP/1.1 keep-alive is kept (``requests`` reuses pooled connections) and
  pipelined requests are served in order. ``connections_accepted`` counts TCP connections.
* Every request is forwarded on a *fresh* upstream connection with ``Connection: close``; the
  request body is re-framed with ``Content-Length`` (a chunked request body is de-chunked) and
  hop-by-hop headers are dropped.
* The upstream response is read completely (Content-Length, chunked, or up to EOF) and
  re-emitted with hop-by-hop headers dropped, the body de-chunked, a correct ``Content-Length``
  and ``Connection: keep-alive`` (``close`` when the client asked for it, and then the proxy
  closes the connection after the response). Buffering whole responses is what lets the faults
  act on exact bytes; it suits API traffic, not huge downloads.
* Upstream unreachable or broken -> 502; upstream silent for ``upstream_timeout`` -> 504.

Request log
-----------
`requests_seen()` returns `RequestRecord` ``(method, path, status, start, end)`` tuples in
arrival order. ``path`` has no query string. ``start`` is taken when the request has been read
completely, ``end`` just before the last response byte is written (so a client that has its
response always finds its record complete); both use `time.monotonic`. ``status`` is the status
sent to the client, or None when no complete response was sent (hang, reset_after,
close_mid_response, client gone); such records get their ``end`` when the proxy gives up.

Faults (`add_rule(fault, method=None, path=None, times=1, **params)`)
----------------------------------------------------------------------
``method`` matches case-insensitively, ``path`` is a regex searched (`re.search`) in the path
without query string, ``times`` is how many matching requests get the fault (None: all of them).
Rules are tried in the order they were added; the first live matching rule applies (one fault per
request) and exhausted rules stay listed in `rules()` with ``remaining == 0``.

==================== ======================================================== =================
fault                effect                                                   params
==================== ======================================================== =================
refuse               listening socket closed (connection refused) and idle    (none)
                     keep-alive client connections closed, until
                     `clear_rules()` or `refuse(False)`; ignores
                     method/path/times; same port afterwards
hang                 request read, never answered, never forwarded; the       (none)
                     socket stays open until the client closes or `stop()`
trickle              forwarded; response sent ``chunk_size`` bytes every      interval=0.5,
                     ``interval`` seconds                                     chunk_size=1
502_before           502 Bad Gateway (JSON body) without forwarding           (none)
502_after            forwarded (upstream processes it), real response         (none)
                     discarded, 502 sent instead
reset_after          forwarded, full response read, then the client socket    (none)
                     is reset (SO_LINGER 0 + close: ECONNRESET), nothing sent
close_mid_response   forwarded, the first ``fraction`` of the response bytes  fraction=0.5
                     sent, then the connection is closed (see below)
delay                ``seconds`` of extra delay before forwarding and again   seconds (required)
                     before answering
status               answer ``status`` without forwarding; body: dict/list    status (required),
                     (JSON), str or bytes, default a small JSON error;        body=None,
                     extra ``headers`` (e.g. Retry-After)                     content_type,
                                                                              headers
hook                 ``call(method, path)`` runs first, on the proxy's        call (required)
                     thread (a test acts on the server at that moment);
                     it returns None: forwarded as usual; ``(status, body)``:
                     answered so (JSON body) without forwarding; it raises:
                     answered 500 naming the exception
==================== ======================================================== =================

close_mid_response: http.client (so requests) takes EOF as the end of the header section and
reads a body without Content-Length up to EOF, so a cut between the end of the status line and the
Content-Length line looks like a complete empty response. The proxy therefore writes
Content-Length and Connection right after the status line: any cut from there to the end of the
body (the default 0.5 for any response over ~80 bytes) is an error for the client:
ChunkedEncodingError with urllib3 >= 2, but urllib3 1.x does not enforce Content-Length, so
requests then returns the short body and only ``.json()`` fails (ValueError). A cut inside the
first ~12 bytes of the status line gives a ConnectionError.

`set_latency(seconds_each_way)` delays every request (before forwarding and before answering,
also for synthesized answers), on top of a ``delay`` rule.
"""

from __future__ import annotations

import contextlib
import http
import json
import os
import re
import selectors
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from typing import Any, NamedTuple

__all__ = ["FAULTS", "FaultProxy", "FaultRule", "RequestRecord"]

FAULTS = frozenset(
    {
        "refuse",
        "hang",
        "trickle",
        "502_before",
        "502_after",
        "reset_after",
        "close_mid_response",
        "delay",
        "status",
        "hook",
    }
)

Headers = list[tuple[str, str]]

_REQUIRED = object()
_PARAMS: dict[str, dict[str, Any]] = {
    "refuse": {},
    "hang": {},
    "trickle": {"interval": 0.5, "chunk_size": 1},
    "502_before": {},
    "502_after": {},
    "reset_after": {},
    "close_mid_response": {"fraction": 0.5},
    "delay": {"seconds": _REQUIRED},
    "status": {
        "status": _REQUIRED,
        "body": None,
        "content_type": "application/json",
        "headers": None,
    },
    "hook": {"call": _REQUIRED},
}

_POLL = 0.25  # seconds: how often blocked waits re-check the stop flag (stop() also wakes them)
_RECV_SIZE = 65536
_MAX_HEAD = 64 * 1024
_MAX_LINE = 8 * 1024
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
    }
)
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_LINGER_ZERO = struct.pack("HH" if os.name == "nt" else "ii", 1, 0)


class RequestRecord(NamedTuple):
    """One request seen by the proxy (see the module docstring for the fields)."""

    method: str
    path: str
    status: int | None
    start: float
    end: float | None


@dataclass
class FaultRule:
    """A fault rule; ``remaining`` counts down from ``times`` (None: unlimited)."""

    fault: str
    method: str | None = None
    path: str | None = None
    times: int | None = 1
    params: dict[str, Any] = field(default_factory=dict)
    remaining: int | None = field(default=None, init=False)
    hits: int = field(default=0, init=False)
    _regex: re.Pattern[str] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.method is not None:
            self.method = self.method.upper()
        if self.path is not None:
            self._regex = re.compile(self.path)
        self.remaining = self.times

    def matches(self, method: str, path: str) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.method is not None and self.method != method.upper():
            return False
        return self._regex is None or self._regex.search(path) is not None


class _Stopped(Exception):
    """The proxy is stopping."""


class _PeerClosed(Exception):
    """The peer closed (or reset) the connection in the middle of a message."""


class _Timeout(Exception):
    """A deadline passed while waiting for the peer."""


class _BadMessage(Exception):
    """Malformed or unsupported HTTP message."""


class _Sock:
    """A socket that several threads may shut down / close safely."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.lock = threading.Lock()
        self.closed = False
        self.idle = False  # client side: waiting for the next request, nothing buffered
        self.record: list[Any] | None = None  # client side: log entry of the request in flight

    def shutdown(self) -> None:
        """Wake up any thread blocked on the socket; the peer sees EOF."""
        with self.lock:
            if not self.closed:
                with contextlib.suppress(OSError):
                    self.sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        with self.lock:
            if not self.closed:
                self.closed = True
                with contextlib.suppress(OSError):
                    self.sock.close()

    def reset(self) -> None:
        """Close with SO_LINGER 0: the kernel sends RST, the peer gets ECONNRESET."""
        with self.lock:
            if not self.closed:
                self.closed = True
                with contextlib.suppress(OSError):
                    self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_ZERO)
                with contextlib.suppress(OSError):
                    self.sock.close()


class _Reader:
    """Buffered reads from a blocking socket that give up when the proxy stops."""

    def __init__(self, sock: socket.socket, stopping: threading.Event) -> None:
        self.sock = sock
        self.buf = bytearray()
        self._stopping = stopping
        self._selector = selectors.DefaultSelector()
        self._selector.register(sock, selectors.EVENT_READ)

    def close(self) -> None:
        with contextlib.suppress(OSError, ValueError, KeyError):
            self._selector.close()

    def fill(self, deadline: float | None) -> bool:
        """Append what the peer sends next to ``buf``; False at EOF (or reset)."""
        while True:
            if self._stopping.is_set():
                raise _Stopped()
            timeout = _POLL
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise _Timeout()
                timeout = min(timeout, left)
            try:
                ready = self._selector.select(timeout)
            except (OSError, ValueError):
                return False
            if not ready:
                continue
            try:
                data = self.sock.recv(_RECV_SIZE)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                return False
            if not data:
                return False
            self.buf += data
            return True

    def read_head(self, deadline: float | None, at_start: bool) -> bytes | None:
        """The header section (without the blank line); None at EOF before a request."""
        while True:
            if at_start and self.buf[:1] in (b"\r", b"\n"):
                self.buf = bytearray(self.buf.lstrip(b"\r\n"))
            end = self.buf.find(b"\r\n\r\n")
            if end >= 0:
                head = bytes(self.buf[:end])
                del self.buf[: end + 4]
                return head
            if len(self.buf) > _MAX_HEAD:
                raise _BadMessage("header section too large")
            if not self.fill(deadline):
                if at_start and not self.buf:
                    return None
                raise _PeerClosed("connection closed inside a header section")

    def read_line(self, deadline: float | None) -> bytes:
        while True:
            end = self.buf.find(b"\r\n")
            if end >= 0:
                line = bytes(self.buf[:end])
                del self.buf[: end + 2]
                return line
            if len(self.buf) > _MAX_LINE:
                raise _BadMessage("line too long")
            if not self.fill(deadline):
                raise _PeerClosed("connection closed inside a line")

    def read_exact(self, size: int, deadline: float | None) -> bytes:
        while len(self.buf) < size:
            if not self.fill(deadline):
                raise _PeerClosed(f"connection closed after {len(self.buf)} of {size} bytes")
        data = bytes(self.buf[:size])
        del self.buf[:size]
        return data

    def read_to_eof(self, deadline: float | None) -> bytes:
        while self.fill(deadline):
            pass
        data = bytes(self.buf)
        self.buf.clear()
        return data

    def read_chunked(self, deadline: float | None) -> bytes:
        body = bytearray()
        while True:
            size_text = self.read_line(deadline).split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise _BadMessage(f"bad chunk size {size_text!r}") from None
            if size < 0:
                raise _BadMessage(f"bad chunk size {size_text!r}")
            if size == 0:
                break
            body += self.read_exact(size, deadline)
            if self.read_exact(2, deadline) != b"\r\n":
                raise _BadMessage("chunk not followed by CRLF")
        while self.read_line(deadline):  # trailer fields, dropped
            pass
        return bytes(body)

    def wait_closed(self) -> None:
        """Discard input until the peer closes (returns) or the proxy stops (raises)."""
        while True:
            self.buf.clear()
            if not self.fill(None):
                return


def _parse_head(head: bytes) -> tuple[str, Headers]:
    lines = head.decode("latin-1").split("\r\n")
    headers: Headers = []
    for line in lines[1:]:
        if line[:1] in (" ", "\t"):  # obsolete line folding
            if not headers:
                raise _BadMessage("folded line without a header")
            name, value = headers[-1]
            headers[-1] = (name, f"{value} {line.strip()}")
            continue
        name, sep, value = line.partition(":")
        if not sep or not _TOKEN.fullmatch(name):
            raise _BadMessage(f"malformed header line {line!r}")
        headers.append((name, value.strip()))
    return lines[0], headers


def _values(headers: Headers, name: str) -> list[str]:
    return [value for key, value in headers if key.lower() == name]


def _tokens(headers: Headers, name: str) -> list[str]:
    return [
        token.strip().lower()
        for value in _values(headers, name)
        for token in value.split(",")
        if token.strip()
    ]


def _read_body(
    reader: _Reader, headers: Headers, deadline: float | None, until_eof: bool
) -> bytes | None:
    """The body framed by ``headers``; None when the message has no framing and no body."""
    codings = _tokens(headers, "transfer-encoding")
    if codings:
        if codings[-1] == "chunked":
            return reader.read_chunked(deadline)
        if until_eof:
            return reader.read_to_eof(deadline)
        raise _BadMessage(f"unsupported Transfer-Encoding {codings!r}")
    lengths = {
        part.strip() for value in _values(headers, "content-length") for part in value.split(",")
    }
    if lengths:
        length = lengths.pop()
        if lengths or not length.isdigit():
            raise _BadMessage("bad Content-Length")
        return reader.read_exact(int(length), deadline)
    return reader.read_to_eof(deadline) if until_eof else None


def _head_bytes(first_line: str, headers: Headers) -> bytes:
    lines = [first_line, *(f"{name}: {value}" for name, value in headers)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


@dataclass
class _Request:
    method: str
    target: str  # origin-form
    version: str
    headers: Headers
    body: bytes | None  # None: no body framing at all

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def keep_alive(self) -> bool:
        tokens = _tokens(self.headers, "connection")
        if self.version == "HTTP/1.0":
            return "keep-alive" in tokens
        return "close" not in tokens

    def upstream_bytes(self, default_host: str) -> bytes:
        drop = (
            _HOP_BY_HOP | set(_tokens(self.headers, "connection")) | {"content-length", "expect"}
        )
        headers = [(name, value) for name, value in self.headers if name.lower() not in drop]
        if not _values(headers, "host"):
            headers.append(("Host", default_host))
        if self.body is not None:
            headers.append(("Content-Length", str(len(self.body))))
        headers.append(("Connection", "close"))
        return _head_bytes(f"{self.method} {self.target} HTTP/1.1", headers) + (self.body or b"")


@dataclass
class _Response:
    status: int
    reason: str
    headers: Headers
    body: bytes

    def to_bytes(self, keep_alive: bool, head_request: bool) -> bytes:
        """Status line, then the framing headers, then the rest (see close_mid_response)."""
        drop = _HOP_BY_HOP | set(_tokens(self.headers, "connection")) | {"content-length"}
        bodyless = head_request or self.status in (204, 304) or 100 <= self.status < 200
        framing: Headers = []
        if head_request or self.status == 304:
            # no body here, the upstream's Content-Length describes the GET representation
            framing += [(n, v) for n, v in self.headers if n.lower() == "content-length"]
        elif not bodyless:
            framing.append(("Content-Length", str(len(self.body))))
        framing.append(("Connection", "keep-alive" if keep_alive else "close"))
        rest = [(name, value) for name, value in self.headers if name.lower() not in drop]
        head = _head_bytes(f"HTTP/1.1 {self.status} {self.reason}".rstrip(), framing + rest)
        return head if bodyless else head + self.body


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _synthetic(
    status: int,
    message: str = "",
    body: Any = None,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
) -> _Response:
    if body is None:
        body = {"error": True, "status": status, "message": message or _reason(status)}
    if isinstance(body, (dict, list)):
        data = json.dumps(body).encode("utf-8")
    elif isinstance(body, str):
        data = body.encode("utf-8")
    else:
        data = bytes(body)
    extra = [(str(name), str(value)) for name, value in (headers or {}).items()]
    return _Response(status, _reason(status), [("Content-Type", content_type), *extra], data)


def _read_response(reader: _Reader, method: str, deadline: float) -> _Response:
    while True:
        head = reader.read_head(deadline, at_start=False)
        assert head is not None
        status_line, headers = _parse_head(head)
        parts = status_line.split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
            raise _BadMessage(f"bad status line {status_line!r}")
        status = int(parts[1])
        reason = parts[2] if len(parts) > 2 else ""
        if status == 101:
            raise _BadMessage("protocol upgrades are not supported")
        if status >= 200:
            break  # else an interim 1xx response: skip it
    if method == "HEAD" or status in (204, 304):
        body = b""
    else:
        body = _read_body(reader, headers, deadline, until_eof=True) or b""
    return _Response(status, reason, headers, body)


def _check_number(fault: str, name: str, value: Any, low: float, high: float | None) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{fault}: {name} must be a number, not {value!r}")
    if value < low or (high is not None and value >= high):
        bound = f"[{low}, {high})" if high is not None else f">= {low}"
        raise ValueError(f"{fault}: {name} must be {bound}, not {value!r}")


def _fault_params(fault: str, given: dict[str, Any]) -> dict[str, Any]:
    spec = _PARAMS[fault]
    unknown = sorted(set(given) - set(spec))
    if unknown:
        raise TypeError(f"{fault}: unexpected parameter(s) {unknown}; accepted: {sorted(spec)}")
    params = {**spec, **given}
    missing = sorted(name for name, value in params.items() if value is _REQUIRED)
    if missing:
        raise TypeError(f"{fault}: missing parameter(s) {missing}")
    if fault == "trickle":
        _check_number(fault, "interval", params["interval"], 0, None)
        chunk_size = params["chunk_size"]
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
            raise ValueError(f"trickle: chunk_size must be an int >= 1, not {chunk_size!r}")
    elif fault == "close_mid_response":
        _check_number(fault, "fraction", params["fraction"], 0, 1)
    elif fault == "delay":
        _check_number(fault, "seconds", params["seconds"], 0, None)
    elif fault == "hook":
        if not callable(params["call"]):
            raise TypeError(f"hook: call must be callable, not {params['call']!r}")
    elif fault == "status":
        status = params["status"]
        if isinstance(status, bool) or not isinstance(status, int) or not 200 <= status <= 599:
            raise ValueError(f"status: status must be an int in 200..599, not {status!r}")
        if not isinstance(params["body"], (type(None), dict, list, str, bytes)):
            raise TypeError("status: body must be None, a dict, a list, a str or bytes")
    return params


class FaultProxy:
    """An HTTP proxy on 127.0.0.1 that forwards to ``upstream_host:upstream_port`` and injects
    faults (see the module docstring)."""

    def __init__(
        self,
        upstream_host: str,
        upstream_port: int,
        *,
        listen_host: str = "127.0.0.1",
        connect_timeout: float = 5.0,
        upstream_timeout: float = 60.0,
    ) -> None:
        self.upstream_host = upstream_host
        self.upstream_port = int(upstream_port)
        self.listen_host = listen_host
        self.connect_timeout = connect_timeout
        self.upstream_timeout = upstream_timeout
        self._lock = threading.Lock()  # rules, log, connection sets, counters
        self._cond = threading.Condition()  # listener state (owned by the accept thread)
        self._stopping = threading.Event()
        self._rules: list[FaultRule] = []
        self._log: list[list[Any]] = []
        self._conns: dict[_Sock, threading.Thread] = {}
        self._upstreams: set[_Sock] = set()
        self._accepted = 0
        self._latency = 0.0
        self._port: int | None = None
        self._listener: socket.socket | None = None
        self._refusing = False
        self._state_seq = 0
        self._applied_seq = 0
        self._listen_error: OSError | None = None
        self._wake_r: socket.socket | None = None
        self._wake_w: socket.socket | None = None
        self._accept_thread: threading.Thread | None = None
        self._stopped = False

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> FaultProxy:
        """Bind an ephemeral port and start serving; returns self."""
        if self._accept_thread is not None:
            raise RuntimeError("FaultProxy can only be started once")
        listener = self._bind(0)
        self._port = listener.getsockname()[1]
        self._listener = listener
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._accept_thread = threading.Thread(
            target=self._accept_loop, name=f"fault-proxy-{self._port}-accept", daemon=True
        )
        self._accept_thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Close the listener and every socket, join the threads (at most ``timeout`` s)."""
        if self._accept_thread is None or self._stopped:
            return
        self._stopped = True
        deadline = time.monotonic() + timeout
        self._stopping.set()
        self._wake()
        self._accept_thread.join(max(0.0, deadline - time.monotonic()))
        with self._cond:
            if self._listener is not None:  # only if the accept thread is stuck
                with contextlib.suppress(OSError):
                    self._listener.close()
                self._listener = None
        with self._lock:
            conns = list(self._conns.items())
            upstreams = list(self._upstreams)
        for sock in upstreams:
            sock.shutdown()
        for conn, _thread in conns:
            conn.shutdown()
        for _conn, thread in conns:
            thread.join(max(0.0, deadline - time.monotonic()))
        for sock in upstreams:
            sock.close()
        for conn, _thread in conns:
            conn.close()
        for wake in (self._wake_r, self._wake_w):
            if wake is not None:
                with contextlib.suppress(OSError):
                    wake.close()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- addresses ------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FaultProxy is not started")
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://{self.listen_host}:{self.port}"

    def url_for(self, path: str = "/api") -> str:
        """``http://127.0.0.1:<port><path>``."""
        if path and not path.startswith("/"):
            path = "/" + path
        return self.base_url + path

    # -- faults ---------------------------------------------------------------------------

    def add_rule(
        self,
        fault: str,
        method: str | None = None,
        path: str | None = None,
        times: int | None = 1,
        **params: Any,
    ) -> FaultRule:
        """Inject ``fault`` into the next ``times`` requests matching ``method`` and ``path``."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; known: {sorted(FAULTS)}")
        if times is not None and (isinstance(times, bool) or not isinstance(times, int)):
            raise TypeError(f"times must be an int or None, not {times!r}")
        if times is not None and times < 1:
            raise ValueError(f"times must be >= 1 or None, not {times!r}")
        if fault == "refuse":
            if method is not None or path is not None:
                raise ValueError("refuse acts on connections: it takes no method or path")
            times = None
        rule = FaultRule(fault, method, path, times, _fault_params(fault, params))
        with self._lock:
            self._rules.append(rule)
        if fault == "refuse":
            self.refuse(True)
        return rule

    def clear_rules(self) -> None:
        """Drop every rule and accept connections again (ends `refuse`)."""
        with self._lock:
            self._rules.clear()
        if self._refusing:
            self.refuse(False)

    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def refuse(self, flag: bool = True) -> None:
        """Close (True) or reopen (False, same port) the listening socket.

        Closing also closes idle keep-alive client connections, so pooled connections do not
        bypass the refusal; a request arriving meanwhile on a busy connection is dropped
        unanswered.
        """
        with self._cond:
            self._refusing = bool(flag)
            self._state_seq += 1
            seq = self._state_seq
            self._listen_error = None
        thread = self._accept_thread
        if thread is None or not thread.is_alive() or self._stopping.is_set():
            return
        self._wake()
        with self._cond:
            applied = self._cond.wait_for(
                lambda: self._applied_seq >= seq or self._stopping.is_set(), timeout=5.0
            )
            error = self._listen_error
        if error is not None:
            raise RuntimeError(f"cannot listen on port {self._port} again: {error}") from error
        if not applied:
            raise RuntimeError("the accept thread did not apply the listener state")
        if flag:  # close idle keep-alive connections (see _serve for the other half)
            with self._lock:
                conns = list(self._conns)
            for conn in conns:
                with conn.lock:
                    if conn.idle and not conn.closed:
                        with contextlib.suppress(OSError):
                            conn.sock.shutdown(socket.SHUT_RDWR)

    def set_latency(self, seconds_each_way: float) -> None:
        """Delay every request by this much before forwarding and again before answering."""
        _check_number("set_latency", "seconds_each_way", seconds_each_way, 0, None)
        self._latency = float(seconds_each_way)

    @property
    def latency(self) -> float:
        return self._latency

    # -- log ------------------------------------------------------------------------------

    def requests_seen(self) -> list[RequestRecord]:
        with self._lock:
            return [RequestRecord(*record) for record in self._log]

    def clear(self) -> None:
        """Forget the request log."""
        with self._lock:
            self._log.clear()

    def count(self, method: str | None = None, path: str | None = None) -> int:
        """Logged requests with this method (any case) and a path matching regex ``path``."""
        regex = re.compile(path) if path is not None else None
        return sum(
            1
            for record in self.requests_seen()
            if (method is None or record.method == method.upper())
            and (regex is None or regex.search(record.path))
        )

    @property
    def connections_accepted(self) -> int:
        with self._lock:
            return self._accepted

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._conns)

    # -- listener -------------------------------------------------------------------------

    def _bind(self, port: int) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            if os.name != "nt":
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.listen_host, port))
            sock.listen(128)
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        return sock

    def _wake(self) -> None:
        if self._wake_w is not None:
            with contextlib.suppress(OSError):
                self._wake_w.send(b"x")

    def _accept_loop(self) -> None:
        selector = selectors.DefaultSelector()
        assert self._wake_r is not None
        selector.register(self._wake_r, selectors.EVENT_READ)
        registered: socket.socket | None = None
        try:
            while not self._stopping.is_set():
                registered = self._sync_listener(selector, registered)
                for key, _events in selector.select(_POLL):
                    if key.fileobj is self._wake_r:
                        with contextlib.suppress(OSError):
                            while self._wake_r.recv(4096):
                                pass
                    elif key.fileobj is registered and registered is not None:
                        self._accept_pending(registered)
        finally:
            with self._cond:
                if self._listener is not None:
                    with contextlib.suppress(OSError):
                        self._listener.close()
                    self._listener = None
                self._cond.notify_all()
            selector.close()

    def _sync_listener(
        self, selector: selectors.BaseSelector, registered: socket.socket | None
    ) -> socket.socket | None:
        with self._cond:
            if self._refusing and self._listener is not None:
                if registered is self._listener:
                    selector.unregister(self._listener)
                    registered = None
                self._listener.close()
                self._listener = None
            elif not self._refusing and self._listener is None:
                try:
                    self._listener = self._bind(self.port)
                except OSError as exc:
                    self._listen_error = exc
            if self._listener is not None and registered is not self._listener:
                selector.register(self._listener, selectors.EVENT_READ)
                registered = self._listener
            self._applied_seq = self._state_seq
            self._cond.notify_all()
        return registered

    def _accept_pending(self, listener: socket.socket) -> None:
        while True:
            try:
                sock, _address = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            sock.setblocking(True)
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = _Sock(sock)
            with self._lock:
                if self._stopping.is_set():
                    sock.close()
                    return
                self._accepted += 1
                thread = threading.Thread(
                    target=self._serve,
                    args=(conn,),
                    name=f"fault-proxy-{self._port}-conn-{self._accepted}",
                    daemon=True,
                )
                self._conns[conn] = thread
            thread.start()

    # -- connections ----------------------------------------------------------------------

    def _serve(self, conn: _Sock) -> None:
        reader = _Reader(conn.sock, self._stopping)
        try:
            while True:
                with conn.lock:  # pairs with refuse(): one of the two sees the other's flag
                    conn.idle = not reader.buf
                    refused = conn.idle and self._refusing
                if refused or (conn.idle and not reader.fill(None)):
                    break  # refusing, or the client closed its idle connection
                conn.idle = False
                try:
                    request = self._read_request(conn, reader)
                except _BadMessage as exc:
                    with contextlib.suppress(OSError):
                        conn.sock.sendall(_synthetic(400, str(exc)).to_bytes(False, False))
                    break
                if request is None or not self._handle(conn, reader, request):
                    break
        except (_Stopped, _PeerClosed, _Timeout, OSError):
            pass
        finally:
            self._finish_record(conn, None)
            reader.close()
            conn.close()
            with self._lock:
                self._conns.pop(conn, None)

    def _read_request(self, conn: _Sock, reader: _Reader) -> _Request | None:
        head = reader.read_head(None, at_start=True)
        if head is None:
            return None
        request_line, headers = _parse_head(head)
        parts = request_line.split(" ")
        if len(parts) != 3 or not _TOKEN.fullmatch(parts[0]):
            raise _BadMessage(f"bad request line {request_line!r}")
        method, target, version = parts
        if version not in ("HTTP/1.0", "HTTP/1.1"):
            raise _BadMessage(f"unsupported version {version!r}")
        if target.lower().startswith(("http://", "https://")):  # absolute-form
            rest = target.split("://", 1)[1]
            slash = rest.find("/")
            target = rest[slash:] if slash >= 0 else "/"
        if "100-continue" in _tokens(headers, "expect"):
            conn.sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        body = _read_body(reader, headers, None, until_eof=False)
        return _Request(method, target, version, headers, body)

    def _handle(self, conn: _Sock, reader: _Reader, request: _Request) -> bool:
        """Answer one request; True to keep the client connection for the next one."""
        record = [request.method, request.path, None, time.monotonic(), None]
        with self._lock:
            self._log.append(record)
        conn.record = record
        if self._refusing:
            return False  # refused while the request was on its way: drop it unanswered
        rule = self._take_rule(request.method, request.path)
        fault = rule.fault if rule is not None else None
        params = rule.params if rule is not None else {}
        if fault == "hang":
            reader.wait_closed()
            return False
        delay = self._latency + (params["seconds"] if fault == "delay" else 0.0)
        self._sleep(delay)
        answer = self._run_hook(params["call"], request) if fault == "hook" else None
        if answer is not None:
            response = answer
        elif fault == "502_before":
            response = _synthetic(502, "Bad Gateway (injected by fault_proxy)")
        elif fault == "status":
            response = _synthetic(
                params["status"],
                "injected by fault_proxy",
                params["body"],
                params["content_type"],
                params["headers"],
            )
        else:
            response = self._forward(request)
            if fault == "502_after":
                response = _synthetic(502, "Bad Gateway (injected by fault_proxy)")
        self._sleep(delay)
        keep_alive = request.keep_alive
        data = response.to_bytes(keep_alive, request.method == "HEAD")
        if fault == "reset_after":
            self._finish_record(conn, None)
            conn.reset()
            return False
        if fault == "close_mid_response":
            cut = int(len(data) * params["fraction"])
            if cut:
                conn.sock.sendall(data[:cut])
            self._finish_record(conn, None)
            conn.close()
            return False
        if fault == "trickle":
            step = params["chunk_size"]
            for offset in range(0, len(data), step):
                self._sleep(params["interval"])
                if offset + step >= len(data):
                    self._finish_record(conn, response.status)
                conn.sock.sendall(data[offset : offset + step])
        else:
            self._finish_record(conn, response.status)
            conn.sock.sendall(data)
        return keep_alive

    @staticmethod
    def _run_hook(call: Any, request: _Request) -> _Response | None:
        """A ``hook`` rule's call: None to forward, else the answer it asks for."""
        try:
            answer = call(request.method, request.path)
        except Exception as exc:  # the test's own error, shown to the client
            return _synthetic(500, f"fault_proxy hook failed: {exc!r}")
        if answer is None:
            return None
        status, body = answer
        return _synthetic(int(status), "answered by a fault_proxy hook", body)

    def _take_rule(self, method: str, path: str) -> FaultRule | None:
        with self._lock:
            for rule in self._rules:
                if rule.fault != "refuse" and rule.matches(method, path):
                    if rule.remaining is not None:
                        rule.remaining -= 1
                    rule.hits += 1
                    return rule
        return None

    def _finish_record(self, conn: _Sock, status: int | None) -> None:
        record, conn.record = conn.record, None
        if record is not None:
            with self._lock:
                record[2] = status
                record[4] = time.monotonic()

    def _sleep(self, seconds: float) -> None:
        if seconds > 0 and self._stopping.wait(seconds):
            raise _Stopped()

    def _forward(self, request: _Request) -> _Response:
        """Send the request upstream on a new connection and read the whole response."""
        address = (self.upstream_host, self.upstream_port)
        try:
            sock = socket.create_connection(address, timeout=self.connect_timeout)
        except OSError as exc:
            return _synthetic(502, f"Bad Gateway: upstream unreachable ({exc})")
        upstream = _Sock(sock)
        with self._lock:
            if self._stopping.is_set():
                upstream.close()
                raise _Stopped()
            self._upstreams.add(upstream)
        reader = _Reader(sock, self._stopping)
        try:
            sock.settimeout(None)
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.sendall(request.upstream_bytes(f"{self.upstream_host}:{self.upstream_port}"))
            deadline = time.monotonic() + self.upstream_timeout
            return _read_response(reader, request.method, deadline)
        except _Timeout:
            return _synthetic(504, "Gateway Timeout: upstream did not answer")
        except (_PeerClosed, _BadMessage, OSError) as exc:
            if self._stopping.is_set():
                raise _Stopped() from None
            return _synthetic(502, f"Bad Gateway: bad upstream response ({exc or type(exc)})")
        finally:
            reader.close()
            with self._lock:
                self._upstreams.discard(upstream)
            upstream.close()
