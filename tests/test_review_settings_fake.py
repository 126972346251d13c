"""Review media on every Kitsu project setting and preview state, through the real
plugins against the fake Kitsu (tests/fake_kitsu.py), fast.

The project settings are read from the project record each task carries (no request)
and acted on in validation, before anything is posted: ``is_single_preview_per_revision``
refuses a note with more than one review file (with ``extra_media = "attach"``: the
first is the preview, the others go with the note's attached files),
``is_set_preview_automated`` makes ``set_thumbnail`` send no request. Every end of
Kitsu's processing is reported: ``broken``, ``missing``, a preview deleted, one still
processing.
tests/integration/test_review_settings.py does the same against a real Zou.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyblish.api
import pytest

from fake_kitsu import FakeWorld
from fake_publish import PNG, errors, product, publish
from kitsu_publish import review
from kitsu_publish.errors import AttachmentFailed, ReviewFailed

THUMBNAIL = "[IntegrateKitsuReview]\nset_thumbnail = true\n"
ATTACH = '[IntegrateKitsuReview]\nextra_media = "attach"\n'
WHY = (
    "its Kitsu project 'Demo' takes one preview per revision (the production setting "
    "is_single_preview_per_revision), and extra_media = 'attach'"
)


@pytest.fixture
def world() -> FakeWorld:
    return FakeWorld()


@pytest.fixture
def task(world: FakeWorld) -> str:
    return world.add_task("Demo", "SQ010/SH010", "Animation")


@pytest.fixture
def files(tmp_path: Path) -> list[str]:
    made = [tmp_path / "anim_v003.png", tmp_path / "anim_v003_matte.png"]
    for file in made:
        file.write_bytes(PNG)
    return [str(f) for f in made]


def review_error(context: Any, plugin: str) -> str:
    failed = errors(context)[plugin]
    assert isinstance(failed, ReviewFailed)
    return str(failed)


def writes(world: FakeWorld) -> list[str]:
    return [c for c in world.calls if c in ("post", "upload", "set_thumbnail", "add_to_playlist")]


# --- is_single_preview_per_revision ------------------------------------------------------


def test_two_media_on_one_task_fail_validation_naming_the_setting_and_nothing_is_posted(
    world, task, files
):
    world.set_project("Demo", is_single_preview_per_revision=True)

    context = publish(world, [product("renderMain", task, kitsuReview=files)])

    message = review_error(context, "ValidateKitsuReview")
    assert message.startswith("Demo / SQ010/SH010 / Animation has 2 review files")
    assert "anim_v003.png (instance 'renderMain', kitsuReview[0])" in message
    assert "anim_v003_matte.png (instance 'renderMain', kitsuReview[1])" in message
    assert "its Kitsu project 'Demo' takes one preview per revision" in message
    assert "is_single_preview_per_revision" in message
    assert message.endswith("Nothing was posted to Kitsu.")
    assert world.comments == {} and writes(world) == []
    assert "IntegrateKitsuNote" not in [r["plugin"].__name__ for r in context.data["results"]]


def test_media_of_two_instances_of_one_task_count_together(world, task, files):
    world.set_project("Demo", is_single_preview_per_revision=True)

    context = publish(
        world,
        [
            product("beauty", task, kitsuReview=files[:1]),
            product("matte", task, kitsuReview=files[1:]),
        ],
    )

    message = review_error(context, "ValidateKitsuReview")
    assert "(instance 'beauty', kitsuReview[0])" in message
    assert "(instance 'matte', kitsuReview[0])" in message
    assert world.comments == {}


def test_a_dry_run_fails_the_same_way(world, task, files):
    world.set_project("Demo", is_single_preview_per_revision=True)

    context = publish(world, [product("renderMain", task, kitsuReview=files)], dry_run=True)

    assert "is_single_preview_per_revision" in review_error(context, "ValidateKitsuReview")


def test_one_medium_per_task_passes_and_each_note_gets_its_preview(world, task, files):
    world.set_project("Demo", is_single_preview_per_revision=True)
    other = world.add_task("Demo", "SQ010/SH020", "Animation")

    context = publish(
        world,
        [product("a", task, kitsuReview=files[:1]), product("b", other, kitsuReview=files[1:])],
    )

    assert errors(context) == {}
    notes = context.data["kitsuNotes"]
    assert [[p["status"] for p in n["previews"]] for n in notes] == [["ready"], ["ready"]]


def test_the_setting_of_another_project_does_not_apply(world, files):
    """Each task's own project decides: one project's setting does not reach another's."""
    strict = world.add_task("Strict", "SQ010/SH010", "Animation")
    world.set_project("Strict", is_single_preview_per_revision=True)
    free = world.add_task("Free", "SQ010/SH010", "Animation")

    context = publish(world, [product("a", free, kitsuReview=files)])

    assert errors(context) == {}
    assert len(context.data["kitsuNotes"][0]["previews"]) == 2
    assert strict not in world.comments


