"""The shot checks, pure (docs/shot-checks.md): Kitsu's values read from a task, each
check's comparison and its message, the settings table, the template variables."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from kitsu_publish import plan, settings, shots
from kitsu_publish.errors import SettingsError
from kitsu_publish.model import TaskInfo
from kitsu_publish.settings import CommentTemplate, Settings
from kitsu_publish.settings.keys import ShotSettings

ON = ShotSettings(enabled=True, frame_range="error", fps="error", resolution="error")


def task(
    entity: str = "SQ010/SH020",
    kind: str = "Shot",
    nb_frames: Any = None,
    project: dict[str, Any] | None = None,
    **data: Any,
) -> TaskInfo:
    """A task as a publish read it: its entity (with Kitsu's shot fields) and project."""
    full = {
        "id": "t1",
        "entity": {"name": entity.split("/")[-1], "nb_frames": nb_frames, "data": data},
        "entity_type": {"name": kind},
        "project": {"name": "Demo", "fps": "25", "resolution": "1920x1080", "ratio": "16:9"}
        if project is None
        else project,
    }
    return TaskInfo("t1", "Demo", entity, "Animation", "todo", full)


CUT = task(nb_frames=100, frame_in=1001, frame_out=1100)


def render(**data: Any) -> dict[str, Any]:
    return {"productType": "render", **data}


def messages(report: shots.Report) -> list[str]:
    return [f.message for f in report.findings]


def only(report: shots.Report) -> shots.Finding:
    (finding,) = report.findings
    return finding


# --- Kitsu's values -----------------------------------------------------------------------


def test_kitsu_values_are_read_from_the_tasks_entity_and_project():
    shot = shots.kitsu_shot(task(nb_frames=100, frame_in="1001", frame_out=1100.0, fps="24"))
    assert (shot.entity, shot.is_shot, shot.cut, shot.length) == (
        "SQ010/SH020",
        True,
        (1001, 1100),
        100,
    )
    assert shot.fps == (24.0, "shot")
    assert shot.resolution == ((1920, 1080), "project")
    assert (shot.project_fps, shot.ratio, shot.unreadable) == (25.0, "16:9", ())


@pytest.mark.parametrize(
    ("fields", "cut", "length"),
    [
        ({"frame_in": 1001, "frame_out": 1100}, (1001, 1100), 100),
        ({"frame_in": 1001, "frame_out": 1001}, (1001, 1001), 1),
        ({"nb_frames": 50, "frame_in": 1001}, (1001, 1050), 50),
        ({"nb_frames": 50, "frame_out": 1100}, (1051, 1100), 50),
        ({"nb_frames": 50}, None, 50),
        ({"nb_frames": 0}, None, None),
        ({"frame_in": 1001}, None, None),
        ({}, None, None),
        # frame in and out win over a stale nb_frames
        ({"nb_frames": 90, "frame_in": 1001, "frame_out": 1100}, (1001, 1100), 100),
    ],
)
def test_the_cut_comes_from_frame_in_and_out_else_one_of_them_and_nb_frames(fields, cut, length):
    nb_frames = fields.pop("nb_frames", None)
    shot = shots.kitsu_shot(task(nb_frames=nb_frames, **fields))
    assert (shot.cut, shot.length) == (cut, length)


def test_values_kitsu_holds_that_are_no_numbers_count_as_absent_and_are_named():
    shot = shots.kitsu_shot(
        task(
            nb_frames="many",
            frame_in="10a",
            fps="fast",
            resolution="HD",
            project={"fps": True, "resolution": "0x1080"},
        )
    )
    assert (shot.frame_in, shot.nb_frames, shot.fps, shot.resolution) == (None, None, None, None)
    assert shot.unreadable == (
        "Kitsu's shot SQ010/SH020's data.frame_in is '10a'",
        "Kitsu's shot SQ010/SH020's nb_frames is 'many'",
        "Kitsu's shot SQ010/SH020's data.fps is 'fast'",
        "Kitsu's project Demo's fps is True",
        "Kitsu's shot SQ010/SH020's data.resolution is 'HD'",
        "Kitsu's project Demo's resolution is '0x1080'",
    )


def test_a_frame_out_before_the_frame_in_is_no_cut_and_is_named():
    shot = shots.kitsu_shot(task(nb_frames=20, frame_in=1100, frame_out=1001))
    assert (shot.cut, shot.length) == (None, 20)
    assert shot.unreadable == (
        "Kitsu's shot SQ010/SH020's data.frame_out 1001 is before its data.frame_in 1100",
    )


@pytest.mark.parametrize(
    ("value", "rate"),
    [("25", 25.0), (24, 24.0), ("23.976", 23.976), ("24000/1001", 24000 / 1001), (" 30 ", 30.0)],
)
def test_frame_rates_are_numbers_or_text(value, rate):
    assert shots.kitsu_shot(task(fps=value)).fps == (rate, "shot")


@pytest.mark.parametrize("value", ["1920x1080", "1920X1080", " 1920 x 1080 ", "1920×1080"])
def test_resolutions_are_width_x_height(value):
    assert shots.kitsu_shot(task(resolution=value)).resolution == ((1920, 1080), "shot")


def test_an_entity_that_is_not_a_shot_is_no_shot():
    shot = shots.kitsu_shot(task("Fox", kind="Character", nb_frames=10))
    assert not shot.is_shot
    assert shots.describe(shot) == "Fox is an asset (Character): no shot checks"


def test_describe_says_the_cut_and_whose_rate_and_resolution():
    assert shots.describe(shots.kitsu_shot(CUT)) == (
        "SQ010/SH020: cut 1001-1100 (100 frames), 25 fps (the project's), "
        "1920x1080 (the project's)"
    )
    bare = task(nb_frames=48, fps=24, project={})
    assert shots.describe(shots.kitsu_shot(bare)) == (
        "SQ010/SH020: cut of 48 frames (no frame in and out), 24 fps (the shot's), no resolution"
    )
    assert shots.describe(shots.kitsu_shot(task(project={}, fps="x"))) == (
        "SQ010/SH020: no frame range, no frame rate, no resolution (not read: Kitsu's "
        "shot SQ010/SH020's data.fps is 'x')"
    )


# --- the frame range ----------------------------------------------------------------------


def check(the_task: TaskInfo = CUT, settings_: ShotSettings = ON, **data: Any) -> shots.Report:
    return shots.check(settings_, shots.kitsu_shot(the_task), render(**data), "renderMain")


def test_a_matching_range_passes():
    report = check(frameStart=1001, frameEnd=1100, fps=25, resolutionWidth=1920,
                   resolutionHeight=1080)  # fmt: skip
    assert report.findings == ()
    assert report.passed == ("frame range", "frame rate", "resolution")


def test_a_range_too_long_names_both_ranges():
    finding = only(check(frameStart=1001, frameEnd=1120))
    assert (finding.check, finding.level) == ("frame_range", "error")
    assert finding.message == (
        "renderMain renders frames 1001-1120; Kitsu's cut for SQ010/SH020 is 1001-1100 "
        "(100 frames, 25 fps), so it ends 20 frames late. Render the cut range, or ask "
        "production to update the shot in Kitsu."
    )


def test_a_range_that_starts_late_names_both_ranges():
    assert only(check(frameStart=1011, frameEnd=1100)).message == (
        "renderMain renders frames 1011-1100; Kitsu's cut for SQ010/SH020 is 1001-1100 "
        "(100 frames, 25 fps), so it starts 10 frames late. Render the cut range, or ask "
        "production to update the shot in Kitsu."
    )


def test_a_range_off_at_both_ends_says_both():
    message = only(check(frameStart=1000, frameEnd=1099)).message
    assert "so it starts 1 frame early and ends 1 frame early." in message


def test_handles_are_outside_the_cut():
    report = check(frameStart=1001, frameEnd=1100, handleStart=10, handleEnd=5)
    assert report.findings == () and report.passed[0] == "frame range"


def test_a_range_with_handles_counted_into_it_fails_and_shows_the_handles():
    assert only(check(frameStart=991, frameEnd=1110, handleStart=10, handleEnd=10)).message == (
        "renderMain renders frames 981-1120 (991-1110 with handles of 10 and 10); Kitsu's "
        "cut for SQ010/SH020 is 1001-1100 (100 frames, 25 fps), so it starts 10 frames "
        "early and ends 10 frames late. Render the cut range between your handles, or ask "
        "production to update the shot in Kitsu."
    )


def test_with_only_nb_frames_the_length_is_compared():
    length_only = task(nb_frames=100)
    assert check(length_only, frameStart=1, frameEnd=100).findings == ()
    assert check(length_only, frameStart=1001, frameEnd=1100, handleStart=8).findings == ()
    assert only(check(length_only, frameStart=1001, frameEnd=1120)).message == (
        "renderMain renders 120 frames (frames 1001-1120), 20 frames too many: Kitsu's cut "
        "for SQ010/SH020 is 100 frames long, 25 fps (Kitsu has only its length, no frame in "
        "and out). Render 100 frames, or ask production to update the shot in Kitsu."
    )
    assert "1 frame too few" in only(check(length_only, frameStart=1, frameEnd=99)).message


def test_a_shot_without_frame_data_is_skipped_with_a_line_saying_why():
    report = check(task(), frameStart=1001, frameEnd=1120, fps=25)
    assert report.findings == () and report.passed == ("frame rate",)
    assert report.skipped == (
        "renderMain: frame range not checked (Kitsu has no frame range for SQ010/SH020 (it "
        "needs data.frame_in and data.frame_out, or nb_frames))",
        "renderMain: resolution not checked (no resolutionWidth and resolutionHeight in its data)",
    )


def test_an_instance_without_a_frame_range_is_skipped():
    report = check()
    assert report.findings == () and report.passed == ()
    assert report.skipped[0] == (
        "renderMain: frame range not checked (no frameStart and frameEnd in its data)"
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"frameStart": "first", "frameEnd": 1100},
            "renderMain's frameStart is 'first', not a frame number: fix it in your scene or "
            "ask your TD",
        ),
        (
            {"frameStart": 1001, "frameEnd": 1000},
            "renderMain has frameStart 1001, frameEnd 1000, handles 0 and 0: not a frame "
            "range; fix it in your scene or ask your TD",
        ),
        (
            {"frameStart": 1001, "frameEnd": 1100, "handleStart": -1},
            "renderMain has frameStart 1001, frameEnd 1100, handles -1 and 0: not a frame "
            "range; fix it in your scene or ask your TD",
        ),
        (
            {"fps": "fast"},
            "renderMain's fps is 'fast', not a frame rate: fix it in your scene or ask your TD",
        ),
        (
            {"resolutionWidth": 1920.5, "resolutionHeight": 1080},
            "renderMain's resolutionWidth is 1920.5, not a number of pixels: fix it in your "
            "scene or ask your TD",
        ),
        (
            {"resolutionWidth": 0, "resolutionHeight": 1080},
            "renderMain is 0x1080, not a resolution: fix it in your scene or ask your TD",
        ),
    ],
)
def test_instance_values_that_are_no_numbers_are_findings(data, message):
    assert only(check(**data)).message == message


