"""From publish data to one note per task (docs/data-contract.md, docs/semantics.md)."""

from __future__ import annotations

import getpass
import subprocess
import sys
from dataclasses import replace

import pytest

from kitsu_publish import model, plan, settings
from kitsu_publish.errors import TargetError, TemplateError
from kitsu_publish.model import Member, TaskInfo
from kitsu_publish.settings import CommentTemplate, Condition, Settings

TASK = TaskInfo(
    id="task-1", project="Spring", entity="SQ010/SH010", task_type="Animation", status="wip"
)

FULL_NAMES = {
    "kitsuProject": "Spring",
    "kitsuEntity": "SQ010/SH010",
    "kitsuTaskType": "Animation",
}

FULL_ENV = {
    "KITSU_PROJECT": "EnvProject",
    "KITSU_ENTITY": "EnvAsset",
    "KITSU_TASK_TYPE": "Modeling",
}


def member(
    name: str, product_type: str = "render", version=1, comment: str = "", **data
) -> Member:
    raw = {"name": name, "productType": product_type, "version": version, "comment": comment}
    raw.update(data)
    return plan.member_of(raw, "", name)


def with_template(text: str, syntax: str = "jinja", **values) -> Settings:
    return replace(Settings(), template=CommentTemplate(True, text, syntax), **values)


# --- find_target: precedence --------------------------------------------------------------


def test_instance_task_id_is_the_target():
    target = plan.find_target({"kitsuTaskId": "abc"}, {}, environ={})
    assert target == model.Target("instance", task_id="abc")


def test_instance_names_are_the_target():
    target = plan.find_target(dict(FULL_NAMES), {}, environ={})
    assert target == model.Target(
        "instance", project="Spring", entity="SQ010/SH010", task_type="Animation"
    )


def test_instance_level_wins_over_context_level():
    target = plan.find_target({"kitsuTaskId": "inst"}, {"kitsuTaskId": "ctx"}, environ={})
    assert target is not None
    assert (target.level, target.task_id) == ("instance", "inst")


def test_instance_names_win_over_context_task_id():
    target = plan.find_target(dict(FULL_NAMES), {"kitsuTaskId": "ctx"}, environ={})
    assert target is not None
    assert target.level == "instance"
    assert target.task_id is None
    assert target.project == "Spring"


def test_any_key_at_instance_level_makes_instance_level_win():
    # One key at instance level: the instance level is used (and is incomplete),
    # the complete context level is not consulted.
    with pytest.raises(TargetError):
        plan.find_target({"kitsuTaskType": "Lighting"}, dict(FULL_NAMES), environ={})


def test_context_level_is_used_when_instance_has_no_target_key():
    target = plan.find_target(
        {"name": "x"}, {"kitsuTaskId": "ctx"}, environ={"KITSU_TASK_ID": "env"}
    )
    assert target == model.Target("context", task_id="ctx")


def test_context_level_wins_over_environment():
    target = plan.find_target({}, dict(FULL_NAMES), environ={"KITSU_TASK_ID": "env"})
    assert target is not None
    assert target.level == "context"
    assert target.task_id is None
    assert target.entity == "SQ010/SH010"


def test_environment_is_the_last_level():
    assert plan.find_target({}, {}, environ={"KITSU_TASK_ID": "env"}) == model.Target(
        "environment", task_id="env"
    )


def test_environment_names_are_the_target():
    assert plan.find_target({}, {}, environ=dict(FULL_ENV)) == model.Target(
        "environment", project="EnvProject", entity="EnvAsset", task_type="Modeling"
    )


def test_environment_defaults_to_os_environ(monkeypatch):
    monkeypatch.setenv("KITSU_TASK_ID", "from-os-environ")
    target = plan.find_target({}, {})
    assert target == model.Target("environment", task_id="from-os-environ")


def test_environment_is_not_read_from_data_keys():
    # The environment level reads KITSU_* names, not the data keys.
    assert plan.find_target({}, {}, environ={"kitsuTaskId": "x"}) is None


# --- find_target: within a level -------------------------------------------------------------


@pytest.mark.parametrize("level", ["instance", "context"])
def test_task_id_wins_over_names_within_a_level(level):
    data = dict(FULL_NAMES, kitsuTaskId="the-id")
    instance, context = (data, {}) if level == "instance" else ({}, data)
    target = plan.find_target(instance, context, environ={})
    assert target == model.Target(level, task_id="the-id")


def test_task_id_wins_over_names_in_environment():
    env = dict(FULL_ENV, KITSU_TASK_ID="env-id")
    assert plan.find_target({}, {}, environ=env) == model.Target("environment", task_id="env-id")


def test_task_id_with_incomplete_names_is_no_error():
    target = plan.find_target({"kitsuTaskId": "id", "kitsuProject": "Spring"}, {}, environ={})
    assert target == model.Target("instance", task_id="id")


