"""Review media on Zou 1.0.97's project settings and preview states, against the real
Zou, published by a real Artist assigned to the task, through a counting proxy
(tools/fault_proxy.py).

- ``is_single_preview_per_revision``: two media on one task fail validation naming the
  setting, and nothing is posted; one medium per task goes through. With
  ``extra_media = "attach"`` the first is the one preview and the second is attached to
  the same comment.
- ``is_set_preview_automated``: ``set_thumbnail`` makes no request; Kitsu sets the
  thumbnail itself.
- A preview marked ``missing`` during the wait ends the wait with a clear report.
- A movie whose preview Kitsu deletes (HTTP 500, ``PreviewProcessingFailedException``)
  is reported and retried on a new preview slot, at most once.

What the server does at a given moment (a preview still processing, then marked
missing; a failed processing that deletes the preview's row) is done by the test, as
the admin, from a proxy hook at that very request: this Zou processes uploads within
the upload request and has no storage maintenance running.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import gazu
import kitsu_seed
import pytest
from fault_proxy import FaultProxy
from harness import Outcome, movie_file, picture_file, publish, render

pytestmark = [
    pytest.mark.zou,
    pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed"),
]

UPLOAD = r"/pictures/preview-files/[^/]+$"
ATTACHMENT = r"/comments/[^/]+/add-attachment$"
SLOT = r"/comments/[^/]+/(add-preview|preview-files/[^/]+)$"
POLL = r"/data/preview-files$"  # the wait's list read
THUMBNAIL = r"/set-main-preview$"
#: Zou's answer when a movie's processing fails in the upload request (its handler of
#: PreviewProcessingFailedException), after it deleted the preview's row.
PROCESSING_FAILED = {
    "error": True,
    "message": "Movie preview normalization failed.",
    "data": {"reason": "ffmpeg error (injected by the test)"},
}


@pytest.fixture
def pictures(tmp_path: Path) -> list[str]:
    made = [("beauty.png", "testsrc"), ("matte.png", "rgbtestsrc")]
    return [str(picture_file(tmp_path / name, pattern)) for name, pattern in made]


@pytest.fixture
def movie(tmp_path: Path) -> str:
    return str(movie_file(tmp_path / "playblast.mp4"))


@pytest.fixture
def proxied(zou, artist, monkeypatch) -> Iterator[FaultProxy]:
    """The artist publishes through a counting proxy in front of the Zou."""
    address = urlsplit(zou.url)
    with FaultProxy(address.hostname or "127.0.0.1", address.port or 80) as running:
        monkeypatch.setenv("KITSU_SERVER", running.url_for("/api"))
        yield running


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    def write(text: str) -> None:
        path = tmp_path / "kitsu.toml"
        path.write_text(text, encoding="utf-8")
        monkeypatch.setenv("KITSU_PUBLISH_SETTINGS", str(path))

    return write


def comments(admin: Any, task_id: str) -> list[dict[str, Any]]:
    """The task's comments, oldest first, each with its previews read back from Kitsu."""
    found = []
    for comment in kitsu_seed.comments(admin, task_id):
        ids = [p["id"] if isinstance(p, dict) else p for p in comment["previews"]]
        read = [gazu.files.get_preview_file(i, client=admin) for i in ids]
        found.append({**comment, "previews": read})
    return found


def writes(proxy: FaultProxy) -> list[tuple[str, str]]:
    """Every request that changes something, but logging in and out."""
    return [
        (r.method, r.path)
        for r in proxy.requests_seen()
        if r.method in ("POST", "PUT", "DELETE") and "/auth/" not in r.path
    ]


def ok(outcome: Outcome) -> None:
    assert outcome.errors() == []


# --- is_single_preview_per_revision ------------------------------------------------------