def test_frame_numbers_may_be_text_or_whole_floats():
    assert check(frameStart="1001", frameEnd=1100.0).findings == ()


# --- frame rate and resolution ------------------------------------------------------------


def test_an_fps_mismatch_against_the_shot_names_the_shots_rate():
    with_rate = task(nb_frames=100, frame_in=1001, frame_out=1100, fps="24")
    assert only(check(with_rate, fps=25)).message == (
        "renderMain is at 25 fps; Kitsu's frame rate for SQ010/SH020 is 24 fps (the "
        "shot's). Render at 24 fps, or ask production to update the shot in Kitsu."
    )


def test_an_fps_mismatch_against_the_project_when_the_shot_has_none():
    assert only(check(fps=24)).message == (
        "renderMain is at 24 fps; Kitsu's frame rate for SQ010/SH020 is 25 fps (the "
        "project's: the shot has none). Render at 25 fps, or ask production to update the "
        "shot or the project in Kitsu."
    )


@pytest.mark.parametrize(
    ("kitsu", "ours", "same"),
    [("23.976", 24000 / 1001, True), ("23.976", 23.98, True), ("23.976", 24, False),
     ("29.97", 30, False), ("25", "25.0", True)],
)  # fmt: skip
def test_frame_rates_within_a_hundredth_are_the_same(kitsu, ours, same):
    report = check(task(fps=kitsu), fps=ours)
    assert (report.findings == ()) is same