def test_incomplete_instance_names_error_names_the_missing_keys_and_instance():
    with pytest.raises(TargetError) as info:
        plan.find_target({"kitsuProject": "Spring"}, {}, environ={}, instance_name="animMain")
    message = str(info.value)
    assert message.startswith("instance 'animMain': ")
    assert "instance level is incomplete" in message
    assert "missing kitsuEntity, kitsuTaskType." in message
    assert "kitsuProject," not in message.split("Give")[0]
    assert info.value.instance == "animMain"


def test_incomplete_context_names_error_names_the_missing_key():
    context = {"kitsuProject": "Spring", "kitsuEntity": "SH010"}
    with pytest.raises(TargetError) as info:
        plan.find_target({}, context, environ={})
    message = str(info.value)
    assert "context level is incomplete: missing kitsuTaskType." in message


def test_incomplete_environment_names_error_names_the_env_variables():
    with pytest.raises(TargetError) as info:
        plan.find_target({}, {}, environ={"KITSU_ENTITY": "SH010"})
    message = str(info.value)
    assert "environment level is incomplete" in message
    assert "missing kitsuProject (KITSU_PROJECT), kitsuTaskType (KITSU_TASK_TYPE)." in message


def test_no_target_anywhere_is_none():
    assert (
        plan.find_target({"name": "x", "family": "render"}, {"comment": "c"}, environ={}) is None
    )


def test_unrelated_environment_is_no_target():
    assert plan.find_target({}, {}, environ={"KITSU_SERVER": "https://k", "PATH": "/bin"}) is None


def test_whitespace_only_values_count_as_absent():
    instance = {
        "kitsuTaskId": "   ",
        "kitsuProject": "\t",
        "kitsuEntity": "",
        "kitsuTaskType": "\n",
    }
    target = plan.find_target(instance, {"kitsuTaskId": "ctx"}, environ={})
    assert target == model.Target("context", task_id="ctx")


def test_whitespace_only_everywhere_is_no_target():
    env = {"KITSU_TASK_ID": " ", "KITSU_PROJECT": "  "}
    assert plan.find_target({"kitsuTaskId": " "}, {"kitsuEntity": " "}, environ=env) is None


def test_whitespace_only_name_counts_as_missing():
    instance = dict(FULL_NAMES, kitsuEntity="  ")
    with pytest.raises(TargetError, match="missing kitsuEntity"):
        plan.find_target(instance, {}, environ={})


def test_target_values_are_stripped():
    target = plan.find_target({"kitsuTaskId": "  abc \n"}, {}, environ={})
    assert target is not None
    assert target.task_id == "abc"


def test_none_values_count_as_absent():
    instance = {"kitsuTaskId": None, "kitsuProject": None}
    target = plan.find_target(instance, {"kitsuTaskId": "ctx"}, environ={})
    assert target == model.Target("context", task_id="ctx")


def test_target_describe_names_the_level():
    assert model.Target("context", task_id="abc").describe() == "task id abc (from context)"
    names = model.Target("instance", project="P", entity="E", task_type="T").describe()
    assert names == "project 'P', entity 'E', task type 'T' (from instance)"


# --- member_of ----------------------------------------------------------------------------


def test_instance_comment_wins_when_non_empty():
    m = plan.member_of({"comment": "instance says"}, "context says", "x")
    assert m.comment == "instance says"


@pytest.mark.parametrize("instance_comment", [None, "", "   ", 42, ["a"]])
def test_context_comment_is_used_when_instance_comment_is_not_a_non_empty_string(
    instance_comment,
):
    data = {} if instance_comment is None else {"comment": instance_comment}
    assert plan.member_of(data, "context says", "x").comment == "context says"


def test_missing_comment_everywhere_is_empty_text():
    assert plan.member_of({}, None, "x").comment == ""


def test_comment_is_stripped():
    assert plan.member_of({"comment": "  fixed arm\n"}, "", "x").comment == "fixed arm"
    assert plan.member_of({}, "  from context \n", "x").comment == "from context"


def test_product_type_falls_back_to_family():
    assert plan.member_of({"family": "review"}, "", "x").product_type == "review"


def test_product_type_wins_over_family():
    data = {"productType": "render", "family": "review"}
    assert plan.member_of(data, "", "x").product_type == "render"


def test_missing_product_type_is_empty_text():
    assert plan.member_of({}, "", "x").product_type == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [(3, 3), ("3", 3), ("v003", 3), ("V012", 12), (" 7 ", 7), (0, 0)],
)
def test_version_becomes_an_int(value, expected):
    version = plan.member_of({"version": value}, "", "x").version
    assert version == expected
    assert type(version) is int


@pytest.mark.parametrize("value", [None, "latest", "", True, "v"])
def test_version_that_is_no_number_becomes_none(value):
    assert plan.member_of({"version": value}, "", "x").version is None