def test_no_media_means_no_check_of_the_setting(world, task):
    world.set_project("Demo", is_single_preview_per_revision=True)

    context = publish(world, [product("a", task)])

    assert errors(context) == {}
    assert len(world.comments[task]) == 1


def test_media_switched_off_are_not_checked(world, task, files, tmp_path):
    world.set_project("Demo", is_single_preview_per_revision=True)

    context = publish(
        world,
        [product("a", task, kitsuReview=files)],
        settings="[IntegrateKitsuReview]\nenabled = false\n",
        tmp_path=tmp_path,
    )

    assert errors(context) == {}
    assert world.previews == []


class _Switch(pyblish.api.ContextPlugin):
    """Production switches the setting on (or off) between validation and integration."""

    order = pyblish.api.ExtractorOrder
    world: FakeWorld
    value = True

    def process(self, context):  # no annotations: pyblish-base 1.8.1 refuses them
        self.world.set_project("Demo", is_single_preview_per_revision=self.value)


def _switching(world: FakeWorld, value: bool) -> Iterator[None]:
    _Switch.world, _Switch.value = world, value
    pyblish.api.register_plugin(_Switch)
    yield
    pyblish.api.deregister_plugin(_Switch)


@pytest.fixture
def switched_on(world: FakeWorld) -> Iterator[None]:
    yield from _switching(world, True)


@pytest.fixture
def switched_off(world: FakeWorld) -> Iterator[None]:
    yield from _switching(world, False)


@pytest.mark.usefixtures("switched_on")
def test_the_setting_switched_on_after_validation_is_named_when_kitsu_refuses(world, task, files):
    context = publish(world, [product("renderMain", task, kitsuReview=files)])

    message = review_error(context, "IntegrateKitsuReview")
    assert message.startswith("The notes were posted, but not all their review media")
    assert "Kitsu refused anim_v003_matte.png as an extra preview" in message
    assert "is_single_preview_per_revision" in message
    (note,) = context.data["kitsuNotes"]
    assert note["posted"] and [p["path"] for p in note["previews"]] == files[:1]


# --- extra_media = "attach" ---------------------------------------------------------------


def attached(world: FakeWorld, task: str) -> list[str]:
    (comment,) = world.comments[task]
    return [a["name"] for a in comment.get("attachment_files", [])]


def publish_attach(world: FakeWorld, tmp_path: Path, *instances: dict, more: str = "", **options):
    """Publish with extra_media = "attach" (and the settings ``more``, before it)."""
    return publish(world, list(instances), settings=more + ATTACH, tmp_path=tmp_path, **options)