def test_two_media_on_one_task_fail_validation_naming_the_setting_and_nothing_is_posted(
    admin, production, proxied, pictures
):
    kitsu_seed.set_preview_settings(admin, production.project, single_preview_per_revision=True)
    task = production.tasks["shot:Animation"]

    outcome = publish([render(task, kitsuReview=pictures)], {"comment": "two files"})

    message = outcome.error_of("ValidateKitsuReview")
    assert message.startswith(f"{production.project} / SQ020/SH020 / Animation has 2 review")
    assert "beauty.png (instance 'renderMain', kitsuReview[0])" in message
    assert "matte.png (instance 'renderMain', kitsuReview[1])" in message
    assert "is_single_preview_per_revision" in message
    assert message.endswith("Nothing was posted to Kitsu.")
    assert "IntegrateKitsuNote" not in outcome.ran()
    assert writes(proxied) == [] and kitsu_seed.comments(admin, task) == []

    # one medium per task: the same project takes it
    other = production.tasks["shot:Lighting"]
    outcome = publish(
        [render(task, kitsuReview=pictures[:1]), render(other, kitsuReview=pictures[1:])],
        {"comment": "one file each"},
    )

    ok(outcome)
    for task_id in (task, other):
        [comment] = comments(admin, task_id)
        assert [p["status"] for p in comment["previews"]] == ["ready"]


def test_attach_makes_the_first_file_the_preview_and_attaches_the_second_to_the_comment(
    admin, production, proxied, pictures, settings, tmp_path
):
    kitsu_seed.set_preview_settings(admin, production.project, single_preview_per_revision=True)
    settings('[IntegrateKitsuReview]\nextra_media = "attach"\n')
    task = production.tasks["shot:Animation"]

    outcome = publish([render(task, kitsuReview=pictures)], {"comment": "one of each"})

    ok(outcome)
    [comment] = comments(admin, task)  # exactly one note
    assert comment["text"] == "one of each"
    [preview] = comment["previews"]
    assert (preview["original_name"], preview["extension"], preview["status"]) == (
        "beauty",
        "png",
        "ready",
    )
    [attachment] = comment["attachment_files"]
    assert attachment["name"] == "matte.png"
    copy = tmp_path / "matte-from-kitsu.png"
    path = f"data/attachment-files/{attachment['id']}/file/{attachment['name']}"
    gazu.client.download(path, str(copy), client=admin)
    assert copy.read_bytes() == Path(pictures[1]).read_bytes()
    assert proxied.count("POST", SLOT) == 1 and proxied.count("POST", UPLOAD) == 1
    assert proxied.count("POST", ATTACHMENT) == 1
    [note] = outcome.notes
    assert [(p["id"], p["status"]) for p in note["previews"]] == [(preview["id"], "ready")]
    assert note["attachments"] == ["matte.png"]
    assert note["media_attached"] == {
        "files": ["matte.png"],
        "reason": f"its Kitsu project '{production.project}' takes one preview per revision "
        "(the production setting is_single_preview_per_revision), and extra_media = 'attach'",
    }


# --- is_set_preview_automated ------------------------------------------------------------


def test_kitsu_setting_the_thumbnail_itself_means_no_thumbnail_request(
    admin, production, proxied, pictures, settings
):
    settings("[IntegrateKitsuReview]\nset_thumbnail = true\n")
    task = production.tasks["shot:Animation"]
    entity = gazu.task.get_task(task, client=admin)["entity_id"]

    def thumbnail() -> str:
        return str(gazu.client.fetch_one("entities", entity, client=admin)["preview_file_id"])

    ok(publish([render(task, kitsuReview=pictures[:1])], {"comment": "ours"}))
    assert proxied.count("PUT", THUMBNAIL) == 1  # without the setting: asked for
    first = comments(admin, task)[0]["previews"][0]["id"]
    assert thumbnail() == first

    kitsu_seed.set_preview_settings(admin, production.project, set_preview_automated=True)
    proxied.clear()
    outcome = publish([render(task, kitsuReview=pictures[1:])], {"comment": "Kitsu's"})

    ok(outcome)
    assert proxied.count("PUT", THUMBNAIL) == 0
    second = outcome.notes[0]["previews"][0]["id"]
    assert second != first and thumbnail() == second  # Kitsu set it itself
    said = [r.getMessage() for r in outcome.records if "thumbnails of project" in r.getMessage()]
    assert said == [
        f"Kitsu sets the thumbnails of project '{production.project}' itself "
        "(is_set_preview_automated): set_thumbnail makes no request there"
    ]


# --- missing -------------------------------------------------------------------------------