def test_a_resolution_mismatch_against_the_project():
    assert only(check(resolutionWidth=1280, resolutionHeight=720)).message == (
        "renderMain is 1280x720; Kitsu's resolution for SQ010/SH020 is 1920x1080 (the "
        "project's: the shot has none). Render at 1920x1080, or ask production to update the "
        "shot or the project in Kitsu."
    )


def test_the_shots_resolution_wins_over_the_projects():
    own = task(resolution="2048x858")
    assert check(own, resolutionWidth=2048, resolutionHeight=858).findings == ()
    assert (
        "is 2048x858 (the shot's)"
        in only(check(own, resolutionWidth=1920, resolutionHeight=1080)).message
    )


# --- levels, product types, assets --------------------------------------------------------


def test_each_check_has_its_own_level_and_off_checks_nothing():
    levels = ShotSettings(enabled=True, frame_range="warning", fps="off", resolution="error")
    report = check(
        settings_=levels, frameStart=1, frameEnd=2, fps=12, resolutionWidth=1,
        resolutionHeight=1,
    )  # fmt: skip
    assert [(f.check, f.level) for f in report.findings] == [
        ("frame_range", "warning"),
        ("resolution", "error"),
    ]
    assert [f.check for f in report.errors] == ["resolution"]
    assert [f.check for f in report.warnings] == ["frame_range"]