def test_attach_makes_the_first_medium_the_preview_and_attaches_the_others_to_the_note(
    world, task, files, tmp_path, caplog
):
    world.set_project("Demo", is_single_preview_per_revision=True)
    caplog.set_level(logging.INFO)

    context = publish_attach(world, tmp_path, product("renderMain", task, kitsuReview=files))

    assert errors(context) == {}
    assert len(world.comments[task]) == 1
    assert [(p["path"], p["status"]) for p in world.previews] == [(files[0], "ready")]
    assert attached(world, task) == ["anim_v003_matte.png"]
    assert world.calls.count("post") == 1 and world.calls.count("attach") == 1
    assert world.calls.count("upload") == 1
    (note,) = context.data["kitsuNotes"]
    assert [(p["path"], p["status"]) for p in note["previews"]] == [(files[0], "ready")]
    assert note["attachments"] == ["anim_v003_matte.png"]
    assert note["media_attached"] == {"files": ["anim_v003_matte.png"], "reason": WHY}
    said = [r.getMessage() for r in caplog.records if r.name == "pyblish.ValidateKitsuReview"]
    assert said == [
        "Demo / SQ010/SH010 / Animation: 2 review file(s)",
        "Demo / SQ010/SH010 / Animation: anim_v003_matte.png attached to the note instead "
        f"of uploaded as previews: {WHY}",
    ]


def test_attached_media_go_in_the_one_request_of_the_notes_other_files_and_its_report(
    world, task, files, tmp_path
):
    world.set_project("Demo", is_single_preview_per_revision=True)
    qc = tmp_path / "qc.pdf"
    qc.write_bytes(b"%PDF-1.4 qc")
    instance = product("renderMain", task, kitsuReview=files, kitsuAttachments=[str(qc)])

    context = publish(
        world,
        [instance],
        settings="[IntegrateKitsuNote]\nattach_report = true\n\n" + ATTACH,
        tmp_path=tmp_path,
    )

    assert errors(context) == {}
    names = ["qc.pdf", "anim_v003_matte.png", "publish-report.txt"]
    assert attached(world, task) == names and world.calls.count("attach") == 1
    (comment,) = world.comments[task]
    assert "Attached: qc.pdf, anim_v003_matte.png" in world.reports[comment["id"]]
    (note,) = context.data["kitsuNotes"]
    assert note["attachments"] == names
    assert note["media_attached"]["files"] == ["anim_v003_matte.png"]


def test_attach_takes_the_media_of_every_instance_of_the_task_in_publish_order(
    world, task, files, tmp_path
):
    world.set_project("Demo", is_single_preview_per_revision=True)

    context = publish_attach(
        world,
        tmp_path,
        product("beauty", task, kitsuReview=files[:1]),
        product("matte", task, kitsuReview=files[1:]),
    )

    assert errors(context) == {}
    assert [p["path"] for p in world.previews] == files[:1]
    assert attached(world, task) == ["anim_v003_matte.png"]


def test_attach_with_one_note_per_instance_gives_each_note_its_own_media(world, task, tmp_path):
    world.set_project("Demo", is_single_preview_per_revision=True)
    made = {}
    for name in ("a1.png", "a2.png", "b1.png", "b2.png"):
        (tmp_path / name).write_bytes(PNG)
        made[name] = str(tmp_path / name)

    context = publish_attach(
        world,
        tmp_path,
        product("a", task, kitsuReview=[made["a1.png"], made["a2.png"]]),
        product("b", task, kitsuReview=[made["b1.png"], made["b2.png"]]),
        more="[IntegrateKitsuNote]\nnote_per_instance = true\n\n",
    )

    assert errors(context) == {}
    notes = context.data["kitsuNotes"]
    assert [[p["path"] for p in n["previews"]] for n in notes] == [
        [made["a1.png"]],
        [made["b1.png"]],
    ]
    assert [n["attachments"] for n in notes] == [["a2.png"], ["b2.png"]]
    by_comment = {c["id"]: c for c in world.comments[task]}
    assert [a["name"] for a in by_comment[notes[1]["comment_id"]]["attachment_files"]] == [
        "b2.png"
    ]


