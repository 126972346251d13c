"""Tests of tools/fault_proxy.py against a tiny in-process upstream HTTP server."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
import urllib3
from fault_proxy import FaultProxy, RequestRecord

TIMEOUT = (2, 2)
URLLIB3_MAJOR = int(urllib3.__version__.split(".")[0])


class Upstream(ThreadingHTTPServer):
    """Records every request as (method, path, body, headers) and answers JSON."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), UpstreamHandler)
        self.seen: list[tuple[str, str, bytes, dict[str, str]]] = []
        self.seen_lock = threading.Lock()
        self.release = threading.Event()  # ends /stall

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the proxy may cut connections on purpose

    @property
    def port(self) -> int:
        return self.server_address[1]

    def requests(self) -> list[tuple[str, str, bytes, dict[str, str]]]:
        with self.seen_lock:
            return list(self.seen)


class UpstreamHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Upstream

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def version_string(self) -> str:
        return "up"

    def _record(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        with self.server.seen_lock:
            self.server.seen.append((self.command, self.path, body, headers))
        return body

    def _json(self, payload: Any, status: int = 200) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._record()
        if self.path == "/stall":
            self.server.release.wait(10)
        if self.path.startswith("/big"):
            self._json({"data": "x" * int(self.path.split("=")[1])})
        elif self.path == "/chunked":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b'{"chunked": ', b"true}"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
        elif self.path == "/tiny":
            self._json({})
        else:
            self._json({"method": "GET", "path": self.path})

    def do_POST(self) -> None:
        body = self._record()
        self._json({"method": "POST", "path": self.path, "received": body.decode()}, 201)

    def do_DELETE(self) -> None:
        self._record()
        self.send_response(204)
        self.end_headers()


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    server = Upstream()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()
    thread.join(2)


@pytest.fixture
def proxy(upstream: Upstream) -> Iterator[FaultProxy]:
    with FaultProxy("127.0.0.1", upstream.port) as fault_proxy:
        yield fault_proxy


def raw_request(port: int, data: bytes, timeout: float = 2.0) -> bytes:
    """Send raw bytes, read until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


def test_pass_through_keeps_client_connection_alive_and_logs(
    proxy: FaultProxy, upstream: Upstream
) -> None:
    url = proxy.url_for("/api")
    assert url == f"http://127.0.0.1:{proxy.port}/api"
    with requests.Session() as session:
        first = session.get(f"{url}/data/projects?relations=true", timeout=TIMEOUT)
        created = session.post(f"{url}/data/tasks/1/comments", json={"a": 1}, timeout=TIMEOUT)
        chunked = session.get(proxy.url_for("/chunked"), timeout=TIMEOUT)
        deleted = session.delete(f"{url}/data/comments/9", timeout=TIMEOUT)
        big = session.get(proxy.url_for("/big?n=300000"), timeout=TIMEOUT)
        last = session.get(f"{url}/data/projects", timeout=TIMEOUT)

    assert first.json() == {"method": "GET", "path": "/api/data/projects?relations=true"}
    assert created.status_code == 201
    assert json.loads(created.json()["received"]) == {"a": 1}
    assert chunked.json() == {"chunked": True}
    assert "transfer-encoding" not in chunked.headers
    assert chunked.headers["Content-Length"] == str(len(chunked.content))
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert len(big.json()["data"]) == 300000
    assert last.status_code == 200
    assert first.headers["Connection"] == "keep-alive"
    assert proxy.connections_accepted == 1  # all six requests on one client connection

    seen = proxy.requests_seen()
    assert [(r.method, r.path, r.status) for r in seen] == [
        ("GET", "/api/data/projects", 200),
        ("POST", "/api/data/tasks/1/comments", 201),
        ("GET", "/chunked", 200),
        ("DELETE", "/api/data/comments/9", 204),
        ("GET", "/big", 200),
        ("GET", "/api/data/projects", 200),
    ]
    assert all(isinstance(r, RequestRecord) and r.end is not None for r in seen)
    assert all(r.start <= r.end for r in seen if r.end is not None)
    method, path, status, _start, _end = seen[0]  # a plain 5-tuple
    assert (method, path, status) == ("GET", "/api/data/projects", 200)
    assert proxy.count(method="get", path=r"^/api/data/projects$") == 2
    assert proxy.count() == 6

    # upstream: one fresh connection per request, each with "Connection: close"
    assert [(m, p) for m, p, _b, _h in upstream.requests()][:2] == [
        ("GET", "/api/data/projects?relations=true"),
        ("POST", "/api/data/tasks/1/comments"),
    ]
    assert all(h["connection"] == "close" for _m, _p, _b, h in upstream.requests())

    proxy.clear()
    assert proxy.requests_seen() == []


def test_chunked_request_body_is_forwarded_with_content_length(
    proxy: FaultProxy, upstream: Upstream
) -> None:
    def parts() -> Iterator[bytes]:
        yield b"abc"
        yield b"def"

    response = requests.post(proxy.url_for("/api/upload"), data=parts(), timeout=TIMEOUT)
    assert response.status_code == 201
    assert response.json()["received"] == "abcdef"
    method, path, body, headers = upstream.requests()[0]
    assert (method, path, body) == ("POST", "/api/upload", b"abcdef")
    assert headers["content-length"] == "6"
    assert "transfer-encoding" not in headers


def test_client_connection_close_and_pipelining(proxy: FaultProxy, upstream: Upstream) -> None:
    host = f"Host: 127.0.0.1:{proxy.port}\r\n"
    first = f"GET /one HTTP/1.1\r\n{host}\r\n"
    second = f"GET /two HTTP/1.1\r\n{host}Connection: close\r\n\r\n"
    data = raw_request(proxy.port, (first + second).encode())
    assert data.count(b"HTTP/1.1 200 OK\r\n") == 2
    assert b'"path": "/one"' in data and data.endswith(b'"path": "/two"}')
    assert b"Connection: keep-alive\r\n" in data and b"Connection: close\r\n" in data
    assert [p for _m, p, _b, _h in upstream.requests()] == ["/one", "/two"]


def test_malformed_request_gets_400(proxy: FaultProxy, upstream: Upstream) -> None:
    data = raw_request(proxy.port, b"NOT A REQUEST LINE AT ALL\r\n\r\n")
    assert data.startswith(b"HTTP/1.1 400 ")
    assert upstream.requests() == []


def test_502_before_does_not_reach_upstream(proxy: FaultProxy, upstream: Upstream) -> None:
    rule = proxy.add_rule("502_before")
    response = requests.post(proxy.url_for("/api/x"), json={}, timeout=TIMEOUT)
    assert response.status_code == 502
    assert response.json()["error"] is True
    assert upstream.requests() == []
    assert rule.hits == 1 and rule.remaining == 0
    assert proxy.requests_seen()[0][:3] == ("POST", "/api/x", 502)


def test_502_after_reaches_upstream(proxy: FaultProxy, upstream: Upstream) -> None:
    proxy.add_rule("502_after", method="POST")
    response = requests.post(proxy.url_for("/api/comments"), json={"n": 1}, timeout=TIMEOUT)
    assert response.status_code == 502
    assert [(m, p, b) for m, p, b, _h in upstream.requests()] == [
        ("POST", "/api/comments", b'{"n": 1}')
    ]
    assert proxy.requests_seen()[0].status == 502


def test_status_fault_answers_without_forwarding(proxy: FaultProxy, upstream: Upstream) -> None:
    proxy.add_rule("status", status=503, headers={"Retry-After": "1"})
    proxy.add_rule("status", status=500, body={"message": "boom"})
    first = requests.get(proxy.url_for("/api/a"), timeout=TIMEOUT)
    second = requests.get(proxy.url_for("/api/b"), timeout=TIMEOUT)
    assert first.status_code == 503
    assert first.headers["Retry-After"] == "1"
    assert first.json()["status"] == 503
    assert (second.status_code, second.json()) == (500, {"message": "boom"})
    assert upstream.requests() == []


def test_hook_runs_first_then_forwards_or_answers_what_it_returns(
    proxy: FaultProxy, upstream: Upstream
) -> None:
    seen: list[tuple[str, str, int]] = []

    def call(method: str, path: str) -> Any:
        seen.append((method, path, len(upstream.requests())))
        return (500, {"message": "processing failed", "data": None}) if "fail" in path else None

    proxy.add_rule("hook", path=r"^/api/(fail|pass)$", times=2, call=call)
    proxy.add_rule("hook", path=r"^/api/broken$", call=lambda m, p: 1 / 0)
    failed = requests.post(proxy.url_for("/api/fail"), json={}, timeout=TIMEOUT)
    passed = requests.get(proxy.url_for("/api/pass"), timeout=TIMEOUT)
    again = requests.post(proxy.url_for("/api/fail"), json={}, timeout=TIMEOUT)  # rule spent
    broken = requests.get(proxy.url_for("/api/broken"), timeout=TIMEOUT)
    assert (failed.status_code, failed.json()) == (
        500,
        {"message": "processing failed", "data": None},
    )
    assert passed.status_code == 200 and again.status_code == 201  # the upstream POST
    assert seen == [("POST", "/api/fail", 0), ("GET", "/api/pass", 0)]  # before forwarding
    assert [p for _m, p, _b, _h in upstream.requests()] == ["/api/pass", "/api/fail"]
    assert broken.status_code == 500 and "ZeroDivisionError" in broken.json()["message"]
    with pytest.raises(TypeError, match="callable"):
        proxy.add_rule("hook", call="not callable")


def test_reset_after_resets_client_after_upstream_processed(
    proxy: FaultProxy, upstream: Upstream
) -> None:
    proxy.add_rule("reset_after")
    with pytest.raises(requests.exceptions.ConnectionError) as caught:
        requests.post(proxy.url_for("/api/comments"), json={}, timeout=TIMEOUT)
    assert "reset" in str(caught.value).lower()
    assert [(m, p) for m, p, _b, _h in upstream.requests()] == [("POST", "/api/comments")]
    record = proxy.requests_seen()[0]
    assert record.status is None and record.end is not None


def test_hang_never_answers(proxy: FaultProxy, upstream: Upstream) -> None:
    proxy.add_rule("hang", times=2)
    began = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(proxy.url_for("/api/x"), timeout=(2, 0.3))
    assert time.monotonic() - began < 1.5
    # the socket stays open: no answer, no EOF
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=0.3) as sock:
        sock.sendall(b"GET /api/y HTTP/1.1\r\nHost: x\r\n\r\n")
        with pytest.raises(socket.timeout):
            sock.recv(100)
    assert upstream.requests() == []
    assert [(r.path, r.status) for r in proxy.requests_seen()] == [
        ("/api/x", None),
        ("/api/y", None),
    ]
    assert requests.get(proxy.url_for("/api/z"), timeout=TIMEOUT).status_code == 200


def test_trickle_delivers_intact_response_slowly(proxy: FaultProxy, upstream: Upstream) -> None:
    interval = 0.005
    proxy.add_rule("trickle", interval=interval)
    began = time.monotonic()
    # the read timeout is shorter than the whole transfer: bytes must keep arriving
    response = requests.get(proxy.url_for("/tiny"), timeout=(2, 0.3))
    elapsed = time.monotonic() - began
    assert response.json() == {}
    sent = len("HTTP/1.1 200 OK\r\n\r\n") + len(response.content)
    sent += sum(len(f"{name}: {value}\r\n") for name, value in response.headers.items())
    assert sent > 100
    assert elapsed >= 0.9 * sent * interval, (elapsed, sent)
    began = time.monotonic()
    assert requests.get(proxy.url_for("/tiny"), timeout=TIMEOUT).json() == {}
    assert time.monotonic() - began < 0.9 * sent * interval


def assert_truncated(url: str) -> None:
    """A response cut after its Content-Length line must not pass for a good one."""
    if URLLIB3_MAJOR >= 2:
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            requests.get(url, timeout=TIMEOUT)
    else:  # urllib3 1.x does not enforce Content-Length: the body is silently short
        response = requests.get(url, timeout=TIMEOUT)
        assert len(response.content) < int(response.headers["Content-Length"])
        with pytest.raises(ValueError):
            response.json()


def test_close_mid_response(proxy: FaultProxy, upstream: Upstream) -> None:
    proxy.add_rule("close_mid_response", path="^/big")
    assert_truncated(proxy.url_for("/big?n=5000"))
    proxy.add_rule("close_mid_response")  # a small response: the cut falls in the headers
    assert_truncated(proxy.url_for("/tiny"))
    proxy.add_rule("close_mid_response", fraction=0.02)  # inside the status line
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(proxy.url_for("/tiny"), timeout=TIMEOUT)
    assert [p for _m, p, _b, _h in upstream.requests()] == ["/big?n=5000", "/tiny", "/tiny"]
    assert [r.status for r in proxy.requests_seen()] == [None, None, None]
    assert requests.get(proxy.url_for("/tiny"), timeout=TIMEOUT).json() == {}


def test_refuse_then_recover(proxy: FaultProxy, upstream: Upstream) -> None:
    port = proxy.port
    with requests.Session() as session:
        assert session.get(proxy.url_for("/a"), timeout=TIMEOUT).status_code == 200
        # a client connection busy in a hung request must not prevent listening again
        hung = socket.create_connection(("127.0.0.1", port), timeout=2)
        proxy.add_rule("hang", path="^/hung$")
        hung.sendall(b"GET /hung HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.05)

        proxy.add_rule("refuse")
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
        # the pooled keep-alive connection was closed too
        with pytest.raises(requests.exceptions.ConnectionError):
            session.get(proxy.url_for("/b"), timeout=TIMEOUT)
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(proxy.url_for("/c"), timeout=TIMEOUT)

        proxy.clear_rules()
        assert proxy.port == port
        assert session.get(proxy.url_for("/d"), timeout=TIMEOUT).status_code == 200
        hung.close()

    # refusing closes idle keep-alive connections at once (pooled clients notice before reuse)
    with socket.create_connection(("127.0.0.1", port), timeout=2) as kept:
        kept.sendall(b"GET /e HTTP/1.1\r\nHost: x\r\n\r\n")
        assert kept.recv(65536).startswith(b"HTTP/1.1 200 OK")
        proxy.refuse(True)
        assert kept.recv(10) == b""
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(proxy.url_for("/f"), timeout=TIMEOUT)
    proxy.refuse(False)
    assert requests.get(proxy.url_for("/g"), timeout=TIMEOUT).status_code == 200
    assert [p for _m, p, _b, _h in upstream.requests()] == ["/a", "/d", "/e", "/g"]


def test_times_limits_the_fault(proxy: FaultProxy, upstream: Upstream) -> None:
    proxy.add_rule("502_before", times=1)
    urls = [proxy.url_for(f"/api/{n}") for n in range(3)]
    with requests.Session() as session:
        statuses = [session.get(url, timeout=TIMEOUT).status_code for url in urls]
    assert statuses == [502, 200, 200]

    proxy.clear_rules()
    proxy.add_rule("status", times=None, status=503)
    with requests.Session() as session:
        statuses = [session.get(url, timeout=TIMEOUT).status_code for url in urls]
    assert statuses == [503, 503, 503]
    proxy.clear_rules()
    assert requests.get(urls[0], timeout=TIMEOUT).status_code == 200


def test_method_and_path_matching(proxy: FaultProxy, upstream: Upstream) -> None:
    rule = proxy.add_rule(
        "status", method="post", path=r"^/api/data/tasks/\w+/comments$", times=None, status=500
    )
    url = proxy.url_for("/api/data/tasks/t1/comments")
    with requests.Session() as session:
        assert session.get(url, timeout=TIMEOUT).status_code == 200
        assert (
            session.post(proxy.url_for("/api/data/tasks/t1"), timeout=TIMEOUT).status_code == 201
        )
        assert session.post(url, json={}, timeout=TIMEOUT).status_code == 500
        assert session.post(url + "?x=1", json={}, timeout=TIMEOUT).status_code == 500
    assert rule.hits == 2 and rule.remaining is None
    assert [(m, p) for m, p, _b, _h in upstream.requests()] == [
        ("GET", "/api/data/tasks/t1/comments"),
        ("POST", "/api/data/tasks/t1"),
    ]
    assert proxy.count(method="POST") == 3


def test_latency_and_delay(proxy: FaultProxy, upstream: Upstream) -> None:
    url = proxy.url_for("/api/x")
    with requests.Session() as session:
        session.get(url, timeout=TIMEOUT)  # warm the connection
        proxy.set_latency(0.05)
        began = time.monotonic()
        session.get(url, timeout=TIMEOUT)
        assert time.monotonic() - began >= 0.1
        record = proxy.requests_seen()[-1]
        assert record.end is not None and record.end - record.start >= 0.1
        proxy.set_latency(0)

        proxy.add_rule("delay", seconds=0.1, path="^/api/x$")
        began = time.monotonic()
        session.get(url, timeout=TIMEOUT)
        assert time.monotonic() - began >= 0.2
        began = time.monotonic()
        session.get(url, timeout=TIMEOUT)  # times=1: no delay any more
        assert time.monotonic() - began < 0.2


def test_concurrent_clients_are_all_logged(proxy: FaultProxy, upstream: Upstream) -> None:
    proxy.set_latency(0.05)
    statuses: list[int] = []
    lock = threading.Lock()

    def client(n: int) -> None:
        with requests.Session() as session:
            for k in range(3):
                status = session.get(proxy.url_for(f"/c/{n}/{k}"), timeout=TIMEOUT).status_code
                with lock:
                    statuses.append(status)

    began = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert statuses == [200] * 30
    assert time.monotonic() - began < 3 * 0.1 * 10  # served in parallel, not one by one
    assert proxy.count(path="^/c/") == 30
    assert proxy.connections_accepted == 10


def test_upstream_unreachable_gives_502() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    with FaultProxy("127.0.0.1", dead_port) as proxy:
        response = requests.get(proxy.url_for("/api"), timeout=TIMEOUT)
        assert response.status_code == 502
        assert proxy.requests_seen()[0].status == 502


def wait_for(condition: Callable[[], bool], seconds: float = 3.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.01)


def test_stop_is_bounded_with_hanging_clients(upstream: Upstream) -> None:
    proxy = FaultProxy("127.0.0.1", upstream.port).start()
    errors: list[BaseException] = []
    threads: list[threading.Thread] = []
    try:
        proxy.add_rule("hang", path="^/hang$", times=None)
        proxy.add_rule("trickle", path="^/slow$", interval=5)

        def client(path: str) -> None:
            try:
                requests.get(proxy.url_for(path), timeout=(2, 30))
            except requests.exceptions.RequestException as exc:
                errors.append(exc)

        idle = requests.Session()
        idle.get(proxy.url_for("/warm"), timeout=TIMEOUT)  # an idle pooled connection
        silent = socket.create_connection(("127.0.0.1", proxy.port))  # sends nothing
        for path in ("/hang", "/hang", "/hang", "/slow", "/stall"):  # /stall: upstream stalls
            threads.append(threading.Thread(target=client, args=(path,), daemon=True))
            threads[-1].start()
        wait_for(lambda: proxy.count(path="^/(hang|slow|stall)$") == 5)
        wait_for(lambda: proxy.open_connections == 7)
        wait_for(lambda: len(upstream.requests()) == 3)  # /warm, /slow, /stall
        time.sleep(0.05)
    finally:
        began = time.monotonic()
        proxy.stop(timeout=3)
        stop_took = time.monotonic() - began
    assert stop_took < 1.5
    for thread in threads:
        thread.join(3)
        assert not thread.is_alive()
    assert len(errors) == 5  # every client saw its connection close
    assert not [t for t in threading.enumerate() if t.name.startswith(f"fault-proxy-{proxy.port}")]
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", proxy.port), timeout=1).close()
    silent.settimeout(2)
    assert silent.recv(10) == b""
    silent.close()
    idle.close()
    assert all(r.end is not None for r in proxy.requests_seen())
    proxy.stop()  # idempotent


def test_add_rule_validates_arguments(proxy: FaultProxy) -> None:
    with pytest.raises(ValueError):
        proxy.add_rule("explode")
    with pytest.raises(TypeError):
        proxy.add_rule("delay")  # seconds missing
    with pytest.raises(TypeError):
        proxy.add_rule("hang", seconds=1)
    with pytest.raises(ValueError):
        proxy.add_rule("status", status=99)
    with pytest.raises(ValueError):
        proxy.add_rule("502_before", times=0)
    with pytest.raises(ValueError):
        proxy.add_rule("refuse", path="/x")
    with pytest.raises(ValueError):
        proxy.add_rule("close_mid_response", fraction=1.0)
    with pytest.raises(ValueError):
        proxy.set_latency(-1)
    assert proxy.rules() == []
