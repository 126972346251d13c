"""Parallel writes against the real Zou (``[kitsu] max_parallel_requests``, default 4).

A real artist (role Artist, in the team, assigned) publishes through the real plugins
and a ``tools/fault_proxy.py`` proxy, whose log says how many writes were in flight at
once and what each task's requests were. What the tests pin: every task gets exactly
one note; when one task's POST fails (before or after the proxy forwarded it) while
others are in flight, those finish, no new one starts, and ``kitsuNotes`` says for each
task exactly what Kitsu holds; review files go up in parallel, each note with exactly
one ready preview. Counts and outcomes only, never times: the benchmark
(``benchmarks/publish_bench.py``) times it.
"""

from __future__ import annotations

import re
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import gazu
import kitsu_seed
import pytest
from fault_proxy import FaultProxy, RequestRecord
from harness import Outcome, movie_file, picture_file, publish, render

from kitsu_publish.errors import PostFailed

pytestmark = pytest.mark.zou

POST = r"/actions/tasks/[^/]+/comment$"
UPLOAD = r"/pictures/preview-files/[^/]+$"


def post_of(task_id: str) -> str:
    return f"/actions/tasks/{task_id}/comment$"


@dataclass
class Shots:
    """A fresh project with one Animation task per shot, and its artist."""

    project: str
    tasks: list[str]
    labels: list[str]  # as messages name the tasks
    artist: kitsu_seed.Person


@pytest.fixture
def seed_shots(admin: Any) -> Iterator[Any]:
    """``seed_shots(n)``: a project with n shots (SQ010/SH0000...), an Animation task on
    each, and an artist assigned to them all (retired after the test)."""
    artists: list[str] = []

    def seed(count: int) -> Shots:
        name = f"Parallel {uuid.uuid4().hex[:8]}"
        project = gazu.project.new_project(name, production_type="short", client=admin)
        animation = next(
            t
            for t in gazu.task.all_task_types(client=admin)
            if t["name"] == "Animation" and t.get("for_entity", "Shot") == "Shot"
        )
        todo = gazu.task.get_default_task_status(client=admin)
        sequence = gazu.shot.new_sequence(project, "SQ010", client=admin)
        tasks, labels = [], []
        for n in range(count):
            shot = gazu.shot.new_shot(project, sequence, f"SH{n:04d}", client=admin)
            task = gazu.task.new_task(shot, animation, task_status=todo, client=admin)
            tasks.append(task["id"])
            labels.append(f"{name} / SQ010/SH{n:04d} / Animation")
        artist = kitsu_seed.new_person(admin, "user", project=project, assign=tasks)
        artists.append(artist.id)
        return Shots(name, tasks, labels, artist)

    yield seed
    for person in artists:
        kitsu_seed.retire(admin, person)


@pytest.fixture
def proxy(zou: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultProxy]:
    address = urlsplit(zou.url)
    with FaultProxy(address.hostname, address.port) as running:
        monkeypatch.setenv("KITSU_SERVER", running.url_for("/api"))
        yield running