def test_one_note_per_instance_gets_its_own_instances_media(world, task, files, tmp_path):
    context = publish(
        world,
        [product("a", task, kitsuReview=files[:1]), product("b", task, kitsuReview=files[1:])],
        settings="[IntegrateKitsuNote]\nnote_per_instance = true\n",
        tmp_path=tmp_path,
    )

    assert errors(context) == {}
    notes = context.data["kitsuNotes"]
    assert [[p["path"] for p in n["previews"]] for n in notes] == [files[:1], files[1:]]
    assert sorted(p["comment_id"] for p in world.previews) == sorted(
        n["comment_id"] for n in notes
    )


def test_one_note_per_instance_gets_its_own_version_as_revision_and_playlist(
    world, task, files, tmp_path
):
    # until the notes planned were kept by task and instances, the second note's version
    # (the last planned on the task) was both notes' revision and playlist
    settings = (
        "[IntegrateKitsuNote]\nnote_per_instance = true\n"
        '[IntegrateKitsuReview]\nrevision = "version"\n'
        'add_to_playlist = "dailies v{{ version }}"\n'
    )
    context = publish(
        world,
        [
            product("a", task, version=3, kitsuReview=files[:1]),
            product("b", task, version=4, kitsuReview=files[1:2]),
        ],
        settings=settings,
        tmp_path=tmp_path,
    )

    assert errors(context) == {}
    notes = context.data["kitsuNotes"]
    assert [[p["revision"] for p in n["previews"]] for n in notes] == [[3], [4]]
    assert [n["playlist"] for n in notes] == ["dailies v3", "dailies v4"]
    assert world.playlists == {
        "dailies v3": [notes[0]["previews"][0]["id"]],
        "dailies v4": [notes[1]["previews"][0]["id"]],
    }


def test_attach_changes_nothing_on_a_project_without_the_setting(world, task, files, tmp_path):
    context = publish_attach(world, tmp_path, product("renderMain", task, kitsuReview=files))

    assert errors(context) == {}
    assert [p["path"] for p in world.previews] == files
    assert "attach" not in world.calls
    (note,) = context.data["kitsuNotes"]
    assert [p["status"] for p in note["previews"]] == ["ready", "ready"]
    assert "media_attached" not in note and "attachments" not in note


def test_one_medium_with_attach_is_the_preview_and_nothing_is_attached(
    world, task, files, tmp_path
):
    world.set_project("Demo", is_single_preview_per_revision=True)

    context = publish_attach(world, tmp_path, product("a", task, kitsuReview=files[:1]))

    assert errors(context) == {}
    assert [p["path"] for p in world.previews] == files[:1] and "attach" not in world.calls
    assert "media_attached" not in context.data["kitsuNotes"][0]


def test_a_missing_extra_medium_fails_validation_as_an_attachment_and_nothing_is_posted(
    world, task, files, tmp_path
):
    world.set_project("Demo", is_single_preview_per_revision=True)
    missing = str(Path(files[0]).with_name("gone.png"))

    context = publish_attach(
        world, tmp_path, product("renderMain", task, kitsuReview=[files[0], missing])
    )

    failed = errors(context)
    assert set(failed) == {"ValidateKitsuNote"}  # not also as a review file
    assert isinstance(failed["ValidateKitsuNote"], AttachmentFailed)
    assert str(failed["ValidateKitsuNote"]) == (
        "the files to attach to the note on Demo / SQ010/SH010 / Animation: instance "
        f"'renderMain', kitsuReview[1]: the attachment {missing} does not exist. "
        "Nothing was posted to Kitsu."
    )
    assert world.comments == {} and writes(world) == []


def test_a_missing_first_medium_fails_as_the_review_file_it_is(world, task, files, tmp_path):
    world.set_project("Demo", is_single_preview_per_revision=True)
    missing = str(Path(files[0]).with_name("gone.png"))

    context = publish_attach(
        world, tmp_path, product("renderMain", task, kitsuReview=[missing, files[1]])
    )

    assert set(errors(context)) == {"ValidateKitsuReview"}
    message = review_error(context, "ValidateKitsuReview")
    assert f"kitsuReview[0]: the review file {missing} does not exist" in message
    assert world.comments == {}


