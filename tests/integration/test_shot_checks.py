"""The shot checks against a real Kitsu (Zou): ``[ValidateKitsuShot]`` (docs/shot-checks.md).

Every publish is made by a real Artist (not an admin: in the project's team, assigned to
the tasks; the ``artist`` fixture) through ``pyblish.util.publish`` and the real plugin
directory. The shots are seeded as production keeps them in Kitsu
(``kitsu_seed.set_shot_data``, ``set_project_format``): SQ020/SH020 with a frame range,
EP01/SQ010/SH010 with a length only or nothing, the asset Fox. Each test reads back
from Zou whether a note was stored.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from typing import Any

import kitsu_seed
import pytest
from harness import Outcome, publish

from kitsu_publish.errors import ShotMismatch

# every publish is the artist's: the fixture puts their login in the environment
pytestmark = [pytest.mark.zou, pytest.mark.usefixtures("artist")]

PLUGIN = "ValidateKitsuShot"
CHECKS_ON = """
[ValidateKitsuShot]
enabled = true
frame_range = "error"
fps = "error"
resolution = "error"
"""


def render(task_id: str, name: str = "renderMain", **data: Any) -> dict[str, Any]:
    """A render of the cut 1001-1100 at 25 fps in 1920x1080, unless told otherwise."""
    found = {
        "name": name,
        "productType": "render",
        "version": 1,
        "kitsuTaskId": task_id,
        "frameStart": 1001,
        "frameEnd": 1100,
        "fps": 25,
        "resolutionWidth": 1920,
        "resolutionHeight": 1080,
    }
    found.update(data)
    return found


def failures(outcome: Outcome) -> list[tuple[str, str, BaseException]]:
    """(plugin, instance, error) of every failed result."""
    return [
        (r["plugin"].__name__, getattr(r["instance"], "name", ""), r["error"])
        for r in outcome.results
        if r["error"] is not None
    ]


def shot_error(outcome: Outcome) -> str:
    (found,) = failures(outcome)
    plugin, _, error = found
    assert plugin == PLUGIN and isinstance(error, ShotMismatch), found
    return str(error)


def records(outcome: Outcome, level: int) -> list[str]:
    return [
        r.getMessage()
        for result in outcome.results
        if result["plugin"].__name__ == PLUGIN
        for r in result["records"]
        if r.levelno == level
    ]


def comments(admin: Any, task_id: str) -> list[str]:
    return [c["text"] for c in kitsu_seed.comments(admin, task_id)]


@pytest.fixture
def cut(admin: Any, production: kitsu_seed.Production) -> str:
    """SQ020/SH020's Animation task; the shot's cut is 1001-1100 (100 frames) in Kitsu,
    with no frame rate or resolution of its own (the project's: 25, 1920x1080)."""
    task_id = production.tasks["shot:Animation"]
    kitsu_seed.set_shot_data(admin, task_id, nb_frames=100, frame_in=1001, frame_out=1100)
    return task_id


@pytest.fixture
def checks_on(settings_file: Any) -> None:
    settings_file(CHECKS_ON)


def test_a_matching_range_passes_and_the_note_is_posted(admin, cut, checks_on):
    outcome = publish([render(cut)], {"comment": "cut matched"})
    assert failures(outcome) == []
    assert comments(admin, cut) == ["cut matched"]
    assert records(outcome, logging.INFO) == [
        "renderMain matches Kitsu's shot SQ020/SH020: frame range, frame rate, resolution"
    ]


def test_a_range_too_long_fails_naming_both_ranges_and_nothing_is_posted(admin, cut, checks_on):
    outcome = publish([render(cut, frameEnd=1120)], {"comment": "too long"})
    assert shot_error(outcome) == (
        "renderMain renders frames 1001-1120; Kitsu's cut for SQ020/SH020 is 1001-1100 "
        "(100 frames, 25 fps), so it ends 20 frames late. Render the cut range, or ask "
        "production to update the shot in Kitsu. Nothing was posted to Kitsu."
    )
    assert comments(admin, cut) == [] and kitsu_seed.status(admin, cut) == "todo"
    assert outcome.notes == []


def test_a_range_that_starts_late_fails_naming_both_ranges(admin, cut, checks_on):
    outcome = publish([render(cut, frameStart=1011)])
    message = shot_error(outcome)
    assert message.startswith(
        "renderMain renders frames 1011-1100; Kitsu's cut for SQ020/SH020 is 1001-1100 "
        "(100 frames, 25 fps), so it starts 10 frames late."
    )
    assert comments(admin, cut) == []


def test_with_only_nb_frames_a_length_mismatch_fails(admin, production, checks_on):
    task_id = production.tasks["ep:Animation"]
    kitsu_seed.set_shot_data(admin, task_id, nb_frames=48)
    assert failures(publish([render(task_id, frameStart=1, frameEnd=48)])) == []
    message = shot_error(publish([render(task_id, frameStart=1, frameEnd=50)]))
    assert message.startswith(
        "renderMain renders 50 frames (frames 1-50), 2 frames too many: Kitsu's cut for "
        "EP01/SQ010/SH010 is 48 frames long, 25 fps (Kitsu has only its length, no frame "
        "in and out)."
    )
    assert comments(admin, task_id) == [""]  # the first publish only


def test_handles_lie_outside_the_cut(admin, cut, checks_on):
    handles = {"handleStart": 8, "handleEnd": 12}
    assert failures(publish([render(cut, **handles)])) == []
    counted_in = render(cut, frameStart=993, frameEnd=1112, **handles)
    assert shot_error(publish([counted_in])).startswith(
        "renderMain renders frames 985-1124 (993-1112 with handles of 8 and 12); Kitsu's "
        "cut for SQ020/SH020 is 1001-1100 (100 frames, 25 fps), so it starts 8 frames early "
        "and ends 12 frames late. Render the cut range between your handles,"
    )
    assert len(comments(admin, cut)) == 1


def test_an_fps_mismatch_against_the_shot_fails(admin, cut, checks_on):
    kitsu_seed.set_shot_data(admin, cut, fps="24")
    assert shot_error(publish([render(cut)])) == (
        "renderMain is at 25 fps; Kitsu's frame rate for SQ020/SH020 is 24 fps (the "
        "shot's). Render at 24 fps, or ask production to update the shot in Kitsu. "
        "Nothing was posted to Kitsu."
    )
    assert failures(publish([render(cut, fps=24.0)])) == []


def test_an_fps_mismatch_against_the_project_when_the_shot_has_none(
    admin, production, cut, checks_on
):
    kitsu_seed.set_project_format(admin, production.project, fps="23.976")
    assert shot_error(publish([render(cut)])) == (
        "renderMain is at 25 fps; Kitsu's frame rate for SQ020/SH020 is 23.976 fps (the "
        "project's: the shot has none). Render at 23.976 fps, or ask production to update "
        "the shot or the project in Kitsu. Nothing was posted to Kitsu."
    )
    assert failures(publish([render(cut, fps=24000 / 1001)])) == []  # the same rate


def test_a_resolution_mismatch_fails(admin, production, cut, checks_on):
    kitsu_seed.set_project_format(admin, production.project, resolution="2048x858")
    message = shot_error(publish([render(cut)]))
    assert message.startswith(
        "renderMain is 1920x1080; Kitsu's resolution for SQ020/SH020 is 2048x858 (the "
        "project's: the shot has none). Render at 2048x858,"
    )
    kitsu_seed.set_shot_data(admin, cut, resolution="1920x1080")  # the shot's wins
    assert failures(publish([render(cut)])) == []


def test_warning_lets_the_publish_through_with_a_warning(admin, cut, settings_file):
    settings_file(CHECKS_ON.replace('frame_range = "error"', 'frame_range = "warning"'))
    outcome = publish([render(cut, frameEnd=1120)], {"comment": "posted anyway"})
    assert failures(outcome) == []
    assert comments(admin, cut) == ["posted anyway"]
    (warning,) = records(outcome, logging.WARNING)
    assert warning.startswith("renderMain renders frames 1001-1120; Kitsu's cut for SQ020")


def test_an_asset_and_a_shot_without_frame_data_are_skipped(admin, production, checks_on):
    asset, bare = production.tasks["asset:Modeling"], production.tasks["ep:Animation"]
    outcome = publish(
        [render(asset, "modelMain", frameEnd=9999), render(bare, "renderBare", frameEnd=9999)]
    )
    assert failures(outcome) == []
    assert comments(admin, asset) == [""] and comments(admin, bare) == [""]
    assert records(outcome, logging.DEBUG) == [
        "modelMain: Fox is an asset (Character): no shot checks",
        "renderBare: frame range not checked (Kitsu has no frame range for EP01/SQ010/SH010 "
        "(it needs data.frame_in and data.frame_out, or nb_frames))",
    ]


@pytest.mark.parametrize(
    "settings",
    ["[ValidateKitsuShot]\nenabled = false\n", ""],
    ids=["enabled false", "default"],
)
def test_switched_off_checks_nothing(admin, cut, settings_file, settings):
    settings_file(settings)
    outcome = publish([render(cut, frameEnd=1120, fps=12, resolutionWidth=64)])
    assert failures(outcome) == []
    assert records(outcome, logging.WARNING) == records(outcome, logging.INFO) == []
    assert len(comments(admin, cut)) == 1


def test_a_comment_template_sees_the_shot_and_the_project(admin, cut, settings_file):
    settings_file(
        "[IntegrateKitsuNote.custom_comment_template]\nenabled = true\n"
        "comment_template = '{{ shot.frame_in }}-{{ shot.frame_out }}, {{ shot.nb_frames }} "
        "frames at {{ project.fps }} fps in {{ project }}'\n"
    )
    outcome = publish([render(cut)])
    assert failures(outcome) == []
    project = outcome.notes[0]["task"]["project"]
    assert comments(admin, cut) == [f"1001-1100, 100 frames at 25 fps in {project}"]


def test_check_online_with_a_task_shows_the_shots_values(admin, cut, settings_file):
    path = settings_file(CHECKS_ON)
    kitsu_seed.set_shot_data(admin, cut, fps="24")
    done = subprocess.run(
        [sys.executable, "-m", "kitsu_publish.cli", "check", "--online", str(path), "--task-id",
         cut],
        capture_output=True, text=True, timeout=300, env=dict(os.environ),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert (
        "  shot checks: frame range error, frame rate error, resolution error; product "
        "types: render, review, plate, camera, animation"
    ) in lines
    assert (
        "  shot in Kitsu: SQ020/SH020: cut 1001-1100 (100 frames), 24 fps (the shot's), "
        "1920x1080 (the project's)"
    ) in lines
    assert os.environ["KITSU_PWD"] not in done.stdout + done.stderr
