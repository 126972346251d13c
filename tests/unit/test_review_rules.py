"""The Kitsu project settings that change what review media may do, and what each end of
Kitsu's processing means (kitsu_publish.review): pure, no server.

Zou 1.0.97: a project's ``is_single_preview_per_revision`` makes Kitsu refuse a second
preview on one revision; ``is_set_preview_automated`` makes Kitsu set the entity's
thumbnail itself. A preview file's status is ``processing``, ``ready``, ``broken`` or
``missing``; a movie whose processing fails may have its preview row deleted.
"""

from __future__ import annotations

from typing import Any

import pytest

from kitsu_publish import plan, review
from kitsu_publish.model import Member, NoteRecord, TaskInfo
from kitsu_publish.review import Medium, ProjectRules, Split, project_rules, split, too_many_media
from kitsu_publish.settings import Settings

LABEL = "Demo / SQ010/SH010 / Animation"


def task(**project: Any) -> dict[str, Any]:
    """A task's data in the tasks/<id>/full shape, with only what matters here."""
    return {"id": "t1", "project": {"id": "p1", "name": "Demo", **project}}


def medium(path: str, instance: str = "renderMain", source: str = "kitsuReview[0]") -> Medium:
    return Medium(path, instance, source)


# --- the project's rules, read from the record the task carries ------------------------


def test_a_new_project_has_both_rules_off():
    rules = project_rules(
        task(is_single_preview_per_revision=False, is_set_preview_automated=False)
    )
    assert rules == ProjectRules("Demo", False, False)


def test_each_rule_is_read_from_its_own_setting():
    assert project_rules(task(is_single_preview_per_revision=True)) == ProjectRules(
        "Demo", single_preview_per_revision=True
    )
    assert project_rules(task(is_set_preview_automated=True)) == ProjectRules(
        "Demo", preview_automated=True
    )


def test_a_kitsu_without_the_settings_has_them_off():
    """A Kitsu older than the settings: its project records do not have the keys."""
    assert project_rules(task()) == ProjectRules("Demo")


@pytest.mark.parametrize("data", [{}, {"project": None}, {"project": "Demo"}])
def test_a_task_without_a_project_record_has_no_rule(data):
    assert project_rules(data) == ProjectRules()


@pytest.mark.parametrize("value", ["true", 1, "yes", None, [True]])
def test_only_a_json_true_switches_a_rule_on(value):
    rules = project_rules(
        task(is_single_preview_per_revision=value, is_set_preview_automated=value)
    )
    assert (rules.single_preview_per_revision, rules.preview_automated) == (False, False)


# --- one preview per revision ---------------------------------------------------------


ONE_PER_REVISION = ProjectRules("Demo", single_preview_per_revision=True)


def test_more_than_one_medium_is_refused_naming_the_setting_the_files_and_the_task():
    media = [
        medium("/r/anim_v003.mov", "renderMain", "representation 'mov'"),
        medium("/r/anim_v003.png", "renderMain", "kitsuReview[0]"),
    ]

    problem = too_many_media(media, ONE_PER_REVISION, LABEL)

    assert problem is not None
    assert problem.startswith(f"{LABEL} has 2 review files (anim_v003.mov (instance ")
    assert "anim_v003.mov (instance 'renderMain', representation 'mov')" in problem
    assert "anim_v003.png (instance 'renderMain', kitsuReview[0])" in problem
    assert "its Kitsu project 'Demo' takes one preview per revision" in problem
    assert "is_single_preview_per_revision" in problem
    assert "Kitsu would refuse all but the first after the note is posted" in problem
    assert problem.endswith(
        "Publish one review file for this task, ask your TD to set extra_media = 'attach' "
        "in [IntegrateKitsuReview] (the first file is then the preview and the others are "
        "attached to the note), or ask your production manager to switch "
        "is_single_preview_per_revision off in the production's settings"
    )


def test_one_medium_fits_a_project_of_one_preview_per_revision():
    assert too_many_media([medium("/r/a.mov")], ONE_PER_REVISION, LABEL) is None