@pytest.mark.parametrize("value", ["\u00b3", "v\u00b2", "3.0", "v3a"])
def test_version_with_digit_like_text_becomes_none_instead_of_crashing(value):
    # "³".isdigit() is True but int("³") raises: such text is no version number.
    assert plan.member_of({"version": value}, "", "x").version is None


def test_member_name_prefers_product_name_then_name_then_given_name():
    assert plan.member_of({"productName": "pn", "name": "n"}, "", "given").name == "pn"
    assert plan.member_of({"name": "n"}, "", "given").name == "n"
    assert plan.member_of({}, "", "given").name == "given"


def test_member_keeps_the_raw_data():
    data = {"name": "animMain", "frameStart": 1001}
    assert plan.member_of(data, "", "x").data == data


# --- group_by_task ----------------------------------------------------------------------------


def test_group_by_task_gives_one_group_per_task_in_publish_order():
    a, b, c, d = (member(n) for n in "abcd")
    groups = plan.group_by_task([("t2", a), ("t1", b), ("t2", c), ("t3", d)])
    assert groups == [("t2", (a, c)), ("t1", (b,)), ("t3", (d,))]


def test_group_by_task_keeps_member_order_within_a_group():
    members = [member(f"m{i}") for i in range(5)]
    groups = plan.group_by_task(("t", m) for m in members)
    assert groups == [("t", tuple(members))]


def test_group_by_task_per_instance_gives_one_group_per_instance():
    a, b, c = (member(n) for n in "abc")
    groups = plan.group_by_task([("t1", a), ("t1", b), ("t2", c)], per_instance=True)
    assert groups == [("t1", (a,)), ("t1", (b,)), ("t2", (c,))]


def test_group_by_task_of_nothing_is_empty():
    assert plan.group_by_task([]) == []


# --- build_note: without template ------------------------------------------------------------


def test_without_template_text_is_the_distinct_comments_joined_by_a_blank_line():
    members = [
        member("a", comment="Fixed the arm"),
        member("b", comment="Fixed the arm"),
        member("c", comment="New render"),
    ]
    note = plan.build_note(Settings(), TASK, members)
    assert note.text == "Fixed the arm\n\nNew render"


def test_without_template_empty_comments_are_left_out():
    members = [member("a", comment=""), member("b", comment="only this")]
    assert plan.build_note(Settings(), TASK, members).text == "only this"


def test_without_template_no_comment_gives_empty_text():
    assert plan.build_note(Settings(), TASK, [member("a")]).text == ""


def test_without_template_each_comment_keeps_its_single_line_breaks():
    members = [member("a", comment="Fixed the arm\nand the hand"), member("b", comment="x\ny")]
    note = plan.build_note(Settings(), TASK, members)
    assert note.text == "Fixed the arm  \nand the hand\n\nx  \ny"


def test_templates_see_the_comments_with_their_line_breaks_kept():
    s = with_template("{{ comment }}|{% for i in instances %}{{ i.comment }}{% endfor %}")
    note = plan.build_note(s, TASK, [member("a", comment="one\ntwo")])
    assert note.text == "one  \ntwo|one  \ntwo"
    legacy = with_template("{comment}", syntax="legacy")
    assert plan.build_note(legacy, TASK, [member("a", comment="one\ntwo")]).text == "one  \ntwo"


def test_templates_see_the_raw_comment_in_the_instance_data():
    s = with_template("{{ data.comment }}")
    assert plan.build_note(s, TASK, [member("a", comment="one\ntwo")]).text == "one\ntwo"


def test_disabled_template_is_not_used():
    s = replace(Settings(), template=CommentTemplate(False, "IGNORED {{ comment }}", "jinja"))
    assert plan.build_note(s, TASK, [member("a", comment="c")]).text == "c"


def test_a_note_plan_cannot_be_changed():
    note = plan.build_note(Settings(), TASK, [member("a", comment="x")])
    with pytest.raises(AttributeError):
        note.text = "other"  # type: ignore[misc]


def test_note_plan_carries_task_members_and_decision():
    members = (member("a", comment="x"), member("b"))
    note = plan.build_note(Settings(), TASK, list(members))
    assert note.task == TASK
    assert note.members == members
    assert note.decision.status_before == "wip"
    assert note.decision.status_after == "wfa"


# --- build_note: the decision is per task ---------------------------------------------------


def test_decision_uses_the_product_types_of_the_task_members():
    s = replace(Settings(), product_type_requirements=(Condition("not_equal", "workfile"),))
    only_workfile = plan.build_note(s, TASK, [member("wf", "workfile")])
    with_render = plan.build_note(s, TASK, [member("wf", "workfile"), member("r", "render")])
    assert only_workfile.decision.change is False
    assert with_render.decision.change is True


def test_decision_uses_the_task_status():
    s = replace(Settings(), status_conditions=(Condition("equal", "wip"),))
    todo = replace(TASK, status="todo")
    assert plan.build_note(s, TASK, [member("a")]).decision.change is True
    assert plan.build_note(s, todo, [member("a")]).decision.change is False