def test_attach_in_a_dry_run_records_what_would_be_attached_and_posts_nothing(
    world, task, files, tmp_path
):
    world.set_project("Demo", is_single_preview_per_revision=True)

    context = publish_attach(
        world, tmp_path, product("renderMain", task, kitsuReview=files), dry_run=True
    )

    assert errors(context) == {}
    assert world.comments == {} and writes(world) == [] and "attach" not in world.calls
    (note,) = context.data["kitsuNotes"]
    assert note["outcome"] == "dry run"
    assert note["media_attached"] == {"files": ["anim_v003_matte.png"], "reason": WHY}


def test_a_failed_attachment_request_names_the_medium_the_note_and_preview_stay(
    world, task, files, tmp_path
):
    world.set_project("Demo", is_single_preview_per_revision=True)
    world.faults["attach"] = ["HTTP 502"]

    context = publish_attach(world, tmp_path, product("renderMain", task, kitsuReview=files))

    failed = errors(context)
    assert set(failed) == {"IntegrateKitsuNote"}
    assert "missing anim_v003_matte.png" in str(failed["IntegrateKitsuNote"])
    assert len(world.comments[task]) == 1
    (note,) = context.data["kitsuNotes"]
    assert note["posted"] and note["attachments"] == []
    assert note["attachments_missing"] == ["anim_v003_matte.png"]
    assert [(p["path"], p["status"]) for p in note["previews"]] == [(files[0], "ready")]


def test_the_media_are_read_once_with_attach(world, task, files, tmp_path, mocker):
    world.set_project("Demo", is_single_preview_per_revision=True)
    read = mocker.spy(review, "media_of")

    context = publish_attach(world, tmp_path, product("renderMain", task, kitsuReview=files))

    assert errors(context) == {}
    assert read.call_count == 1  # by the note validator; kept for the other steps


@pytest.mark.usefixtures("switched_on")
def test_attach_follows_validation_when_the_setting_is_switched_on_after_it(
    world, task, files, tmp_path
):
    """Validation saw a project without the setting: both files are previews, as checked;
    Kitsu refuses the second, and the message names the setting."""
    context = publish_attach(world, tmp_path, product("renderMain", task, kitsuReview=files))

    message = review_error(context, "IntegrateKitsuReview")
    assert "Kitsu refused anim_v003_matte.png as an extra preview" in message
    assert "is_single_preview_per_revision" in message
    assert "attach" not in world.calls
    (note,) = context.data["kitsuNotes"]
    assert note["posted"] and [p["path"] for p in note["previews"]] == files[:1]
    assert "media_attached" not in note


@pytest.mark.usefixtures("switched_off")
def test_attach_follows_validation_when_the_setting_is_switched_off_after_it(
    world, task, files, tmp_path
):
    """Validation saw the setting: the second file is attached, as checked and said."""
    world.set_project("Demo", is_single_preview_per_revision=True)

    context = publish_attach(world, tmp_path, product("renderMain", task, kitsuReview=files))

    assert errors(context) == {}
    assert [p["path"] for p in world.previews] == files[:1]
    assert attached(world, task) == ["anim_v003_matte.png"]
    assert context.data["kitsuNotes"][0]["media_attached"]["reason"] == WHY


# --- is_set_preview_automated -------------------------------------------------------------


def test_kitsu_setting_the_thumbnail_itself_means_no_thumbnail_request(
    world, task, files, tmp_path, caplog
):
    world.set_project("Demo", is_set_preview_automated=True)
    caplog.set_level(logging.INFO)

    context = publish(
        world, [product("a", task, kitsuReview=files)], settings=THUMBNAIL, tmp_path=tmp_path
    )

    assert errors(context) == {}
    assert "set_thumbnail" not in world.calls
    (note,) = context.data["kitsuNotes"]
    assert world.thumbnails == [note["previews"][0]["id"]]  # Kitsu's own doing
    said = [r.getMessage() for r in caplog.records if "thumbnails of project" in r.getMessage()]
    assert said == [
        "Kitsu sets the thumbnails of project 'Demo' itself (is_set_preview_automated): "
        "set_thumbnail makes no request there"
    ]


