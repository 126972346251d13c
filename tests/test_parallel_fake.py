"""Notes and review uploads in parallel (``[kitsu] max_parallel_requests``), through the
real plugins against the fake Kitsu (tests/fake_kitsu.py): fast.

Posts and uploads are held in flight with the fake's callable faults (a barrier, an
event), never with sleeps: which notes were in flight when one failed is arranged, so
each task's outcome is asserted exactly. tests/integration/test_parallel.py does the
same against a real Zou through a fault proxy.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest

from fake_kitsu import FakeWorld
from fake_publish import PNG, errors, product, publish
from kitsu_publish.errors import ConnectionFailed, PostFailed, ReviewFailed

WAIT = 10.0  # seconds: only reached when a test is broken


def limit(n: int) -> str:
    return f"[kitsu]\nmax_parallel_requests = {n}\n"


@pytest.fixture
def world() -> FakeWorld:
    return FakeWorld()


def shots(world: FakeWorld, count: int) -> list[str]:
    return [world.add_task("Demo", f"SQ010/SH{n:04d}", "Animation") for n in range(count)]


def hold(world: FakeWorld, operation: str, task_ids: list[str], fault: Any) -> None:
    """Give each of these tasks' next ``operation`` this (callable) fault."""
    for task_id in task_ids:
        world.faults[f"{operation}:{task_id}"] = [fault]


def together(count: int) -> Any:
    """A fault that holds each of ``count`` calls until all of them are in flight."""
    barrier = threading.Barrier(count, timeout=WAIT)

    def wait() -> None:
        barrier.wait()

    return wait


def messages(context: Any, plugin: str, level: int = logging.INFO) -> list[str]:
    return [
        record.getMessage()
        for result in context.data["results"]
        if result["plugin"].__name__ == plugin
        for record in result["records"]
        if record.levelno >= level
    ]


def test_twenty_tasks_get_one_note_each_four_at_a_time_recorded_in_publish_order(world):
    tasks = shots(world, 20)
    hold(world, "post", tasks[:4], together(4))  # four in flight at once

    context = publish(world, [product(f"r{n:02d}", t) for n, t in enumerate(tasks)])

    assert errors(context) == {}
    assert {t: len(world.comments[t]) for t in tasks} == {t: 1 for t in tasks}
    assert world.most_in_flight == 4  # the default
    notes = context.data["kitsuNotes"]
    assert [n["task"]["id"] for n in notes] == tasks  # publish order, not the order of ends
    assert all(n["outcome"] == "posted" for n in notes)
    assert [n["comment_id"] for n in notes] == [world.comments[t][0]["id"] for t in tasks]
    for instance in context:  # each instance has its own task's comment
        task = instance.data["kitsuTaskId"]
        assert instance.data["kitsuComment"]["id"] == world.comments[task][0]["id"]
    lines = messages(context, "IntegrateKitsuNote")
    assert lines[0] == "Posting 20 notes to Kitsu, up to 4 at a time"
    posted = [line for line in lines if line.startswith("Posted to Kitsu: ")]
    assert [line.rsplit(" (", 1)[1] for line in posted] == [f"{k} of 20)" for k in range(1, 21)]


def test_one_at_a_time_posts_in_publish_order_as_before(world, tmp_path):
    tasks = shots(world, 5)
    order: list[str] = []
    for task in tasks:
        world.faults[f"post:{task}"] = [lambda task=task: order.append(task)]

    context = publish(world, [product(f"r{n}", t) for n, t in enumerate(tasks)],
                      settings=limit(1), tmp_path=tmp_path)  # fmt: skip

    assert errors(context) == {}
    assert order == tasks and world.most_in_flight == 1
    lines = messages(context, "IntegrateKitsuNote")
    assert not any(line.startswith("Posting ") for line in lines)
    # each task checked and posted before the next one starts, as before parallel writes
    posting = world.calls[world.calls.index("fresh") :]
    assert [c for c in posting if c in ("preflight", "post")] == ["preflight", "post"] * 5


@pytest.mark.parametrize(
    ("fault", "outcome"),
    [(ConnectionFailed("the server went away"), "not posted"), ("unknown", "unknown")],
    ids=["not stored", "unknown"],
)
def test_a_failure_while_others_are_in_flight_lets_them_finish_and_starts_no_more(
    world, fault, outcome
):
    tasks = shots(world, 8)
    flight = threading.Barrier(4, timeout=WAIT)
    release = threading.Event()

    def held() -> None:  # tasks 0, 2 and 3: in flight when task 1 fails
        flight.wait()
        release.wait(WAIT)

    def failing() -> Any:
        flight.wait()
        threading.Timer(0.2, release.set).start()  # once the failure is surely seen
        return fault

    hold(world, "post", [tasks[0], tasks[2], tasks[3]], held)
    hold(world, "post", [tasks[1]], failing)

    context = publish(world, [product(f"r{n}", t) for n, t in enumerate(tasks)])

    failed = errors(context)["IntegrateKitsuNote"]
    assert isinstance(failed, PostFailed) and failed.outcome == outcome
    notes = context.data["kitsuNotes"]
    assert [n["task"]["id"] for n in notes] == tasks
    assert [n["outcome"] for n in notes] == ["posted", outcome, "posted", "posted"] + [
        "not posted"
    ] * 4
    assert {t: len(c) for t, c in world.comments.items()} == {
        tasks[0]: 1,
        tasks[2]: 1,
        tasks[3]: 1,
    }
    assert world.calls.count("post") == 4  # tasks 4 to 7 were never tried
    assert set(notes[4]) == {"task", "instances", "outcome", "posted"}
    message = str(failed)
    labels = [f"Demo / SQ010/SH{n:04d} / Animation" for n in range(8)]
    assert f"posted: {labels[0]}; {labels[2]}; {labels[3]} |" in message
    if outcome == "unknown":
        assert f"unknown: {labels[1]} | not posted: {'; '.join(labels[4:])}" in message
    else:
        assert f"not posted: {'; '.join(labels[1:2] + labels[4:])}" in message