def test_summary_names_task_statuses_and_instances():
    note = plan.build_note(Settings(), TASK, [member("animMain"), member("renderMain")])
    assert note.summary() == (
        "Spring / SQ010/SH010 / Animation: status 'wip' -> 'wfa' for [animMain, renderMain]"
    )


# --- build_note: jinja template -----------------------------------------------------------------


def test_template_variables_come_from_the_first_member():
    s = with_template("{{ comment }}|{{ version }}|{{ product_type }}|{{ family }}|{{ name }}")
    members = [
        member("animMain", "animation", 3, "first comment"),
        member("renderMain", "render", 12, "second comment"),
    ]
    assert plan.build_note(s, TASK, members).text == "first comment|3|animation|animation|animMain"


def test_template_version_is_an_integer():
    s = with_template("v{{ '%03d' % version }} {{ version + 1 }}")
    assert plan.build_note(s, TASK, [member("a", version="v007")]).text == "v007 8"


def test_template_instances_lists_every_member_in_order():
    s = with_template(
        "{% for i in instances %}{{ i.name }}:{{ i.product_type }}:{{ i.family }}:"
        "{{ i.version }}:{{ i.comment }};{% endfor %}{{ instances | length }}"
    )
    members = [
        member("animMain", "animation", 3, "c1"),
        member("renderMain", "render", 12, "c2"),
        member("workfileMain", "workfile", 4, ""),
    ]
    assert plan.build_note(s, TASK, members).text == (
        "animMain:animation:animation:3:c1;renderMain:render:render:12:c2;"
        "workfileMain:workfile:workfile:4:;3"
    )


def test_template_sees_each_instance_raw_data():
    s = with_template("{% for i in instances %}{{ i.data.frameStart }} {% endfor %}")
    members = [member("a", frameStart=1001), member("b", frameStart=2001)]
    assert plan.build_note(s, TASK, members).text == "1001 2001 "


def test_template_data_is_the_first_member_raw_data():
    s = with_template("{{ data.frameStart }}-{{ data.frameEnd }}")
    members = [member("a", frameStart=1001, frameEnd=1010), member("b", frameStart=1, frameEnd=2)]
    assert plan.build_note(s, TASK, members).text == "1001-1010"


def test_template_sees_task_host_and_user():
    s = with_template("{{ project }}/{{ entity }}/{{ task_type }} {{ host }} {{ user }}")
    note = plan.build_note(s, TASK, [member("a")], host="maya", user="jdoe")
    assert note.text == "Spring/SQ010/SH010/Animation maya jdoe"


def test_template_status_variables_show_a_change():
    s = with_template(
        "{{ status_before }} -> {{ status_after }}",
        note_status_shortname="wfa",
        status_conditions=(Condition("equal", "wip"),),
    )
    assert plan.build_note(s, TASK, [member("a")]).text == "wip -> wfa"


def test_template_status_variables_show_a_kept_status():
    s = with_template(
        "{{ status_before }} -> {{ status_after }}",
        status_conditions=(Condition("not_equal", "wip"),),
    )
    note = plan.build_note(s, TASK, [member("a")])
    assert note.decision.change is False
    assert note.text == "wip -> wip"


def test_template_status_variables_with_set_status_note_off():
    s = with_template("{{ status_before }}/{{ status_after }}", set_status_note=False)
    assert plan.build_note(s, TASK, [member("a")]).text == "wip/wip"


def test_template_undefined_name_error_names_the_name_task_and_instances():
    s = with_template("{{ frame_start }}")
    with pytest.raises(TemplateError) as info:
        plan.build_note(s, TASK, [member("animMain"), member("renderMain")])
    message = str(info.value)
    assert "'frame_start' is undefined" in message
    assert "SQ010/SH010 / Animation" in message
    assert "animMain, renderMain" in message


def test_per_instance_groups_give_each_note_its_own_first_member():
    s = with_template("{{ name }} v{{ version }} ({{ instances | length }})")
    pairs = [
        ("task-1", member("animMain", version=3)),
        ("task-1", member("renderMain", version=5)),
    ]
    texts = [
        plan.build_note(s, TASK, list(members)).text
        for _, members in plan.group_by_task(pairs, per_instance=True)
    ]
    assert texts == ["animMain v3 (1)", "renderMain v5 (1)"]


def test_architecture_example_renders_the_table_for_two_instances(tmp_path):
    path = tmp_path / "studio.toml"
    path.write_text(
        "[IntegrateKitsuNote.custom_comment_template]\n"
        "enabled = true\n"
        'comment_template = """{{ comment }}\n'
        "\n"
        "| product | version |\n"
        "|--|--|\n"
        "{% for i in instances %}| {{ i.name | md }} | v{{ '%03d' % i.version }} |\n"
        '{% endfor %}"""\n',
        encoding="utf-8",
    )
    s = settings.load_file(path)
    members = [
        member("animMain", "animation", "v003", "Blocking done"),
        member("render_main", "render", 12, "ignored: not the first"),
    ]
    assert plan.build_note(s, TASK, members).text == (
        "Blocking done\n"
        "\n"
        "| product | version |\n"
        "|--|--|\n"
        "| animMain | v003 |\n"
        "| render\\_main | v012 |\n"
    )