@pytest.mark.parametrize(
    ("data", "checked"),
    [
        ({"productType": "Render"}, True),
        ({"productType": "workfile"}, False),
        ({"productType": "", "family": "plate"}, True),
        ({"productType": "pointcache", "families": ["x", "review"]}, True),
        ({"family": "camera "}, True),
        ({}, False),
    ],
)
def test_only_the_listed_product_types_are_checked(data, checked):
    report = shots.check(ON, shots.kitsu_shot(CUT), {**data, "frameStart": 1, "frameEnd": 9},
                         "x")  # fmt: skip
    assert bool(report.findings) is checked
    if not checked:
        assert "is not in the shot checks' product_types" in report.skipped[0]


def test_an_asset_is_skipped_with_a_line_saying_so():
    report = check(task("Fox", kind="Character"), frameStart=1, frameEnd=2, fps=1)
    assert report.findings == () and report.passed == ()
    assert report.skipped == ("renderMain: Fox is an asset (Character): no shot checks",)


def test_unreadable_kitsu_values_are_notices_for_production():
    report = check(task(nb_frames="x"), frameStart=1, frameEnd=2)
    assert report.notices == (
        "Kitsu's shot SQ010/SH020's nb_frames is 'x', which the shot checks cannot read: "
        "ask production to fix it in Kitsu",
    )


# --- settings -----------------------------------------------------------------------------


def test_the_shot_table_is_off_by_default_with_its_levels_and_product_types():
    assert settings.parse({}).shot == ShotSettings(
        enabled=False,
        frame_range="error",
        fps="error",
        resolution="warning",
        product_types=("render", "review", "plate", "camera", "animation"),
    )