def test_a_thumbnail_frame_kitsu_does_not_use_is_said_once_per_project(
    world, task, files, tmp_path, caplog
):
    world.set_project("Demo", is_set_preview_automated=True)
    other = world.add_task("Demo", "SQ010/SH020", "Animation")
    caplog.set_level(logging.INFO)

    context = publish(
        world,
        [product("a", task, kitsuReview=files[:1]), product("b", other, kitsuReview=files[1:])],
        settings=THUMBNAIL + "thumbnail_frame = 12\n",
        tmp_path=tmp_path,
    )

    assert errors(context) == {}
    assert "set_thumbnail" not in world.calls and len(world.thumbnails) == 2
    said = [r.getMessage() for r in caplog.records if "thumbnails of project" in r.getMessage()]
    assert len(said) == 1 and said[0].endswith("and thumbnail_frame is not used")


def test_without_the_setting_the_thumbnail_is_set_as_asked(world, task, files, tmp_path):
    context = publish(
        world, [product("a", task, kitsuReview=files)], settings=THUMBNAIL, tmp_path=tmp_path
    )

    assert errors(context) == {}
    assert world.calls.count("set_thumbnail") == 1
    assert world.thumbnails == [context.data["kitsuNotes"][0]["previews"][0]["id"]]


# --- every end of Kitsu's processing ------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "said"),
    [
        ("missing", "Kitsu lost anim_v003.png: its preview is marked missing"),
        ("broken", "Kitsu could not process anim_v003.png (preview broken"),
        (review.DELETED, "Kitsu deleted the preview of anim_v003.png while processing it"),
        ("processing", "Kitsu is still processing anim_v003.png after 300 s"),
    ],
)
def test_a_preview_that_does_not_end_ready_is_reported_with_its_task_after_the_note(
    world, task, files, tmp_path, status, said
):
    world.preview_status = status

    context = publish(
        world,
        [product("a", task, kitsuReview=files[:1])],
        settings=THUMBNAIL + 'add_to_playlist = "dailies"\n',
        tmp_path=tmp_path,
    )

    message = review_error(context, "IntegrateKitsuReview")
    assert message.startswith(
        f"The notes were posted, but not all their review media: "
        f"Demo / SQ010/SH010 / Animation: {said}"
    )
    (note,) = context.data["kitsuNotes"]
    assert note["posted"] and [p["status"] for p in note["previews"]] == [status]
    assert world.thumbnails == [] and world.playlists == {}  # only for a ready preview


def test_one_missing_preview_among_ready_ones_is_the_only_one_reported(world, task, files):
    world.processed = {"anim_v003_matte.png": "missing"}

    context = publish(world, [product("a", task, kitsuReview=files)])

    message = review_error(context, "IntegrateKitsuReview")
    assert "Animation: Kitsu lost anim_v003_matte.png" in message
    assert "anim_v003.png:" not in message
    (note,) = context.data["kitsuNotes"]
    assert [p["status"] for p in note["previews"]] == ["ready", "missing"]


def test_an_upload_kitsu_deleted_twice_is_reported_with_what_to_check(world, task, files):
    said = review.deleted_by_kitsu(
        "anim_v003.png", "Demo / SQ010/SH010 / Animation", 500, twice=True
    )
    world.faults["upload"] = [ReviewFailed(said)]

    context = publish(world, [product("a", task, kitsuReview=files[:1])])

    message = review_error(context, "IntegrateKitsuReview")
    assert said in message and "on both tries" in message
    (note,) = context.data["kitsuNotes"]
    assert note["posted"] and note["previews"] == []