# --- build_note: legacy template --------------------------------------------------------------


def test_legacy_template_reads_our_variables_and_first_instance_data():
    s = with_template("{comment} | {name} v{version} | {frameStart}", syntax="legacy")
    members = [
        member("animMain", "animation", "v003", "hello", frameStart=1001),
        member("other", frameStart=1),
    ]
    assert plan.build_note(s, TASK, members).text == "hello | animMain v3 | 1001"


def test_legacy_template_our_variables_win_over_raw_data():
    s = with_template("{comment}/{version}", syntax="legacy")
    m = plan.member_of({"comment": "", "version": "v004"}, "from context", "x")
    assert plan.build_note(s, TASK, [m]).text == "from context/4"


def test_legacy_template_missing_key_warns_through_build_note():
    s = with_template("{comment}{nope}", syntax="legacy")
    warnings: list[str] = []
    note = plan.build_note(s, TASK, [member("a", comment="c")], warn=warnings.append)
    assert note.text == "c"
    assert len(warnings) == 1
    assert "{nope}" in warnings[0]


def test_export_settings_render_the_legacy_template():
    s = settings.parse(
        {
            "publish": {
                "IntegrateKitsuNote": {
                    "custom_comment_template": {
                        "enabled": True,
                        "comment_template": "{comment} ({product_type} {family})",
                    }
                }
            }
        }
    )
    note = plan.build_note(s, TASK, [member("a", "review", comment="done")])
    assert note.text == "done (review review)"


# --- purity -----------------------------------------------------------------------------------


def test_every_name_the_module_exports_exists():
    missing = [name for name in plan.__all__ if not hasattr(plan, name)]
    assert missing == []