def test_the_shot_table_reads_every_key():
    table = {
        "enabled": True,
        "frame_range": "warning",
        "fps": "off",
        "resolution": "error",
        "product_types": [" render ", "Plate"],
    }
    assert settings.parse({"ValidateKitsuShot": table}).shot == ShotSettings(
        True, "warning", "off", "error", ("render", "Plate")
    )


SHOT = "ValidateKitsuShot"


@pytest.mark.parametrize(
    ("table", "key", "message"),
    [
        ({"fps": "fatal"}, f"{SHOT}.fps", "'fatal' is not one of 'error', 'warning', 'off'"),
        ({"product_types": "render"}, f"{SHOT}.product_types", "expected a list of names"),
        ({"product_types": ["render", " "]}, f"{SHOT}.product_types[1]", "must not be empty"),
        ({"frame": "error"}, f"{SHOT}.frame", "did you mean 'frame_range'?"),
    ],
)
def test_the_shot_table_errors_name_the_key(table, key, message):
    with pytest.raises(SettingsError) as raised:
        settings.parse({"ValidateKitsuShot": table}, "studio.toml")
    assert raised.value.key == key and message in str(raised.value)


def test_the_schema_describes_the_shot_table():
    table = settings.json_schema()["$defs"]["settings"]["properties"]["ValidateKitsuShot"]
    assert set(table["properties"]) == {
        "enabled",
        "frame_range",
        "fps",
        "resolution",
        "product_types",
    }
    assert table["properties"]["fps"]["enum"] == ["error", "warning", "off"]


# --- template variables -------------------------------------------------------------------


def note_text(the_task: TaskInfo, text: str, syntax: str = "jinja") -> str:
    chosen = replace(Settings(), template=CommentTemplate(True, text, syntax))
    member = plan.member_of({"productType": "render", "comment": "ok"}, "", "renderMain")
    return plan.build_note(chosen, the_task, [member]).text


def test_templates_see_the_shot_and_the_project_values():
    rated = task(nb_frames=100, frame_in=1001, frame_out=1100, fps="24", resolution="2048x858")
    text = note_text(
        rated,
        "{{ shot.frame_in }}-{{ shot.frame_out }} ({{ shot.nb_frames }}) {{ shot.fps }} "
        "{{ shot.resolution }} | {{ project }} {{ project.name }} {{ project.fps }} "
        "{{ project.resolution }} {{ project.ratio }}",
    )
    assert text == "1001-1100 (100) 24 2048x858 | Demo Demo 25 1920x1080 16:9"


def test_project_is_still_the_projects_name_as_text():
    text = note_text(CUT, "{% if project == 'Demo' %}{{ project | upper }}{% endif %}")
    assert text == "DEMO"
    assert note_text(CUT, "{project} {comment}", "legacy") == "Demo ok"


def test_an_asset_and_values_kitsu_lacks_are_none():
    text = note_text(task("Fox", kind="Character", nb_frames=9), "{{ shot.nb_frames }}")
    assert text == "None"
    empty = task(project={})
    assert note_text(empty, "{{ shot.frame_in }} {{ project.fps }}") == "None None"


def test_the_project_variable_is_no_door_out_of_the_sandbox():
    from kitsu_publish.errors import TemplateError

    with pytest.raises(TemplateError):
        note_text(CUT, "{{ project.__class__ }}")


# --- offline records (kitsu-publish render) -----------------------------------------------


@pytest.mark.parametrize(
    ("given", "entity", "kind"),
    [
        ({"entity_type": {"name": "Shot"}}, "Fox", "Shot"),
        ({}, "SQ010/SH010", "Shot"),
        ({}, "Fox", "Asset"),
        ({}, "?", "Shot"),
    ],
)
def test_offline_records_take_the_entity_type_else_guess_it_from_the_path(given, entity, kind):
    records = shots.offline_records(given, entity)
    assert records["entity_type"] == {"name": kind}
    assert records["entity"] == {} and records["project"] == {}