def test_two_failures_in_flight_are_both_reported(world):
    tasks = shots(world, 6)
    both = threading.Barrier(2, timeout=WAIT)

    def failing() -> Exception:
        both.wait()
        return ConnectionFailed("gone")

    hold(world, "post", tasks[1:3], failing)
    context = publish(world, [product(f"r{n}", t) for n, t in enumerate(tasks)])

    failed = errors(context)["IntegrateKitsuNote"]
    assert isinstance(failed, PostFailed) and failed.outcome == "not posted"
    assert str(failed).startswith("gone; gone. Kitsu notes of this publish, ")
    outcomes = [n["outcome"] for n in context.data["kitsuNotes"]]
    assert outcomes[1:3] == ["not posted", "not posted"]
    assert all(len(world.comments.get(t, [])) == (o == "posted") for t, o in zip(tasks, outcomes))


def test_a_lost_answer_is_reconciled_for_its_task_only(world):
    tasks = shots(world, 6)
    world.faults[f"post:{tasks[2]}"] = ["lost"]
    world.faults[f"post:{tasks[4]}"] = ["lost-not-stored"]

    context = publish(world, [product(f"r{n}", t) for n, t in enumerate(tasks)])

    assert errors(context) == {}
    notes = context.data["kitsuNotes"]
    assert [(n["attempts"], n["reconciled"]) for n in notes] == [
        (1, False),
        (1, False),
        (1, True),
        (1, False),
        (2, False),
        (1, False),
    ]
    assert all(len(world.comments[t]) == 1 for t in tasks)


def test_a_dry_run_posts_nothing_and_starts_no_thread(world):
    tasks = shots(world, 5)
    context = publish(world, [product(f"r{n}", t) for n, t in enumerate(tasks)], dry_run=True)
    assert errors(context) == {} and world.comments == {}
    assert [n["outcome"] for n in context.data["kitsuNotes"]] == ["dry run"] * 5
    assert not any(line.startswith("Posting ") for line in messages(context, "IntegrateKitsuNote"))


REVIEW = "[IntegrateKitsuReview]\nenabled = true\n"


def test_ten_tasks_upload_their_files_four_at_a_time_with_progress(world, tmp_path):
    tasks = shots(world, 10)
    files = []
    for n in range(10):
        file = tmp_path / f"frame{n}.png"
        file.write_bytes(PNG * (n + 1))
        files.append(file)
    hold(world, "upload", tasks[:4], together(4))
    instances = [product(f"r{n}", t, kitsuReview=[str(files[n])]) for n, t in enumerate(tasks)]

    context = publish(world, instances, settings=REVIEW, tmp_path=tmp_path)

    assert errors(context) == {}
    assert world.most_in_flight == 4
    notes = context.data["kitsuNotes"]
    for note, file in zip(notes, files):
        (preview,) = note["previews"]
        assert (preview["path"], preview["status"]) == (str(file), "ready")
    by_comment = {p["comment_id"]: p for p in world.previews}
    assert sorted(by_comment) == sorted(n["comment_id"] for n in notes)
    lines = [
        line for line in messages(context, "IntegrateKitsuReview") if line.startswith("Uploading ")
    ]
    assert sorted(lines) == sorted(
        f"Uploading {n + 1} of 10 ({max(1, round(len(PNG) * (n + 1) / 1000))} kB): "
        f"frame{n}.png to Demo / SQ010/SH{n:04d} / Animation"
        for n in range(10)
    )


def test_a_failed_upload_stops_only_its_task_as_before(world, tmp_path):
    tasks = shots(world, 5)
    (tmp_path / "a.png").write_bytes(PNG)
    world.faults[f"upload:{tasks[1]}"] = [ConnectionFailed("the upload broke")]
    instances = [product(f"r{n}", t, kitsuReview=[str(tmp_path / "a.png")])
                 for n, t in enumerate(tasks)]  # fmt: skip

    context = publish(world, instances, settings=REVIEW, tmp_path=tmp_path)

    failed = errors(context)["IntegrateKitsuReview"]
    assert isinstance(failed, ReviewFailed)
    assert "Demo / SQ010/SH0001 / Animation: the upload broke" in str(failed)
    notes = context.data["kitsuNotes"]
    assert [len(n["previews"]) for n in notes] == [1, 0, 1, 1, 1]
    assert all(n["outcome"] == "posted" for n in notes)


def test_the_publish_command_shows_the_progress(world, mocker, capsys, tmp_path):
    import json

    from kitsu_publish import cli

    tasks = shots(world, 3)
    mocker.patch("kitsu_publish.kitsu.connect", world.connect())
    data = tmp_path / "data.json"
    data.write_text(json.dumps([product(f"r{n}", t) for n, t in enumerate(tasks)]))

    assert cli.main(["publish", "--data", str(data), "--comment", "done"]) == 0

    err = capsys.readouterr().err
    assert "IntegrateKitsuNote: Posting 3 notes to Kitsu, up to 3 at a time" in err
    for k in (1, 2, 3):
        assert f" ({k} of 3)\n" in err
