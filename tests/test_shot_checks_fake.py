"""The shot checks through the real plugins, fast: pyblish discovers the real plugin
directory and publishes against the fake Kitsu (tests/fake_kitsu.py), whose tasks carry
Kitsu's shot and project fields as Zou does (tests/test_kitsu_contract.py).

Pinned here: what ValidateKitsuShot does to a publish (nothing posted on an error, a
warning lets it through, what is skipped), that it costs no call to Kitsu, the action
"Show the shot in Kitsu", and the template variables shot and project.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pyblish.api
import pyblish.util
import pytest

import fake_publish
from fake_kitsu import FakeWorld
from fake_publish import errors
from kitsu_publish import actions
from kitsu_publish.errors import ShotMismatch

PLUGIN = "ValidateKitsuShot"
ON = """
[ValidateKitsuShot]
enabled = true
resolution = "error"
"""


def publish(
    world: FakeWorld,
    instances: list[dict[str, Any]],
    tmp_path: Path,
    settings: str = ON,
    person: dict[str, Any] | None = None,
) -> Any:
    """One whole pyblish publish of these instances against the fake Kitsu."""
    return fake_publish.publish(
        world,
        instances,
        tmp_path=tmp_path,
        settings=settings,
        person=person,
        comment="cut matched",
    )


def render(task_id: str, name: str = "renderMain", **data: Any) -> dict[str, Any]:
    """A render product of the cut 1001-1100 at 25 fps in 1920x1080, unless told otherwise."""
    found = {
        "name": name,
        "productType": "render",
        "version": 3,
        "kitsuTaskId": task_id,
        "frameStart": 1001,
        "frameEnd": 1100,
        "fps": 25.0,
        "resolutionWidth": 1920,
        "resolutionHeight": 1080,
    }
    found.update(data)
    return found


def records(context: Any, plugin: str = PLUGIN, level: int = logging.DEBUG) -> list[str]:
    return [
        record.getMessage()
        for result in context.data["results"]
        if result["plugin"].__name__ == plugin
        for record in result["records"]
        if record.levelno == level
    ]


@pytest.fixture
def world() -> FakeWorld:
    return FakeWorld()


@pytest.fixture
def shot(world: FakeWorld) -> str:
    """An Animation task on a shot whose cut is 1001-1100 (100 frames); project at 25 fps."""
    task_id = world.add_task("Demo", "SQ010/SH020", "Animation")
    world.set_shot("Demo", "SQ010/SH020", nb_frames=100, frame_in=1001, frame_out=1100)
    return task_id


def test_a_matching_range_passes_and_the_note_is_posted(world, shot, tmp_path):
    context = publish(world, [render(shot)], tmp_path)
    assert errors(context) == {}
    assert len(world.comments[shot]) == 1
    assert records(context, level=logging.INFO) == [
        "renderMain matches Kitsu's shot SQ010/SH020: frame range, frame rate, resolution"
    ]


def test_a_range_too_long_fails_naming_both_ranges_and_nothing_is_posted(world, shot, tmp_path):
    context = publish(world, [render(shot, frameEnd=1120)], tmp_path)
    failed = errors(context)
    assert set(failed) == {PLUGIN}
    assert isinstance(failed[PLUGIN], ShotMismatch)
    assert str(failed[PLUGIN]) == (
        "renderMain renders frames 1001-1120; Kitsu's cut for SQ010/SH020 is 1001-1100 "
        "(100 frames, 25 fps), so it ends 20 frames late. Render the cut range, or ask "
        "production to update the shot in Kitsu. Nothing was posted to Kitsu."
    )
    assert world.comments == {} and "kitsuNotes" not in context.data


def test_each_failing_instance_fails_on_its_own_and_every_error_is_said(world, shot, tmp_path):
    context = publish(
        world,
        [
            render(shot, frameStart=1011),
            render(shot, "renderFx", fps=24, resolutionWidth=1280, resolutionHeight=720),
            render(shot, "renderBg"),
        ],
        tmp_path,
    )
    failed = [r for r in context.data["results"] if r["error"] is not None]
    assert [(r["plugin"].__name__, r["instance"].name) for r in failed] == [
        (PLUGIN, "renderMain"),
        (PLUGIN, "renderFx"),
    ]
    assert "so it starts 10 frames late" in str(failed[0]["error"])
    fx = str(failed[1]["error"])
    assert "renderFx is at 24 fps; Kitsu's frame rate for SQ010/SH020 is 25 fps" in fx
    assert "renderFx is 1280x720; Kitsu's resolution for SQ010/SH020 is 1920x1080" in fx
    assert world.comments == {}


def test_with_only_nb_frames_a_length_mismatch_fails(world, tmp_path):
    task_id = world.add_task("Demo", "SQ020/SH030", "Animation")
    world.set_shot("Demo", "SQ020/SH030", nb_frames=100)
    assert errors(publish(world, [render(task_id, frameStart=1, frameEnd=100)], tmp_path)) == {}
    failed = errors(publish(world, [render(task_id, frameEnd=1110)], tmp_path))
    assert "renders 110 frames (frames 1001-1110), 10 frames too many" in str(failed[PLUGIN])


def test_handles_lie_outside_the_cut(world, shot, tmp_path):
    inside = render(shot, handleStart=10, handleEnd=10)
    assert errors(publish(world, [inside], tmp_path)) == {}
    counted_in = render(shot, frameStart=991, frameEnd=1110, handleStart=10, handleEnd=10)
    message = str(errors(publish(world, [counted_in], tmp_path))[PLUGIN])
    assert message.startswith(
        "renderMain renders frames 981-1120 (991-1110 with handles of 10 and 10); Kitsu's cut "
        "for SQ010/SH020 is 1001-1100"
    )


def test_the_shots_fps_wins_and_the_projects_applies_when_the_shot_has_none(world, shot, tmp_path):
    world.set_shot("Demo", "SQ010/SH020", nb_frames=100, fps="24")
    message = str(errors(publish(world, [render(shot)], tmp_path))[PLUGIN])
    assert "Kitsu's frame rate for SQ010/SH020 is 24 fps (the shot's)" in message
    assert errors(publish(world, [render(shot, fps=24)], tmp_path)) == {}
    world.set_shot("Demo", "SQ010/SH020", nb_frames=100, fps=None)
    world.set_project("Demo", fps="30")
    message = str(errors(publish(world, [render(shot)], tmp_path))[PLUGIN])
    assert "is 30 fps (the project's: the shot has none)" in message


def test_a_resolution_mismatch_fails(world, shot, tmp_path):
    world.set_project("Demo", resolution="2048x858")
    message = str(errors(publish(world, [render(shot)], tmp_path))[PLUGIN])
    assert "renderMain is 1920x1080; Kitsu's resolution for SQ010/SH020 is 2048x858" in message


def test_warning_lets_the_publish_through_with_a_warning(world, shot, tmp_path):
    settings = "[ValidateKitsuShot]\nenabled = true\nframe_range = 'warning'\n"
    context = publish(world, [render(shot, frameEnd=1120)], tmp_path, settings)
    assert errors(context) == {}
    assert len(world.comments[shot]) == 1
    (warning,) = records(context, level=logging.WARNING)
    assert warning.startswith("renderMain renders frames 1001-1120; Kitsu's cut for")


def test_the_resolution_warns_by_default(world, shot, tmp_path):
    settings = "[ValidateKitsuShot]\nenabled = true\n"
    context = publish(world, [render(shot, resolutionWidth=960)], tmp_path, settings)
    assert errors(context) == {} and len(world.comments[shot]) == 1
    assert records(context, level=logging.WARNING) == [
        "renderMain is 960x1080; Kitsu's resolution for SQ010/SH020 is 1920x1080 (the "
        "project's: the shot has none). Render at 1920x1080, or ask production to update "
        "the shot or the project in Kitsu."
    ]


def test_an_asset_is_skipped_with_a_debug_line(world, tmp_path):
    asset = world.add_task("Demo", "Fox", "Modeling")
    context = publish(world, [render(asset, frameEnd=5000, fps=12)], tmp_path)
    assert errors(context) == {} and len(world.comments[asset]) == 1
    assert records(context) == ["renderMain: Fox is an asset (Character): no shot checks"]


def test_a_shot_without_frame_data_is_skipped_for_the_range(world, tmp_path):
    bare = world.add_task("Demo", "SQ030/SH040", "Animation")
    context = publish(world, [render(bare, frameEnd=5000)], tmp_path)
    assert errors(context) == {}
    assert records(context) == [
        "renderMain: frame range not checked (Kitsu has no frame range for SQ030/SH040 (it "
        "needs data.frame_in and data.frame_out, or nb_frames))"
    ]


@pytest.mark.parametrize(
    "settings",
    [
        "",  # the shot checks are off by default
        "[ValidateKitsuShot]\nenabled = false\n",
        "[ValidateKitsuShot]\nenabled = true\n[IntegrateKitsuNote]\nenabled = false\n",
        "[ValidateKitsuShot]\nenabled = true\nframe_range = 'off'\nfps = 'off'\n"
        "resolution = 'off'\n",
        "[ValidateKitsuShot]\nenabled = true\nproduct_types = ['plate']\n",
    ],
    ids=["default", "enabled false", "library off", "all off", "other product types"],
)
def test_switched_off_checks_nothing(world, shot, tmp_path, settings):
    wrong = render(shot, frameEnd=1120, fps=12, resolutionWidth=5)
    context = publish(world, [wrong], tmp_path, settings)
    assert errors(context) == {}
    assert records(context, level=logging.WARNING) == []
    assert records(context, level=logging.INFO) == []


def test_instances_that_take_no_part_are_not_checked(world, shot, tmp_path):
    context = publish(
        world,
        [
            render(shot, "off", frameEnd=1120, publish=False),
            render(shot, "farmed", frameEnd=1120, farm=True),
            render("not-a-uuid", "broken", frameEnd=1120),
            {"name": "noTarget", "productType": "render", "frameEnd": 1},
            render(shot, "workfile", productType="workfile", frameEnd=1120),
        ],
        tmp_path,
    )
    assert set(errors(context)) == {"ValidateKitsuTargets"}
    assert not any(r["error"] for r in context.data["results"] if r["plugin"].__name__ == PLUGIN)


def test_kitsu_values_it_cannot_read_are_a_warning_for_production(world, shot, tmp_path):
    world.set_shot("Demo", "SQ010/SH020", nb_frames=100, frame_in="ten-oh-one")
    context = publish(world, [render(shot)], tmp_path)
    assert errors(context) == {}
    assert records(context, level=logging.WARNING) == [
        "Kitsu's shot SQ010/SH020's data.frame_in is 'ten-oh-one', which the shot checks "
        "cannot read: ask production to fix it in Kitsu"
    ]


@pytest.mark.parametrize("frame_end", [1100, 1120], ids=["matching", "too long, a warning"])
def test_the_checks_cost_no_call_to_kitsu(tmp_path, frame_end):
    calls = {}
    for settings in ("", ON.replace('"error"', '"warning"') + "frame_range = 'warning'\n"):
        world = FakeWorld()  # the same world twice: the same calls but for the checks
        task_id = world.add_task("Demo", "SQ010/SH020", "Animation")
        world.set_shot("Demo", "SQ010/SH020", nb_frames=100, frame_in=1001, frame_out=1100)
        instances = [render(task_id, f"render{n}", frameEnd=frame_end) for n in range(5)]
        context = publish(world, instances, tmp_path, settings)
        assert errors(context) == {}
        calls[bool(settings)] = world.calls
    assert calls[True] == calls[False]


def test_show_the_shot_in_kitsu_lists_kitsus_values(world, shot, tmp_path, caplog):
    asset = world.add_task("Demo", "Fox", "Modeling")
    context = publish(
        world, [render(shot, frameEnd=1120), render(shot, "renderFx"), render(asset, "fox")],
        tmp_path,
    )  # fmt: skip
    assert PLUGIN in errors(context)
    plugin = next(p for p in pyblish.api.discover() if p.__name__ == PLUGIN)
    assert actions.ShowShotInKitsu in plugin.actions
    assert actions.ShowShotInKitsu.label == "Show the shot in Kitsu"
    assert plugin.label == "Kitsu: check shot range"
    caplog.clear()
    action = actions.ShowShotInKitsu()
    with caplog.at_level(logging.INFO):
        action.process(context, plugin)
    assert [r.getMessage() for r in caplog.records if r.name == action.log.name] == [
        "In Kitsu: SQ010/SH020: cut 1001-1100 (100 frames), 25 fps (the project's), "
        "1920x1080 (the project's)",
        "In Kitsu: Fox is an asset (Character): no shot checks",
    ]


def test_show_the_shot_in_kitsu_without_a_task(caplog):
    context = pyblish.api.Context()
    context.create_instance("loose")
    with caplog.at_level(logging.INFO):
        actions.ShowShotInKitsu().process(context, None)
    assert [r.getMessage() for r in caplog.records] == ["No Kitsu task was found for this publish"]


def test_templates_see_the_shot_and_the_project(world, shot, tmp_path):
    settings = (
        "[IntegrateKitsuNote.custom_comment_template]\nenabled = true\n"
        "comment_template = '{{ project }}: {{ shot.frame_in }}-{{ shot.frame_out }} "
        "({{ shot.nb_frames }} frames at {{ project.fps }} fps, {{ project.resolution }})'\n"
    )
    context = publish(world, [render(shot)], tmp_path, settings)
    assert errors(context) == {}
    assert context.data["kitsuNotes"][0]["text"] == (
        "Demo: 1001-1100 (100 frames at 25 fps, 1920x1080)"
    )


# --- the command line, offline --------------------------------------------------------

KITSU_TASK = {
    "entity_type": {"name": "Shot"},
    "entity": {"nb_frames": 100, "data": {"frame_in": 1001, "frame_out": 1100, "fps": "24"}},
    "project": {"fps": "25", "resolution": "1920x1080", "ratio": "16:9"},
}
NAMES = {"kitsuProject": "Demo", "kitsuEntity": "SQ010/SH020", "kitsuTaskType": "Animation"}


def cli(tmp_path: Path, capsys: Any, settings: str, data: Any, *args: str) -> tuple[int, str, str]:
    """``kitsu-publish render`` of this data with these settings: (exit code, out, err)."""
    from kitsu_publish.cli import main

    file = tmp_path / "kitsu.toml"
    file.write_text(settings, encoding="utf-8")
    data_path = tmp_path / "data.json"
    data_path.write_text(json.dumps(data), encoding="utf-8")
    code = main(["render", str(file), "--data", str(data_path), "--status", "todo", *args])
    out, err = capsys.readouterr()
    return code, out, err


def one_render(**data: Any) -> dict[str, Any]:
    return {"context": {"comment": "cut"}, "instances": [render("", **NAMES, **data)]}


def test_render_shows_the_shots_values_from_kitsu_task(tmp_path, capsys):
    data = one_render()
    data["context"]["kitsuTask"] = KITSU_TASK
    code, out, err = cli(tmp_path, capsys, "", data)
    assert (code, err) == (0, "")
    assert out.splitlines()[2] == (
        "   shot in Kitsu: SQ010/SH020: cut 1001-1100 (100 frames), 24 fps (the shot's), "
        "1920x1080 (the project's)"
    )
    code, out, err = cli(tmp_path, capsys, "", data, "--json")
    (note,) = json.loads(out)["notes"]
    assert note["shot"] == {
        "entity": "SQ010/SH020",
        "is_shot": True,
        "shot": {
            "frame_in": 1001,
            "frame_out": 1100,
            "nb_frames": 100,
            "fps": 24,
            "resolution": None,
        },
        "project": {"name": "Demo", "fps": 25, "resolution": "1920x1080", "ratio": "16:9"},
        "description": "SQ010/SH020: cut 1001-1100 (100 frames), 24 fps (the shot's), "
        "1920x1080 (the project's)",
    }


def test_render_runs_the_shot_checks_and_a_failed_one_exits_1(tmp_path, capsys):
    data = one_render(frameEnd=1120)
    data["instances"][0]["kitsuTask"] = KITSU_TASK
    code, out, err = cli(tmp_path, capsys, ON, data)
    assert code == 1
    assert err.splitlines() == [
        "error: renderMain renders frames 1001-1120; Kitsu's cut for SQ010/SH020 is "
        "1001-1100 (100 frames, 24 fps), so it ends 20 frames late. Render the cut range, or "
        "ask production to update the shot in Kitsu.",
        "error: renderMain is at 25 fps; Kitsu's frame rate for SQ010/SH020 is 24 fps (the "
        "shot's). Render at 24 fps, or ask production to update the shot in Kitsu.",
    ]
    assert out.startswith("== Demo / SQ010/SH020 / Animation")  # the note is still shown
    warned = ON.replace('resolution = "error"', 'frame_range = "warning"\nfps = "off"')
    code, out, err = cli(tmp_path, capsys, warned, data)
    assert code == 0
    assert err.startswith("warning: renderMain renders frames 1001-1120;")


def test_render_without_kitsu_task_shows_no_shot_and_says_checks_need_it(tmp_path, capsys):
    code, out, err = cli(tmp_path, capsys, "", one_render())
    assert (code, err) == (0, "") and "shot in Kitsu" not in out
    code, out, err = cli(tmp_path, capsys, "", one_render(), "--json")
    assert json.loads(out)["notes"][0]["shot"] is None
    code, out, err = cli(tmp_path, capsys, ON, one_render(frameEnd=1))
    assert code == 0
    assert err == (
        "warning: task Demo / SQ010/SH020 / Animation: the shot checks need Kitsu's values, "
        "which are not known offline: give kitsuTask (with its entity and project) in the "
        "data; not checked\n"
    )


def test_render_templates_see_the_shot_and_the_project_from_kitsu_task(tmp_path, capsys):
    settings = (
        "[IntegrateKitsuNote.custom_comment_template]\nenabled = true\n"
        "comment_template = '{{ shot.frame_in }}-{{ shot.frame_out }} @ {{ project.fps }}'\n"
    )
    data = one_render(kitsuTask=KITSU_TASK)
    code, out, err = cli(tmp_path, capsys, settings, data, "--json")
    assert (code, err) == (0, "")
    assert json.loads(out)["notes"][0]["text"] == "1001-1100 @ 25"


def test_render_refuses_a_kitsu_task_that_is_not_a_table(tmp_path, capsys):
    code, out, err = cli(tmp_path, capsys, "", one_render(kitsuTask="SH020"))
    assert (code, out) == (2, "")
    assert "instance 'renderMain': kitsuTask must be a table" in err


def test_check_summarises_the_shot_checks_when_on(tmp_path, capsys):
    from kitsu_publish.cli import main

    file = tmp_path / "kitsu.toml"
    file.write_text(ON, encoding="utf-8")
    assert main(["check", str(file)]) == 0
    out = capsys.readouterr().out
    assert (
        "  shot checks: frame range error, frame rate error, resolution error; product "
        "types: render, review, plate, camera, animation"
    ) in out.splitlines()
    file.write_text("", encoding="utf-8")
    assert main(["check", str(file)]) == 0
    assert "shot checks" not in capsys.readouterr().out
