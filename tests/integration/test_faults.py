"""Exactly one note per task under network faults, in bounded time.

A TCP proxy on loopback (tools/fault_proxy.py), controlled by each test, stands
between the real plugins and the real Zou and breaks requests on purpose: refuses,
hangs, trickles, answers 502 before or after forwarding, resets after forwarding,
closes mid-response. Every test ends either with exactly one comment per task and a
success, or with a clear error saying precisely what was and was not posted; and
every test records its row of docs/reliability.md.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import kitsu_seed
import pytest
from fault_proxy import FaultProxy
from harness import Outcome, publish, render

from kitsu_publish.errors import AuthenticationFailed, PostFailed, ServerFailed

pytestmark = pytest.mark.zou

ROOT = Path(__file__).resolve().parents[2]

#: Short limits, so that every fault ends quickly; the bound of a publish step is
#: step_timeout, of one request request_timeout (retries included).
LIMITS = """
[kitsu]
connect_timeout = 1
read_timeout = 1
request_timeout = 3
step_timeout = 10
"""
POST = r"/actions/tasks/[^/]+/comment$"
TASK_READ = r"/data/tasks(/[^/]+/full)?$"  # one task whole, or a list of tasks (fresh)
COMMENTS = r"/data/tasks/[^/]+/comments$"


@pytest.fixture
def proxy(zou, monkeypatch, settings_file):
    address = urlsplit(zou.url)
    with FaultProxy(address.hostname, address.port) as running:
        monkeypatch.setenv("KITSU_SERVER", running.url_for("/api"))
        monkeypatch.setenv("KITSU_LOGIN", zou.email)
        monkeypatch.setenv("KITSU_PWD", zou.password)
        settings_file(LIMITS)
        yield running


def timed_publish(*args: Any, **kwargs: Any) -> tuple[Outcome, float]:
    started = time.monotonic()
    outcome = publish(*args, **kwargs)
    return outcome, time.monotonic() - started


def texts(admin: Any, task_id: str) -> list[str]:
    return [c["text"] for c in kitsu_seed.comments(admin, task_id)]


def first_error(outcome: Outcome) -> str:
    """The first error, short and without the proxy's changing port: a table cell."""
    errors = outcome.errors()
    if not errors:
        return "posted"
    plugin, message = errors[0]
    message = re.sub(r"Kitsu at http://127\.0\.0\.1:\d+/api ", "Kitsu ", message)
    message = re.sub(r" at http://127\.0\.0\.1:\d+/api", "", message)
    return f"{plugin}: {message.split(' (')[0].split(';')[0]}"


# --- the comment POST loses its answer: reconciled, never guessed -------------------------


@pytest.mark.parametrize(
    ("fault", "stored"),
    [
        ("502_after", True),
        ("reset_after", True),
        ("close_mid_response", True),
        ("trickle", True),
        ("502_before", False),
        ("hang", False),
    ],
)
def test_a_comment_whose_answer_is_lost_is_posted_exactly_once(
    fault, stored, proxy, admin, production, reliability
):
    task = production.tasks["shot:Animation"]
    proxy.add_rule(fault, method="POST", path=POST, times=1)

    outcome, seconds = timed_publish([render(task)], {"comment": f"through {fault}"})

    assert outcome.errors() == []
    assert texts(admin, task) == [f"through {fault}"]
    note = outcome.notes[0]
    assert note["outcome"] == "posted"
    # stored by the first POST: found by reading the task; else sent once more
    assert (note["reconciled"], note["attempts"]) == ((True, 1) if stored else (False, 2))
    assert proxy.count(method="POST", path=POST) == (1 if stored else 2)
    assert seconds < 15
    reliability.add(
        "faults",
        fault=f"{fault} on the comment POST",
        outcome=f"posted once ({'found by reading the task' if stored else 'sent again'})",
        comments=1,
        seconds=round(seconds, 1),
    )


def test_two_tasks_whose_answers_are_both_lost_are_both_posted_once(
    proxy, admin, production, reliability
):
    animation, lighting = production.tasks["shot:Animation"], production.tasks["shot:Lighting"]
    proxy.add_rule("reset_after", method="POST", path=POST, times=2)

    outcome, seconds = timed_publish(
        [render(animation, name="anim"), render(lighting, name="light")], {"comment": "both"}
    )

    assert outcome.errors() == []
    assert texts(admin, animation) == ["both"] and texts(admin, lighting) == ["both"]
    assert [(n["outcome"], n["reconciled"]) for n in outcome.notes] == [("posted", True)] * 2
    reliability.add(
        "faults",
        fault="reset_after on the POSTs of two tasks",
        outcome="both posted once (found by reading the tasks)",
        comments=2,
        seconds=round(seconds, 1),
    )