def test_any_number_of_media_fit_a_project_without_the_setting():
    media = [medium(f"/r/{n}.png") for n in range(3)]
    assert too_many_media(media, ProjectRules("Demo"), LABEL) is None
    assert too_many_media(media, ProjectRules("Demo", preview_automated=True), LABEL) is None


def test_a_refused_extra_preview_names_the_file_the_task_and_the_setting():
    message = review.single_preview_refused("matte.png", LABEL)
    assert message == (
        f"Kitsu refused matte.png as an extra preview on {LABEL}: its Kitsu project takes "
        "one preview per revision (the production setting is_single_preview_per_revision)"
    )


# --- extra_media = "attach": the first a preview, the others attached ------------------

WHY = (
    "its Kitsu project 'Demo' takes one preview per revision (the production setting "
    "is_single_preview_per_revision), and extra_media = 'attach'"
)
THREE = [medium("/r/a.mov"), medium("/r/b.png", source="kitsuReview[1]"), medium("/r/c.png")]


def test_attach_on_a_project_of_one_preview_per_revision_attaches_all_but_the_first():
    assert split(THREE, ONE_PER_REVISION, "attach") == Split(
        (THREE[0],), (THREE[1], THREE[2]), WHY
    )


def test_the_reason_names_the_project_the_setting_and_the_choice():
    assert split(THREE[:2], ProjectRules("", True), "attach").reason == (
        "its Kitsu project takes one preview per revision (the production setting "
        "is_single_preview_per_revision), and extra_media = 'attach'"
    )


@pytest.mark.parametrize(
    ("rules", "choice"),
    [
        (ProjectRules("Demo"), "attach"),  # a project without the setting: all previews
        (ProjectRules("Demo", preview_automated=True), "attach"),
        (ONE_PER_REVISION, "fail"),  # all previews, and too_many_media refuses them
    ],
)
def test_otherwise_every_medium_is_a_preview(rules, choice):
    assert split(THREE, rules, choice) == Split(tuple(THREE))


@pytest.mark.parametrize("count", [0, 1])
def test_one_medium_or_none_is_never_attached(count):
    assert split(THREE[:count], ONE_PER_REVISION, "attach") == Split(tuple(THREE[:count]))


def test_the_previews_left_fit_the_project():
    media = split(THREE, ONE_PER_REVISION, "attach")
    assert too_many_media(media.previews, ONE_PER_REVISION, LABEL) is None
    assert too_many_media(split(THREE, ONE_PER_REVISION, "fail").previews, ONE_PER_REVISION, LABEL)


def member(name: str, farm: bool = False, **data: Any) -> Member:
    return Member(name, "render", 3, "", data, farm)


def test_a_notes_media_are_its_local_instances_in_publish_order():
    members = [
        member("a", kitsuReview=["/r/a.mov", "/r/a.png"]),
        member("farmed", farm=True, kitsuReview=["/r/f.mov"]),  # its farm job uploads it
        member("b", kitsuReview="/r/b.png"),
    ]
    assert [(m.path, m.instance, m.source) for m in review.note_media(members)] == [
        ("/r/a.mov", "a", "kitsuReview[0]"),
        ("/r/a.png", "a", "kitsuReview[1]"),
        ("/r/b.png", "b", "kitsuReview[0]"),
    ]


TASK = TaskInfo("t1", "Demo", "SQ010/SH010", "Animation", "todo", task())


def test_the_attached_media_go_with_the_notes_files_after_its_own_and_each_once():
    members = [member("a", kitsuAttachments=["/r/qc.pdf", "/r/c.png"])]
    media = split(THREE, ONE_PER_REVISION, "attach")
    settings = Settings(attach_report=True)

    (note,) = plan.notes_of(settings, [(TASK, tuple(members))], media=[media])

    assert [a.path for a in note.attachments] == ["/r/qc.pdf", "/r/c.png", "/r/b.png"]
    assert [(a.path, a.instance, a.source) for a in note.media_attached] == [
        ("/r/b.png", "renderMain", "kitsuReview[1]"),
        ("/r/c.png", "renderMain", "kitsuReview[0]"),
    ]
    assert note.media_reason == WHY
    assert note.report.endswith("Attached: qc.pdf, c.png, b.png\n")


