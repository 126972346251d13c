"""Review media on the note, as one unit with it, against the real Zou (with ffmpeg).

Pictures and movies are made by each test with ffmpeg (nothing is committed), put on
instances as a DCC collector does (representations tagged ``kitsureview``, or
``kitsuReview`` paths), published through the real plugins, and read back through gazu.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import gazu
import kitsu_seed
import pytest
from harness import Outcome, ffmpeg, movie_file, picture_file, publish, render

pytestmark = [
    pytest.mark.zou,
    pytest.mark.usefixtures("kitsu_env"),
    pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed"),
]


@pytest.fixture
def picture(tmp_path: Path) -> Path:
    return picture_file(tmp_path / "frame.png")


@pytest.fixture
def movie(tmp_path: Path) -> Path:
    return movie_file(tmp_path / "playblast.mp4")


def tagged(path: Path, name: str = "review") -> dict[str, Any]:
    return {
        "name": name,
        "ext": path.suffix[1:],
        "tags": ["kitsureview"],
        "published_path": str(path),
    }


def previews_of(admin: Any, task_id: str) -> list[list[dict[str, Any]]]:
    """Per comment of the task (oldest first), its previews as read back from Kitsu."""
    found = []
    for comment in kitsu_seed.comments(admin, task_id):
        ids = [p["id"] if isinstance(p, dict) else p for p in comment["previews"]]
        read = [gazu.files.get_preview_file(i, client=admin) for i in ids]
        found.append(sorted(read, key=lambda p: (p["revision"], p.get("position") or 0)))
    return found


def ok(outcome: Outcome) -> None:
    assert outcome.errors() == []


def test_a_picture_and_a_movie_become_the_previews_of_the_posted_comment(
    admin, production, picture, movie
):
    task = production.tasks["shot:Animation"]
    instance = render(task, representations=[tagged(picture, "png"), tagged(movie, "mov")])

    outcome = publish([instance], {"comment": "with media"})

    ok(outcome)
    [comment_previews] = previews_of(admin, task)
    assert [p["extension"] for p in comment_previews] == ["png", "mp4"]
    assert {p["status"] for p in comment_previews} == {"ready"}
    assert len({p["revision"] for p in comment_previews}) == 1  # one revision, an extra
    recorded = outcome.notes[0]["previews"]
    assert [r["status"] for r in recorded] == ["ready", "ready"]
    assert [r["path"] for r in recorded] == [str(picture), str(movie)]


def test_two_instances_of_one_task_give_one_comment_with_two_previews(
    admin, production, picture, tmp_path
):
    task = production.tasks["shot:Lighting"]
    second = tmp_path / "second.png"
    shutil.copy(picture, second)

    outcome = publish(
        [
            render(task, name="beauty", kitsuReview=[str(picture)]),
            render(task, name="matte", productType="render", kitsuReview=[str(second)]),
        ],
        {"comment": "two passes"},
    )

    ok(outcome)
    assert [c["text"] for c in kitsu_seed.comments(admin, task)] == ["two passes"]
    [comment_previews] = previews_of(admin, task)
    assert len(comment_previews) == 2


def test_set_thumbnail_makes_the_preview_the_entitys_thumbnail(
    admin, production, picture, settings_file
):
    settings_file("[IntegrateKitsuReview]\nset_thumbnail = true\n")
    task = production.tasks["shot:Animation"]

    outcome = publish([render(task, kitsuReview=[str(picture)])], {"comment": "thumb"})

    ok(outcome)
    entity = gazu.task.get_task(task, client=admin)["entity"]
    shot = gazu.shot.get_shot(entity["id"], client=admin)
    assert shot["preview_file_id"] == outcome.notes[0]["previews"][0]["id"]


def test_revision_version_that_already_exists_fails_in_validation(
    admin, production, picture, settings_file
):
    settings_file("[IntegrateKitsuReview]\nrevision = 'version'\n")
    task = production.tasks["shot:Animation"]
    ok(publish([render(task, version=3, kitsuReview=[str(picture)])], {"comment": "v3"}))
    assert [p["revision"] for p in previews_of(admin, task)[0]] == [3]

    outcome = publish(
        [render(task, version=3, kitsuReview=[str(picture)])], {"comment": "v3 again"}
    )

    message = outcome.error_of("ValidateKitsuReview")
    assert "already has a preview revision 3" in message
    assert "IntegrateKitsuNote" not in outcome.ran()
    assert [c["text"] for c in kitsu_seed.comments(admin, task)] == ["v3"]


def test_a_movie_kitsu_cannot_process_is_reported_with_its_task(admin, production, tmp_path):
    """Bytes that are no movie: any Kitsu fails to process them and marks the preview broken."""
    broken = tmp_path / "playblast_damaged.mp4"
    broken.write_bytes(b"\x00 not a movie \x00" * 64)
    task = production.tasks["shot:Animation"]

    outcome = publish([render(task, kitsuReview=[str(broken)])], {"comment": "damaged"})

    assert [p["status"] for p in previews_of(admin, task)[0]] == ["broken"]  # Kitsu's side
    message = outcome.error_of("IntegrateKitsuReview")
    assert "could not process playblast_damaged.mp4" in message
    assert f"{production.project} / SQ020/SH020 / Animation" in message
    # wording is the point: the artist reads that the note itself is there
    assert "The notes were posted, but not all their review media" in message
    assert [c["text"] for c in kitsu_seed.comments(admin, task)] == ["damaged"]
    assert outcome.notes[0]["previews"][0]["status"] == "broken"


def test_a_movie_without_audio_is_reported_as_kitsu_processed_it(admin, production, tmp_path):
    """No audio track and B-frames: Zou 1.0.97 with Debian's ffmpeg breaks such a clip,
    other Kitsu servers process it. Either way the note is posted once, and the publish
    reports exactly what Kitsu made of the movie: an error when it is broken, none when
    it is ready."""
    clip = tmp_path / "playblast_no_audio.mp4"
    ffmpeg(
        "-f", "lavfi", "-i", "testsrc=size=64x64:rate=24", "-t", "1", "-c:v", "libx264",
        "-pix_fmt", "yuv420p", str(clip),
    )  # fmt: skip
    task = production.tasks["shot:Animation"]

    outcome = publish([render(task, kitsuReview=[str(clip)])], {"comment": "no audio"})

    in_kitsu = [p["status"] for p in previews_of(admin, task)[0]]
    assert in_kitsu in (["ready"], ["broken"])
    assert [p["status"] for p in outcome.notes[0]["previews"]] == in_kitsu
    assert [c["text"] for c in kitsu_seed.comments(admin, task)] == ["no audio"]
    assert kitsu_seed.status(admin, task) == "wfa"
    if in_kitsu == ["broken"]:
        assert [plugin for plugin, _ in outcome.errors()] == ["IntegrateKitsuReview"]
        assert "could not process playblast_no_audio.mp4" in outcome.error_of(
            "IntegrateKitsuReview"
        )
    else:
        ok(outcome)


def test_add_to_playlist_puts_the_preview_in_the_named_playlist(
    admin, production, picture, settings_file
):
    settings_file("[IntegrateKitsuReview]\nadd_to_playlist = '{{ task_type }} dailies'\n")
    task = production.tasks["shot:Animation"]

    outcome = publish([render(task, kitsuReview=[str(picture)])], {"comment": "daily"})

    ok(outcome)
    assert outcome.notes[0]["playlist"] == "Animation dailies"
    project = gazu.project.get_project_by_name(production.project, client=admin)
    playlist = gazu.playlist.get_playlist_by_name(project, "Animation dailies", client=admin)
    assert playlist is not None
    full = gazu.playlist.get_playlist(playlist["id"], client=admin)
    preview_id = outcome.notes[0]["previews"][0]["id"]
    assert [s.get("preview_file_id") for s in full["shots"]] == [preview_id]


def test_a_missing_file_fails_in_validation_and_nothing_is_posted(admin, production, tmp_path):
    task = production.tasks["shot:Animation"]
    missing = tmp_path / "never_rendered.mov"

    outcome = publish([render(task, representations=[tagged(missing)])], {"comment": "c"})

    message = outcome.error_of("ValidateKitsuReview")
    assert f"the review file {missing} does not exist" in message
    assert "instance 'renderMain', representation 'review'" in message
    assert kitsu_seed.comments(admin, task) == []


@pytest.fixture
def proxied(zou, monkeypatch):
    from urllib.parse import urlsplit

    from fault_proxy import FaultProxy

    address = urlsplit(zou.url)
    with FaultProxy(address.hostname, address.port) as running:
        monkeypatch.setenv("KITSU_SERVER", running.url_for("/api"))
        yield running


UPLOAD = r"/pictures/preview-files/[^/]+$"


def test_a_failed_upload_is_retried_on_a_new_preview_slot(admin, production, picture, proxied):
    task = production.tasks["shot:Animation"]
    proxied.add_rule("502_before", method="POST", path=UPLOAD, times=1)

    outcome = publish([render(task, kitsuReview=[str(picture)])], {"comment": "second try"})

    ok(outcome)
    assert proxied.count(method="POST", path=UPLOAD) == 2
    [comment_previews] = previews_of(admin, task)
    assert [p["status"] for p in comment_previews] == ["ready"]


def test_an_upload_failing_twice_says_which_note_lacks_its_media(
    admin, production, picture, proxied
):
    task = production.tasks["shot:Animation"]
    proxied.add_rule("502_before", method="POST", path=UPLOAD, times=None)

    outcome = publish([render(task, kitsuReview=[str(picture)])], {"comment": "no media"})

    message = outcome.error_of("IntegrateKitsuReview")
    assert "The notes were posted, but not all their review media" in message
    assert f"{production.project} / SQ020/SH020 / Animation" in message
    assert "Attach the missing files by hand" in message
    assert [c["text"] for c in kitsu_seed.comments(admin, task)] == ["no media"]
    assert previews_of(admin, task) == [[]]