def test_a_comment_refused_twice_is_reported_not_posted_per_task(
    proxy, admin, production, reliability, raised, settings_file
):
    # one note after another: the second task is never tried (posted in parallel, both
    # are, each twice: tests/integration/test_parallel.py)
    settings_file(LIMITS + "max_parallel_requests = 1\n")
    animation, lighting = production.tasks["shot:Animation"], production.tasks["shot:Lighting"]
    proxy.add_rule("502_before", method="POST", path=POST, times=None)

    outcome, seconds = timed_publish(
        [render(animation, name="anim"), render(lighting, name="light")], {"comment": "never"}
    )

    error = raised(outcome, "IntegrateKitsuNote")
    assert isinstance(error, PostFailed) and error.outcome == "not posted"
    message = str(error)
    assert "HTTP 502" in message
    # wording is the point: the artist reads, per task, what was posted and what not
    assert f"not posted: {production.project} / SQ020/SH020 / Animation; " in message
    assert "Lighting" in message.split("not posted:")[1]
    assert texts(admin, animation) == [] and texts(admin, lighting) == []
    assert [n["outcome"] for n in outcome.notes] == ["not posted", "not posted"]
    assert proxy.count(method="POST", path=POST) == 2  # the first task, once more; then stop
    reliability.add(
        "faults",
        fault="502_before on every comment POST (two tasks)",
        outcome="error: per task 'not posted'; nothing stored",
        comments=0,
        seconds=round(seconds, 1),
    )


def test_a_post_failing_part_way_names_what_was_posted_and_what_not(
    proxy, admin, production, reliability, raised
):
    animation, lighting = production.tasks["shot:Animation"], production.tasks["shot:Lighting"]
    proxy.add_rule(
        "502_before", method="POST", path=f"/actions/tasks/{lighting}/comment$", times=None
    )

    outcome, seconds = timed_publish(
        [render(animation, name="anim"), render(lighting, name="light")], {"comment": "half"}
    )

    error = raised(outcome, "IntegrateKitsuNote")
    assert isinstance(error, PostFailed) and error.outcome == "not posted"
    message = str(error)
    # wording is the point: the artist reads, per task, what was posted and what not
    assert (
        f"posted: {production.project} / SQ020/SH020 / Animation | "
        f"not posted: {production.project} / SQ020/SH020 / Lighting"
    ) in message
    assert texts(admin, animation) == ["half"] and texts(admin, lighting) == []
    assert [n["outcome"] for n in outcome.notes] == ["posted", "not posted"]
    reliability.add(
        "faults",
        fault="502_before on the second task's comment POST",
        outcome="error: per task, 'posted' for the first, 'not posted' for the second",
        comments=1,
        seconds=round(seconds, 1),
    )


def test_when_even_the_check_fails_the_note_is_reported_unknown(
    proxy, admin, production, reliability, raised
):
    task = production.tasks["shot:Animation"]
    proxy.add_rule("reset_after", method="POST", path=POST, times=1)
    proxy.add_rule("hang", method="GET", path=COMMENTS, times=None)

    outcome, seconds = timed_publish([render(task)], {"comment": "stored, unconfirmed"})

    error = raised(outcome, "IntegrateKitsuNote")
    assert isinstance(error, PostFailed) and error.outcome == "unknown"
    assert "Look at the task in Kitsu" in str(error)  # wording is the point: what to do
    assert outcome.notes[0]["outcome"] == "unknown"
    assert texts(admin, task) == ["stored, unconfirmed"]  # never sent twice
    assert seconds < 20
    reliability.add(
        "faults",
        fault="reset_after on the POST, then the comments read hangs",
        outcome="error: 'unknown' for the task (the note was stored once)",
        comments=1,
        seconds=round(seconds, 1),
    )


# --- reads: retried when safe, bounded in time --------------------------------------------


@pytest.mark.parametrize("fault", ["502_before", "reset_after", "close_mid_response"])
def test_a_failing_read_is_retried_and_the_publish_goes_through(
    fault, proxy, admin, production, reliability
):
    task = production.tasks["shot:Animation"]
    proxy.add_rule(fault, method="GET", path=TASK_READ, times=2)

    outcome, seconds = timed_publish([render(task)], {"comment": "after retries"})

    assert outcome.errors() == []
    assert texts(admin, task) == ["after retries"]
    assert proxy.count(method="GET", path=TASK_READ) >= 4  # 2 failed + collection + fresh
    reliability.add(
        "faults",
        fault=f"{fault} on two task reads",
        outcome="posted once (the reads were retried)",
        comments=1,
        seconds=round(seconds, 1),
    )