def test_each_group_gets_its_own_media_and_a_group_without_none():
    members = (member("a"),)
    media = split(THREE, ONE_PER_REVISION, "attach")

    first, second = plan.notes_of(Settings(), [(TASK, members), (TASK, members)], media=[media])

    assert [a.path for a in first.attachments] == ["/r/b.png", "/r/c.png"]
    assert second.attachments == () and second.media_attached == () and not second.media_reason


def test_kitsu_notes_records_the_media_attached_and_why():
    record = NoteRecord(TASK, ("a",), "posted", media_attached={"files": ["b.png"], "reason": WHY})
    assert record.as_data()["media_attached"] == {"files": ["b.png"], "reason": WHY}
    assert "media_attached" not in NoteRecord(TASK, ("a",), "posted").as_data()


# --- the ends of Kitsu's processing --------------------------------------------------


def test_the_final_statuses_are_zous_other_than_processing():
    assert {"ready", "broken", "missing"} == review.FINAL_STATUSES
    assert review.DELETED not in review.FINAL_STATUSES  # ours: the row is gone


@pytest.mark.parametrize("status", ["ready", None])
def test_a_ready_preview_is_no_problem(status):
    assert review.processing_problem(status, "a.mov", 300) is None


def test_a_broken_preview_says_kitsu_could_not_process_it_and_why_it_may_be():
    problem = review.processing_problem("broken", "anim.mp4", 300)
    assert problem == (
        "Kitsu could not process anim.mp4 (preview broken; a movie without an audio track "
        "and with B-frames breaks on some Kitsu servers: see docs/review.md)"
    )


def test_a_missing_preview_says_its_file_is_gone_from_kitsus_storage():
    problem = review.processing_problem("missing", "anim.mp4", 300)
    assert problem == (
        "Kitsu lost anim.mp4: its preview is marked missing (the uploaded file is gone from "
        "Kitsu's storage; ask your Kitsu administrator to check the storage)"
    )


def test_a_deleted_preview_says_kitsu_deleted_it_while_processing():
    problem = review.processing_problem(review.DELETED, "anim.mp4", 300)
    assert problem is not None
    assert problem.startswith("Kitsu deleted the preview of anim.mp4 while processing it")


def test_a_preview_still_processing_says_how_long_it_was_waited_for():
    assert review.processing_problem("processing", "anim.mp4", 300.0) == (
        "Kitsu is still processing anim.mp4 after 300 s"
    )


# --- a preview Kitsu deleted at upload (HTTP 500, PreviewProcessingFailedException) ----


def test_a_deleted_preview_is_announced_with_the_retry_on_a_new_one():
    said = review.deleted_by_kitsu("anim.mp4", LABEL, 500, retrying=True)
    assert said == (
        f"Kitsu could not process anim.mp4 on {LABEL} and deleted its preview (HTTP 500); "
        "trying once more on a new preview"
    )


def test_a_preview_deleted_on_both_tries_says_what_to_check():
    said = review.deleted_by_kitsu("anim.mp4", LABEL, 500, twice=True)
    assert said.startswith(
        f"Kitsu could not process anim.mp4 on {LABEL} and deleted its preview (HTTP 500), "
        "on both tries: check that the file plays"
    )
    assert "PreviewProcessingFailedException" in said


def test_a_preview_deleted_once_without_a_status_says_so_without_one():
    said = review.deleted_by_kitsu("anim.mp4", LABEL, None)
    assert said.startswith(f"Kitsu could not process anim.mp4 on {LABEL} and deleted its preview:")
    assert "both tries" not in said and "HTTP" not in said