def test_a_preview_marked_missing_during_the_wait_ends_it_with_a_clear_report(
    admin, production, proxied, pictures
):
    """At the wait's first read the preview is still processing (as on a server with a
    job queue); at the second, Kitsu's storage maintenance has marked it missing."""
    task = production.tasks["shot:Animation"]
    polls: list[str] = []

    def server_side(method: str, path: str) -> None:
        [preview] = [p for c in comments(admin, task) for p in c["previews"]]
        polls.append(preview["id"])
        status = "processing" if len(polls) == 1 else "missing"
        kitsu_seed.set_preview_status(admin, preview["id"], status)

    proxied.add_rule("hook", method="GET", path=POLL, times=2, call=server_side)
    started = time.monotonic()

    outcome = publish([render(task, kitsuReview=pictures[:1])], {"comment": "lost"})

    elapsed = time.monotonic() - started
    message = outcome.error_of("IntegrateKitsuReview")
    assert message.startswith(
        "The notes were posted, but not all their review media: "
        f"{production.project} / SQ020/SH020 / Animation: Kitsu lost beauty.png: its preview "
        "is marked missing (the uploaded file is gone from Kitsu's storage"
    )
    assert len(polls) == 2 and proxied.count("GET", POLL) == 2  # no read after missing
    assert elapsed < 30, f"the wait took {elapsed:.0f} s"  # not the 300 s processing wait
    [comment] = comments(admin, task)
    assert comment["text"] == "lost" and [p["status"] for p in comment["previews"]] == ["missing"]
    assert [p["status"] for p in outcome.notes[0]["previews"]] == ["missing"]


# --- a preview Kitsu deletes when its processing fails --------------------------------------


def deleting(admin: Any, times: list[str]) -> Any:
    """A hook for the upload: Kitsu deletes the preview's row and answers 500."""

    def call(method: str, path: str) -> tuple[int, dict[str, Any]]:
        preview_id = path.rsplit("/", 1)[-1]
        times.append(preview_id)
        kitsu_seed.delete_preview(admin, preview_id)
        return 500, PROCESSING_FAILED

    return call


def upload_ids(proxy: FaultProxy) -> list[str]:
    return [
        r.path.rsplit("/", 1)[-1]
        for r in proxy.requests_seen()
        if r.method == "POST" and re.search(UPLOAD, r.path)
    ]


def test_a_preview_kitsu_deletes_is_said_and_retried_once_on_a_new_slot(
    admin, production, proxied, movie
):
    task = production.tasks["shot:Animation"]
    deleted: list[str] = []
    proxied.add_rule("hook", method="POST", path=UPLOAD, times=1, call=deleting(admin, deleted))

    outcome = publish([render(task, kitsuReview=[movie])], {"comment": "second try"})

    ok(outcome)
    label = f"{production.project} / SQ020/SH020 / Animation"
    said = [r.getMessage() for r in outcome.records if "deleted its preview" in r.getMessage()]
    assert said == [
        f"Kitsu could not process playblast.mp4 on {label} and deleted its preview "
        "(HTTP 500); trying once more on a new preview"
    ]
    first, second = upload_ids(proxied)
    assert deleted == [first] and second != first  # a new slot, never the old id
    assert proxied.count("POST", SLOT) == 2
    [comment] = comments(admin, task)
    assert [(p["id"], p["status"]) for p in comment["previews"]] == [(second, "ready")]
    assert [(p["id"], p["status"]) for p in outcome.notes[0]["previews"]] == [(second, "ready")]


def test_a_preview_kitsu_deletes_twice_is_reported_with_what_to_check(
    admin, production, proxied, movie
):
    task = production.tasks["shot:Animation"]
    deleted: list[str] = []
    proxied.add_rule("hook", method="POST", path=UPLOAD, times=None, call=deleting(admin, deleted))

    outcome = publish([render(task, kitsuReview=[movie])], {"comment": "no movie"})

    message = outcome.error_of("IntegrateKitsuReview")
    label = f"{production.project} / SQ020/SH020 / Animation"
    assert message.startswith(
        f"The notes were posted, but not all their review media: {label}: Kitsu could not "
        f"process playblast.mp4 on {label} and deleted its preview (HTTP 500), on both "
        "tries: check that the file plays"
    )
    assert "PreviewProcessingFailedException" in message
    assert len(deleted) == 2 and len(set(deleted)) == 2  # retried once, on a new slot
    assert upload_ids(proxied) == deleted
    [comment] = comments(admin, task)
    assert comment["text"] == "no movie" and comment["previews"] == []
    assert outcome.notes[0]["posted"] and outcome.notes[0]["previews"] == []