def as_artist(shots: Shots, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KITSU_LOGIN", shots.artist.email)
    monkeypatch.setenv("KITSU_PWD", shots.artist.password)


def most_at_once(records: list[RequestRecord]) -> int:
    """The most of these requests the proxy held at the same time."""
    edges = sorted(
        [(r.start, 1) for r in records] + [(r.end if r.end is not None else r.start, -1)
                                           for r in records],
        key=lambda edge: (edge[0], edge[1]),
    )  # fmt: skip
    now = most = 0
    for _, step in edges:
        now += step
        most = max(most, now)
    return most


def seen(proxy: FaultProxy, method: str, path: str) -> list[RequestRecord]:
    regex = re.compile(path)
    return [r for r in proxy.requests_seen() if r.method == method and regex.search(r.path)]


def texts(admin: Any, task_id: str) -> list[str]:
    return [c["text"] for c in kitsu_seed.comments(admin, task_id)]


def info_lines(outcome: Outcome, prefix: str) -> list[str]:
    return [r.getMessage() for r in outcome.records if r.getMessage().startswith(prefix)]


def test_twenty_tasks_posted_in_parallel_get_one_note_each(admin, seed_shots, proxy, monkeypatch):
    shots = seed_shots(20)
    as_artist(shots, monkeypatch)
    proxy.set_latency(0.05)  # a 100 ms round trip: the POSTs surely overlap
    instances = [render(task, name=f"render{n:02d}") for n, task in enumerate(shots.tasks)]

    outcome = publish(instances, {"comment": "twenty at once"})

    assert outcome.errors() == []
    assert {t: texts(admin, t) for t in shots.tasks} == {
        t: ["twenty at once"] for t in shots.tasks
    }
    assert {kitsu_seed.status(admin, t) for t in shots.tasks} == {"wfa"}
    posts = seen(proxy, "POST", POST)
    assert len(posts) == 20 and most_at_once(posts) == 4  # the default limit, reached
    notes = outcome.notes
    assert [n["task"]["id"] for n in notes] == shots.tasks  # publish order
    assert [(n["outcome"], n["attempts"], n["reconciled"]) for n in notes] == [
        ("posted", 1, False)
    ] * 20
    stored = {t: kitsu_seed.comments(admin, t)[0]["id"] for t in shots.tasks}
    assert [n["comment_id"] for n in notes] == [stored[t] for t in shots.tasks]
    assert info_lines(outcome, "Posting ") == ["Posting 20 notes to Kitsu, up to 4 at a time"]
    progress = [line.rsplit(" (", 1)[1] for line in info_lines(outcome, "Posted to Kitsu: ")]
    assert progress == [f"{k} of 20)" for k in range(1, 21)]


@pytest.mark.parametrize("where", ["before", "after"])
def test_one_tasks_post_failing_while_others_are_in_flight_is_reported_exactly(
    where, admin, seed_shots, proxy, monkeypatch, raised, reliability
):
    """Task 1's POST fails: before forwarding (502_before, each time: not stored, sent
    once more, not stored) or after (502_after: stored, and reading the task's comments
    fails too: unknown). Tasks 0, 2 and 3 are in flight meanwhile (their POSTs held 1 s
    each way by the proxy): they finish; tasks 4 to 7 never start."""
    shots = seed_shots(8)
    as_artist(shots, monkeypatch)
    failing = shots.tasks[1]
    if where == "before":
        proxy.add_rule("502_before", method="POST", path=post_of(failing), times=None)
    else:
        proxy.add_rule("502_after", method="POST", path=post_of(failing), times=None)
        comments = f"/data/tasks/{failing}/comments$"
        proxy.add_rule("status", status=500, method="GET", path=comments, times=None)
    proxy.add_rule("delay", method="POST", path=POST, times=None, seconds=1.0)
    instances = [render(task, name=f"render{n}") for n, task in enumerate(shots.tasks)]

    started = time.monotonic()
    outcome = publish(instances, {"comment": "one fails"})
    seconds = time.monotonic() - started

    error = raised(outcome, "IntegrateKitsuNote")
    expected = "not posted" if where == "before" else "unknown"
    assert isinstance(error, PostFailed) and error.outcome == expected
    notes = outcome.notes
    assert [n["task"]["id"] for n in notes] == shots.tasks
    assert [n["outcome"] for n in notes] == ["posted", expected, "posted", "posted"] + [
        "not posted"
    ] * 4
    # exactly what Kitsu holds: one note where posted, and the lost one stored once
    stored = {t: len(texts(admin, t)) for t in shots.tasks}
    assert stored == {
        t: int(n in (0, 2, 3) or (n == 1 and where == "after")) for n, t in enumerate(shots.tasks)
    }
    posts = {t: len(seen(proxy, "POST", post_of(t))) for t in shots.tasks}
    assert posts == {
        t: (2 if where == "before" else 1) if n == 1 else int(n < 4)
        for n, t in enumerate(shots.tasks)
    }
    # tasks 0, 2 and 3 were still being posted when task 1 had failed
    failed_at = max(r.end or r.start for r in seen(proxy, "POST", post_of(failing)))
    for n in (0, 2, 3):
        [post] = seen(proxy, "POST", post_of(shots.tasks[n]))
        assert post.start < failed_at < (post.end or 0)
    message = str(error)
    labels = shots.labels
    assert f"posted: {labels[0]}; {labels[2]}; {labels[3]} | " in message
    if where == "before":
        assert f"not posted: {'; '.join(labels[1:2] + labels[4:])}" in message
    else:
        assert f"unknown: {labels[1]} | not posted: {'; '.join(labels[4:])}" in message
        assert "Look at the task in Kitsu" in message
    fault = (
        "502_before on one task's POSTs"
        if where == "before"
        else "502_after on one task's POST, then its comments read fails (HTTP 500)"
    )
    reliability.add(
        "faults",
        fault=f"{fault}, 8 tasks posted 4 at a time, 3 others in flight",
        outcome=f"error: '{expected}' for that task, 'posted' for the 3 in flight, 'not "
        "posted' for the 4 never started",
        comments=3 if where == "before" else 4,
        seconds=round(seconds, 1),
    )


def test_every_post_refused_in_parallel_each_task_is_tried_twice_and_not_posted(
    admin, seed_shots, proxy, monkeypatch, raised, reliability
):
    shots = seed_shots(2)
    as_artist(shots, monkeypatch)
    proxy.add_rule("502_before", method="POST", path=POST, times=None)

    started = time.monotonic()
    outcome = publish([render(t, name=f"r{n}") for n, t in enumerate(shots.tasks)], {})
    seconds = time.monotonic() - started

    error = raised(outcome, "IntegrateKitsuNote")
    assert isinstance(error, PostFailed) and error.outcome == "not posted"
    assert [n["outcome"] for n in outcome.notes] == ["not posted", "not posted"]
    # both were in flight: each its own POST, its check, and its one more POST
    assert [len(seen(proxy, "POST", post_of(t))) for t in shots.tasks] == [2, 2]
    assert [texts(admin, t) for t in shots.tasks] == [[], []]
    reliability.add(
        "faults",
        fault="502_before on every comment POST (two tasks, posted at once)",
        outcome="error: per task 'not posted', each sent twice; nothing stored",
        comments=0,
        seconds=round(seconds, 1),
    )


READS = ("/data/tasks/[^/]+/full$", "/data/tasks$", "/data/user/context$")  # (no query)


@pytest.mark.parametrize("limit", [1, 4])
def test_collection_reads_what_does_not_wait_together_up_to_the_limit(
    admin, seed_shots, proxy, monkeypatch, settings_file, limit
):
    """The first task, the other tasks and the person's context do not wait for each
    other: read at once with the default, one after another with 1 (as before)."""
    shots = seed_shots(3)
    as_artist(shots, monkeypatch)
    settings_file(f"[kitsu]\nmax_parallel_requests = {limit}\n")
    proxy.set_latency(0.05)  # a 100 ms round trip: reads sent together surely overlap
    instances = [render(task, name=f"render{n}") for n, task in enumerate(shots.tasks)]

    outcome = publish(instances, {"comment": f"read {limit} at a time"})

    assert outcome.errors() == []
    assert [texts(admin, t) for t in shots.tasks] == [[f"read {limit} at a time"]] * 3
    first_post = min(r.start for r in seen(proxy, "POST", POST))
    reads = [r for r in proxy.requests_seen() if r.method == "GET" and r.start < first_post]
    first = [next(r for r in reads if re.search(path, r.path)) for path in READS]
    assert most_at_once(first) == (3 if limit > 1 else 1)
    # what the tasks refer to waits for them; the fresh read comes last, alone
    later = [r for r in reads if r not in first]
    assert [r.path for r in later] == ["/api/data/entities", "/api/data/tasks"]
    assert all(r.start >= max(f.end for f in first) for r in later)
    assert [n["task"]["entity"] for n in outcome.notes] == [
        "SQ010/SH0000", "SQ010/SH0001", "SQ010/SH0002"
    ]  # fmt: skip


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")
def test_ten_tasks_with_parallel_uploads_get_one_note_and_one_ready_preview_each(
    admin, seed_shots, proxy, monkeypatch, tmp_path
):
    shots = seed_shots(10)
    as_artist(shots, monkeypatch)
    proxy.set_latency(0.05)
    # pictures, each its own, and two 1 s movies Kitsu processes
    files = [
        movie_file(tmp_path / f"clip{n}.mp4")
        if n in (3, 7)
        else picture_file(tmp_path / f"frame{n}.png")
        for n in range(10)
    ]
    instances = [
        render(task, name=f"render{n}", kitsuReview=[str(files[n])])
        for n, task in enumerate(shots.tasks)
    ]

    outcome = publish(instances, {"comment": "with a picture"})

    assert outcome.errors() == []
    uploads = seen(proxy, "POST", UPLOAD)
    assert len(uploads) == 10 and 2 <= most_at_once(uploads) <= 4
    for task, note, path in zip(shots.tasks, outcome.notes, files):
        [comment] = kitsu_seed.comments(admin, task)
        assert comment["text"] == "with a picture" and note["comment_id"] == comment["id"]
        [preview] = [gazu.files.get_preview_file(p["id"] if isinstance(p, dict) else p,
                                                 client=admin)
                     for p in comment["previews"]]  # fmt: skip
        assert (preview["status"], preview["task_id"]) == ("ready", task)
        assert note["previews"] == [
            {"id": preview["id"], "path": str(path), "revision": 1, "status": "ready"}
        ]
    uploading = info_lines(outcome, "Uploading ")
    assert sorted(int(line.split()[1]) for line in uploading) == list(range(1, 11))
    assert all(re.search(r" of 10 \(\d+ kB\): (frame|clip)\d", line) for line in uploading)


def test_most_at_once_counts_the_requests_the_proxy_held_together() -> None:
    """(No server: the helper above counts overlaps as the tests mean them.)"""
    records = [
        RequestRecord("POST", "/a", 201, 0.0, 2.0),
        RequestRecord("POST", "/b", 201, 1.0, 3.0),
        RequestRecord("POST", "/c", 201, 2.0, 4.0),  # starts as /a ends: not at once
        RequestRecord("POST", "/d", None, 2.5, None),  # no answer: a moment only
    ]
    assert most_at_once(records) == 2