@pytest.mark.parametrize(
    ("fault", "path"),
    [("hang", TASK_READ), ("trickle", TASK_READ), ("hang", r"/auth/login$")],
)
def test_a_silent_or_trickling_server_fails_the_publish_in_bounded_time(
    fault, path, proxy, admin, production, reliability
):
    task = production.tasks["shot:Animation"]
    proxy.add_rule(
        fault, path=path, times=None, **({"interval": 0.5} if fault == "trickle" else {})
    )

    outcome, seconds = timed_publish([render(task)], {"comment": "never"})

    errors = outcome.errors()
    assert errors, "the publish should have failed"
    assert "did not answer in time" in errors[0][1]
    assert "IntegrateKitsuNote" not in outcome.ran()
    assert texts(admin, task) == []
    assert seconds < 15  # request_timeout 3 s, step_timeout 10 s
    where = "the login" if "login" in path else "every task read"
    reliability.add(
        "faults",
        fault=f"{fault} on {where}",
        outcome=f"error in validation, {first_error(outcome)}",
        comments=0,
        seconds=round(seconds, 1),
    )


def test_a_refused_connection_fails_in_validation(proxy, admin, production, reliability):
    task = production.tasks["shot:Animation"]
    proxy.refuse(True)

    outcome, seconds = timed_publish([render(task)], {"comment": "never"})

    message = outcome.error_of("ValidateKitsuConnection")
    assert "connection refused" in message
    assert texts(admin, task) == []
    reliability.add(
        "faults",
        fault="connection refused",
        outcome=f"error in validation, {first_error(outcome)}",
        comments=0,
        seconds=round(seconds, 1),
    )


@pytest.mark.parametrize("status", [500, 503])
def test_a_server_error_is_named_as_one_with_its_status(
    status, proxy, admin, production, reliability, raised
):
    task = production.tasks["shot:Animation"]
    proxy.add_rule("status", status=status, method="GET", path=TASK_READ, times=None)

    outcome, seconds = timed_publish([render(task)], {"comment": "never"})

    error = raised(outcome, "ValidateKitsuTargets")
    assert isinstance(error, ServerFailed) and error.status == status
    message = str(error)
    assert task in message and f"HTTP {status}" in message
    assert "token" not in message
    assert texts(admin, task) == []
    reliability.add(
        "faults",
        fault=f"HTTP {status} on every task read",
        outcome=f"error in validation: server failed (HTTP {status})",
        comments=0,
        seconds=round(seconds, 1),
    )


def test_a_token_check_answered_by_a_server_error_is_not_called_a_bad_token(
    zou, proxy, admin, production, monkeypatch, reliability, raised
):
    monkeypatch.delenv("KITSU_LOGIN")
    monkeypatch.delenv("KITSU_PWD")
    monkeypatch.setenv("KITSU_TOKEN", kitsu_seed.person_token(zou.url, zou.email, zou.password))
    proxy.add_rule("status", status=502, path=r"/auth/authenticated$", times=None)

    outcome, seconds = timed_publish([render(production.tasks["shot:Animation"])], {})

    error = raised(outcome, "ValidateKitsuConnection")
    assert isinstance(error, ServerFailed) and error.status == 502
    assert not isinstance(error, AuthenticationFailed)
    message = str(error)
    assert "HTTP 502" in message
    assert "malformed" not in message and "expired" not in message
    reliability.add(
        "faults",
        fault="HTTP 502 while checking a token",
        outcome="error in validation: server failed (HTTP 502), not 'bad token'",
        comments=0,
        seconds=round(seconds, 1),
    )


# --- Zou without its Redis -----------------------------------------------------------------


def redis_port() -> int:
    return int(os.environ.get("ZOU_REDIS_PORT", "56379"))


def test_a_zou_whose_redis_is_down_fails_validation_quickly(
    zou, admin, production, monkeypatch, settings_file, reliability
):
    if shutil.which("redis-cli") is None:
        pytest.skip("redis-cli not installed")
    task = production.tasks["shot:Animation"]
    monkeypatch.setenv("KITSU_SERVER", zou.url)
    monkeypatch.setenv("KITSU_LOGIN", zou.email)
    monkeypatch.setenv("KITSU_PWD", zou.password)
    settings_file(LIMITS)
    subprocess.run(
        ["redis-cli", "-p", str(redis_port()), "shutdown", "nosave"], capture_output=True
    )
    try:
        outcome, seconds = timed_publish([render(task)], {"comment": "never"})
    finally:
        started = subprocess.run(
            ["bash", str(ROOT / "tools" / "start-zou.sh")], capture_output=True, text=True
        )
        assert started.returncode == 0, started.stdout[-2000:] + started.stderr[-2000:]

    errors = outcome.errors()
    assert errors and "IntegrateKitsuNote" not in outcome.ran()
    assert seconds < 25
    assert texts(admin, task) == []
    reliability.add(
        "faults",
        fault="Zou's Redis stopped",
        outcome=f"error in validation, {first_error(outcome)}",
        comments=0,
        seconds=round(seconds, 1),
    )