def test_pure_core_imports_neither_pyblish_nor_gazu_nor_jinja2():
    code = (
        "import sys\n"
        "import kitsu_publish.settings, kitsu_publish.rules, kitsu_publish.template\n"
        "import kitsu_publish.plan, kitsu_publish.errors\n"
        "bad = sorted(m for m in ('pyblish', 'gazu', 'jinja2') if m in sys.modules)\n"
        "print(','.join(bad))\n"
        "sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_target_value_that_is_not_text_is_an_error_naming_key_and_type():
    with pytest.raises(TargetError) as info:
        plan.find_target({"kitsuTaskId": 12345}, {}, {}, "renderMain")
    assert str(info.value) == (
        "instance 'renderMain': kitsuTaskId at instance level must be text, found int 12345"
    )


def test_a_whole_float_version_becomes_an_int():
    assert plan.member_of({"version": 3.0}, "", "x").version == 3
    assert plan.member_of({"version": 3.5}, "", "x").version is None


def test_an_int_version_is_taken_as_it_is_even_negative():
    # docs/data-contract.md: "an int"; some pipelines use -1 for "not versioned yet"
    assert plan.member_of({"version": -1}, "", "x").version == -1
    assert plan.member_of({"version": -2.0}, "", "x").version == -2
    assert plan.member_of({"version": "-1"}, "", "x").version is None


# --- build_note: text Kitsu cannot store ------------------------------------------------------


def test_a_comment_with_a_nul_is_a_template_error_naming_the_instance():
    members = [member("animMain", comment="ok"), member("renderMain", comment="bad\x00")]
    with pytest.raises(TemplateError) as info:
        plan.build_note(Settings(), TASK, members)
    assert str(info.value) == (
        "instance 'renderMain': the comment contains a NUL character at position 4 "
        "(after 'bad'), which Kitsu cannot store; remove it"
    )


def test_comments_are_checked_even_when_the_template_does_not_use_them():
    s = with_template("{{ name }}")
    with pytest.raises(TemplateError, match="instance 'a': the comment contains a lone"):
        plan.build_note(s, TASK, [member("a", comment="x\udc80y")])


def test_a_rendered_note_with_a_control_character_names_task_and_instances():
    s = with_template("{{ data.label }}")
    with pytest.raises(TemplateError) as info:
        plan.build_note(s, TASK, [member("animMain", label="a\x1bb"), member("b")])
    assert str(info.value).startswith(
        "task Spring / SQ010/SH010 / Animation, instances animMain, b: the rendered note "
        "contains the control character U+001B at position 2"
    )


def test_joined_comments_over_the_limit_are_a_template_error():
    members = [member("a", comment="x" * 60_000), member("b", comment="y" * 60_000)]
    with pytest.raises(TemplateError) as info:
        plan.build_note(Settings(), TASK, members)
    message = str(info.value)
    assert message.startswith("task Spring / SQ010/SH010 / Animation, instances a, b: the note")
    assert "120,002 characters long, over the limit of 100,000" in message


def test_a_legacy_template_over_the_output_limit_is_a_template_error():
    s = with_template("{comment}{comment}", syntax="legacy")
    with pytest.raises(TemplateError, match="output size limit of 100,000"):
        plan.build_note(s, TASK, [member("a", comment="x" * 60_000)])


def test_a_jinja_template_over_the_output_limit_names_the_task():
    s = with_template("{% for i in range(100000) %}{{ comment }}{% endfor %}")
    with pytest.raises(TemplateError) as info:
        plan.build_note(s, TASK, [member("animMain", comment="0123456789")])
    assert "output size limit" in str(info.value)
    assert "(task Spring / SQ010/SH010 / Animation, instances animMain)" in str(info.value)


# --- build_note: hashtags ------------------------------------------------------------------------


def note_warnings(text: str, task: TaskInfo = TASK, **values) -> list[str]:
    warnings: list[str] = []
    s = with_template(text, **values)
    plan.build_note(s, task, [member("a", comment="c")], warn=warnings.append)
    return warnings


def test_hash_all_warns_that_every_other_task_gets_the_note():
    warnings = note_warnings("Ready for #all to check")
    assert warnings == [
        "task Spring / SQ010/SH010 / Animation: the note contains #all, so Kitsu will also "
        "post it to every other task of SQ010/SH010; to show a '#' without this, use the md "
        "filter or write \\#<span></span>"
    ]


def test_task_type_hashtags_warn_once_naming_each():
    warnings = note_warnings("for #Lighting and #comp, again #lighting")
    assert len(warnings) == 1
    assert warnings[0].startswith(
        "task Spring / SQ010/SH010 / Animation: the note contains #lighting, #comp, so it "
        "would also be posted to the entity's 'lighting' and 'comp' tasks, those it has"
    )


def test_one_task_type_hashtag_is_worded_for_one_task():
    (warning,) = note_warnings("see #fx")
    assert "would also be posted to the entity's 'fx' task if it has one" in warning


def test_a_hashtag_of_the_task_own_type_does_not_warn():
    # Zou leaves out the task the comment is posted to
    assert note_warnings("#Animation done") == []


def test_md_escaped_hashtags_do_not_warn():
    assert note_warnings("{{ '#all #lighting' | md }}") == []


def test_hashtags_in_a_comment_without_template_warn():
    warnings: list[str] = []
    plan.build_note(Settings(), TASK, [member("a", comment="#all")], warn=warnings.append)
    assert len(warnings) == 1
    assert "#all" in warnings[0]


def test_hashtags_without_a_warn_callback_are_no_error():
    note = plan.build_note(with_template("#all"), TASK, [member("a")])
    assert note.text == "#all"


def test_no_hashtag_no_warning():
    assert note_warnings("issue #12 and C# and &#35;all") == []


# --- build_note: templates read plain data ------------------------------------------------------


class LiveContext:
    """Stands for a pyblish Context stored in instance data."""

    def __init__(self) -> None:
        self.created: list[str] = []

    def create_instance(self, name: str) -> str:
        self.created.append(name)
        return name

    def __str__(self) -> str:
        return "<Context>"


@pytest.mark.parametrize(
    "text",
    [
        "{{ data.ctx.create_instance('evil') }}",
        "{{ instances[0].data.ctx.create_instance('evil') }}",
        "{{ instances[1].data.nested.ctx.create_instance('evil') }}",
    ],
)
def test_a_template_cannot_call_methods_of_objects_in_instance_data(text):
    ctx = LiveContext()
    members = [member("a", ctx=ctx), member("b", nested={"ctx": ctx})]
    with pytest.raises(TemplateError, match="no attribute 'create_instance'"):
        plan.build_note(with_template(text), TASK, members)
    assert ctx.created == []


def test_objects_in_instance_data_render_as_their_text():
    s = with_template("{{ data.ctx }} {{ data.frames }} {{ data.tags }}")
    m = member("a", ctx=LiveContext(), frames=(1001, 1002), tags={"b", "a"})
    assert plan.build_note(s, TASK, [m]).text == "<Context> [1001, 1002] ['a', 'b']"


def test_a_legacy_template_reads_the_plain_copy_too():
    s = with_template("{ctx}|{frames}", syntax="legacy")
    m = member("a", ctx=LiveContext(), frames=(1, 2))
    assert plan.build_note(s, TASK, [m]).text == "<Context>|[1, 2]"


def test_a_cycle_in_instance_data_does_not_hang():
    raw = {"name": "a", "productType": "render", "version": 1, "comment": "c"}
    raw["self"] = raw
    raw["list"] = [raw, [1]]
    m = plan.member_of(raw, "", "a")
    jinja_note = plan.build_note(with_template("{{ data.self }} {{ data.list }}"), TASK, [m])
    assert jinja_note.text == "{...} ['{...}', [1]]"
    legacy_note = plan.build_note(with_template("{self}", syntax="legacy"), TASK, [m])
    assert legacy_note.text == "{...}"


def test_the_member_keeps_its_live_data_for_the_plugins():
    ctx = LiveContext()
    m = member("a", ctx=ctx)
    plan.build_note(with_template("{{ data.ctx }}"), TASK, [m])
    assert m.data["ctx"] is ctx


# --- find_target: errors carry the instance ---------------------------------------------------


def test_a_target_error_without_an_instance_name_names_no_instance():
    with pytest.raises(TargetError) as info:
        plan.find_target({"kitsuProject": "Spring"}, {}, environ={})
    assert not info.value.instance
    assert str(info.value).startswith("the Kitsu target at instance level is incomplete")


def test_a_target_value_that_is_not_text_names_the_instance_in_the_error_field():
    with pytest.raises(TargetError) as info:
        plan.find_target({}, {"kitsuEntity": ["SH010"]}, {}, "renderMain")
    assert info.value.instance == "renderMain"
    assert "kitsuEntity at context level must be text, found list" in str(info.value)


# --- tasks_of and plan_notes: a whole publish -------------------------------------------------


def task_info(task_id: str, status: str = "wip", task_type: str = "Animation") -> TaskInfo:
    return TaskInfo(
        id=task_id, project="Spring", entity="SQ010/SH010", task_type=task_type, status=status
    )


ANIM = task_info("task-anim")
LIGHT = task_info("task-light", status="todo", task_type="Lighting")


def entry(task: TaskInfo, entry_name: str, product_type: str = "render", **data) -> plan.Entry:
    return (task, {"productType": product_type, **data}, entry_name)


def test_tasks_of_groups_the_instances_by_task_in_publish_order():
    entries = [
        entry(ANIM, "animMain", "animation"),
        entry(LIGHT, "lightMain"),
        entry(ANIM, "workfileMain", "workfile"),
    ]
    groups = plan.tasks_of(Settings(), entries, "")
    assert [(task, [m.name for m in members]) for task, members in groups] == [
        (ANIM, ["animMain", "workfileMain"]),
        (LIGHT, ["lightMain"]),
    ]
    assert [m.product_type for m in groups[0][1]] == ["animation", "workfile"]


def test_tasks_of_with_note_per_instance_gives_each_instance_its_own_group():
    entries = [entry(ANIM, "a"), entry(ANIM, "b"), entry(LIGHT, "c")]
    groups = plan.tasks_of(replace(Settings(), note_per_instance=True), entries, "")
    assert [(task.id, [m.name for m in members]) for task, members in groups] == [
        ("task-anim", ["a"]),
        ("task-anim", ["b"]),
        ("task-light", ["c"]),
    ]


def test_tasks_of_gives_the_context_comment_to_instances_without_their_own():
    entries = [entry(ANIM, "a", comment="mine"), entry(ANIM, "b")]
    ((_, members),) = plan.tasks_of(Settings(), entries, " from the comment box ")
    assert [m.comment for m in members] == ["mine", "from the comment box"]


def test_tasks_of_names_each_member_by_product_name_then_name_then_the_entry_name():
    entries = [
        entry(ANIM, "entryA", productName="animMain", name="a"),
        entry(ANIM, "entryB", name="b"),
        entry(ANIM, "entryC"),
    ]
    ((_, members),) = plan.tasks_of(Settings(), entries, "")
    assert [m.name for m in members] == ["animMain", "b", "entryC"]


def test_tasks_of_nothing_is_no_group():
    assert plan.tasks_of(Settings(), [], "comment") == []


def test_tasks_of_reads_the_entries_once_so_a_generator_will_do():
    groups = plan.tasks_of(Settings(), (e for e in [entry(ANIM, "a")]), "")
    assert [task for task, _ in groups] == [ANIM]


def test_plan_notes_gives_one_note_per_task_decided_on_its_own_instances():
    s = replace(Settings(), product_type_requirements=(Condition("not_equal", "workfile"),))
    entries = [
        entry(ANIM, "workfileMain", "workfile", comment="wf"),
        entry(LIGHT, "lightMain", "render", comment="light"),
        entry(ANIM, "workfileB", "workfile", comment="wf b"),
    ]
    notes = plan.plan_notes(s, entries, "")
    assert [n.task for n in notes] == [ANIM, LIGHT]
    assert [[m.name for m in n.members] for n in notes] == [
        ["workfileMain", "workfileB"],
        ["lightMain"],
    ]
    assert [n.text for n in notes] == ["wf\n\nwf b", "light"]
    anim, light = notes
    assert (anim.decision.change, anim.decision.status_after) == (False, "wip")
    assert (light.decision.change, light.decision.status_after) == (True, "wfa")


def test_plan_notes_with_note_per_instance_decides_each_instance_alone():
    s = replace(
        Settings(),
        note_per_instance=True,
        product_type_requirements=(Condition("not_equal", "workfile"),),
    )
    entries = [entry(ANIM, "workfileMain", "workfile"), entry(ANIM, "renderMain", "render")]
    notes = plan.plan_notes(s, entries, "")
    assert [(n.members[0].name, n.decision.change) for n in notes] == [
        ("workfileMain", False),
        ("renderMain", True),
    ]


def test_plan_notes_passes_host_user_and_warn_to_every_note():
    warnings: list[str] = []
    s = with_template("{{ host }}/{{ user }} #comp")
    notes = plan.plan_notes(
        s, [entry(ANIM, "a"), entry(LIGHT, "b")], "", "maya", "jdoe", warnings.append
    )
    assert [n.text for n in notes] == ["maya/jdoe #comp", "maya/jdoe #comp"]
    assert len(warnings) == 2


def test_plan_notes_without_host_and_user_gives_the_templates_empty_ones():
    (note,) = plan.plan_notes(with_template("[{{ host }}|{{ user }}]"), [entry(ANIM, "a")], "")
    assert note.text == "[|]"


def test_plan_notes_of_nothing_is_no_note():
    assert plan.plan_notes(Settings(), [], "comment") == []


def test_plan_notes_stops_at_text_kitsu_cannot_store():
    entries = [entry(ANIM, "a", comment="ok"), entry(LIGHT, "b", comment="bad\x00")]
    with pytest.raises(TemplateError, match="instance 'b': the comment contains a NUL"):
        plan.plan_notes(Settings(), entries, "")


# --- notes_of: the tasks read fresh -------------------------------------------------------------


def test_notes_of_decides_on_the_task_read_fresh_when_given():
    s = replace(Settings(), status_conditions=(Condition("not_equal", "done"),))
    groups = plan.tasks_of(s, [entry(ANIM, "a"), entry(LIGHT, "b")], "")
    fresh = {"task-anim": replace(ANIM, status="done")}
    anim, light = plan.notes_of(s, groups, tasks=fresh)
    assert anim.task.status == "done"
    assert (anim.decision.change, anim.decision.status_after) == (False, "done")
    assert light.task == LIGHT
    assert light.decision.change is True


def test_notes_of_without_fresh_tasks_uses_the_tasks_collected():
    s = with_template("{{ status_before }} [{{ host }}|{{ user }}]")
    groups = plan.tasks_of(s, [entry(ANIM, "a"), entry(LIGHT, "b")], "")
    assert [n.text for n in plan.notes_of(s, groups)] == ["wip [|]", "todo [|]"]
    assert [n.text for n in plan.notes_of(s, groups, "nuke", "ann", None, {})] == [
        "wip [nuke|ann]",
        "todo [nuke|ann]",
    ]


def test_build_note_without_host_and_user_gives_the_template_empty_ones():
    note = plan.build_note(with_template("[{{ host }}|{{ user }}]"), TASK, [member("a")])
    assert note.text == "[|]"


# --- instance names, active instances, the user -------------------------------------------------


def test_an_instance_is_named_by_product_name_then_name_then_the_fallback():
    assert plan.instance_name({"productName": "animMain", "name": "a"}, "f") == "animMain"
    assert plan.instance_name({"productName": "", "name": "a"}, "f") == "a"
    assert plan.instance_name({}, "fallback") == "fallback"
    assert plan.instance_name({"name": 12}, "f") == "12"


@pytest.mark.parametrize(
    ("data", "active"),
    [
        ({}, True),
        ({"publish": True}, True),
        ({"publish": False}, False),
        ({"publish": None}, True),  # only an explicit False switches an instance off
        ({"farm": True}, False),
        ({"farm": False}, True),
        ({"publish": True, "farm": True}, False),
    ],
)
def test_an_instance_takes_part_unless_switched_off_or_sent_to_the_farm(data, active):
    assert plan.is_active(data) is active


def test_the_user_is_the_context_s_when_it_has_one(monkeypatch):
    monkeypatch.setattr(getpass, "getuser", lambda: "login")
    assert plan.user_name({"user": "Ann"}) == "Ann"
    assert plan.user_name({"user": 42}) == "42"


def test_the_user_is_the_login_name_when_the_context_has_none(monkeypatch):
    monkeypatch.setattr(getpass, "getuser", lambda: "login")
    assert plan.user_name({}) == "login"
    assert plan.user_name({"user": ""}) == "login"


@pytest.mark.parametrize("error", [OSError("no login name"), KeyError("uid 1234")])
def test_the_user_is_empty_when_there_is_no_login_name(monkeypatch, error):
    def no_login() -> str:
        raise error

    monkeypatch.setattr(getpass, "getuser", no_login)
    assert plan.user_name({}) == ""
