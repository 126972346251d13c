"""Status profiles: read from the settings, chosen per task, applied key by key.

Pure: settings data in, :class:`Settings` and :class:`NotePlan` out (no server).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from kitsu_publish import plan, profiles, settings
from kitsu_publish.errors import SettingsError
from kitsu_publish.model import Member, TaskInfo

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

TASK = TaskInfo("t1", "Proj", "sh010", "Animation", "wip", {"name": "main", "project_id": "p1"})
LIGHTING = TaskInfo("t2", "Proj", "sh010", "Lighting", "wip", {"name": "main"})


def member(name: str = "animMain", product_type: str = "animation", comment: str = "c") -> Member:
    return Member(name, product_type, 3, comment, {"comment": comment})


def loaded(*profile_tables: dict[str, Any], **note: Any) -> settings.Settings:
    data = {"IntegrateKitsuNote": {**note, "status_profiles": list(profile_tables)}}
    return settings.parse(data, "studio.toml", exports=False)


def error(*profile_tables: Any) -> SettingsError:
    with pytest.raises(SettingsError) as info:
        settings.parse(
            {"IntegrateKitsuNote": {"status_profiles": list(profile_tables)}},
            "studio.toml",
            exports=False,
        )
    return info.value


def note(s: settings.Settings, task: TaskInfo = TASK, *members: Member, hosts=("maya",)):
    return plan.build_note(s, task, members or (member(),), hosts=hosts)


# --- reading ------------------------------------------------------------------------------


def test_no_profiles_by_default():
    assert settings.Settings().status_profiles == ()
    assert settings.parse({}, "x.toml").status_profiles == ()


def test_a_profile_keeps_only_what_it_sets():
    s = loaded({"task_types": ["Lighting"], "note_status_shortname": " rendering "})
    (profile,) = s.status_profiles
    assert profile.position == 0
    assert [(name, [p.pattern for p in ps]) for name, ps in profile.filters] == [
        ("task_types", ["Lighting"])
    ]
    assert profile.results == (("note_status_shortname", "rendering"),)
    assert profile.template == ()


def test_empty_filters_are_left_out():
    (profile,) = loaded({"task_types": [], "host_names": ["nuke"]}).status_profiles
    assert [name for name, _ in profile.filters] == ["host_names"]


@pytest.mark.parametrize(
    ("table", "key", "words"),
    [
        ({"task_type": ["x"]}, "status_profiles[0].task_type", "did you mean 'task_types'"),
        ({"task_types": "Lighting"}, "status_profiles[0].task_types", "a list of names"),
        ({"task_types": ["ok", "(bad"]}, "status_profiles[0].task_types[1]", "regular exp"),
        ({"task_types": [" "]}, "status_profiles[0].task_types[0]", "must not be empty"),
        ({"task_types": [3]}, "status_profiles[0].task_types[0]", "a string"),
        ({"host_names": ["x" * 201]}, "status_profiles[0].host_names[0]", "200 characters"),
        ({"note_status_shortname": ""}, "status_profiles[0].note_status_shortname", "empty"),
        ({"set_status_note": "no"}, "status_profiles[0].set_status_note", "true or false"),
        (
            {"status_change_conditions": {"status_conditions": [{"condition": "is"}]}},
            "status_profiles[0].status_change_conditions.status_conditions[0].condition",
            "'is' is not one of",
        ),
        (
            {"custom_comment_template": {"syntax": "mustache"}},
            "status_profiles[0].custom_comment_template.syntax",
            "is not one of",
        ),
        ("wfa", "status_profiles[0]", "a table"),
    ],
)
def test_a_bad_profile_is_a_settings_error_with_its_dotted_key(table, key, words):
    found = error(table)
    assert found.key == f"IntegrateKitsuNote.{key}"
    assert words in str(found)


def test_the_position_in_the_key_is_the_profile_s_own():
    found = error({}, {"task_types": ["a"]}, {"task_types": ["[b"]})
    assert found.key == "IntegrateKitsuNote.status_profiles[2].task_types[0]"


def test_status_profiles_must_be_a_list():
    with pytest.raises(SettingsError) as info:
        settings.parse({"IntegrateKitsuNote": {"status_profiles": {}}}, "s.toml", exports=False)
    assert info.value.key == "IntegrateKitsuNote.status_profiles"


def test_an_export_has_no_status_profiles():
    data = {"publish": {"IntegrateKitsuNote": {"status_profiles": []}}}
    with pytest.raises(SettingsError) as info:
        settings.parse(data, "ayon.json")
    assert info.value.key == "publish.IntegrateKitsuNote.status_profiles"
    assert "unknown key" in str(info.value)


# --- applying: key by key -----------------------------------------------------------------


def test_what_a_profile_leaves_out_comes_from_the_table():
    s = loaded(
        {"status_change_conditions": {"product_type_requirements": []}},
        note_status_shortname="retake",
        status_change_conditions={
            "status_conditions": [{"condition": "equal", "short_name": "wip"}],
            "product_type_requirements": [{"condition": "equal", "product_type": "render"}],
        },
    )
    own = s.status_profiles[0].applied(s)
    assert own.note_status_shortname == "retake"
    assert own.status_conditions == s.status_conditions
    assert own.product_type_requirements == ()  # [] given: no requirement
    assert s.product_type_requirements != ()  # the table itself is untouched


def test_a_template_given_is_a_template_used():
    s = loaded({"custom_comment_template": {"comment_template": "L: {{ comment }}"}})
    own = s.status_profiles[0].applied(s)
    assert own.template == settings.CommentTemplate(True, "L: {{ comment }}", "jinja")
    assert s.template.enabled is False


def test_a_template_switched_off_by_a_profile_stays_off():
    s = loaded(
        {"custom_comment_template": {"enabled": False}},
        custom_comment_template={"enabled": True, "comment_template": "T {{ comment }}"},
    )
    own = s.status_profiles[0].applied(s)
    assert own.template == settings.CommentTemplate(False, "T {{ comment }}", "jinja")


def test_the_syntax_of_a_profile_template_comes_from_the_table():
    s = loaded(
        {"custom_comment_template": {"comment_template": "L {comment}"}},
        custom_comment_template={"syntax": "legacy"},
    )
    assert note(s).text == "L c"


# --- choosing -----------------------------------------------------------------------------


def test_no_match_means_the_table_applies_and_the_reason_says_so():
    s = loaded({"task_types": ["Lighting"], "note_status_shortname": "rendering"})
    found = note(s)
    assert found.profile is None
    assert found.decision.status_after == "wfa"
    assert found.decision.reason.startswith("no status profile matches: ")


def test_without_profiles_the_reason_is_the_decision_s_own():
    found = note(settings.Settings())
    assert found.decision.reason.startswith("status 'wip' and product type")


def test_a_task_type_profile_chooses_the_status():
    s = loaded(
        {"task_types": ["Lighting"], "note_status_shortname": "rendering"},
        {"task_types": ["animation"], "note_status_shortname": "wfa"},
        note_status_shortname="todo",
    )
    assert note(s, LIGHTING).decision.status_after == "rendering"
    animation = note(s, TASK)
    assert animation.decision.status_after == "wfa"
    assert animation.profile is s.status_profiles[1]
    assert animation.decision.reason.startswith("status profile #2 (task_types ['animation']): ")
    assert animation.settings.note_status_shortname == "wfa"


def test_names_match_the_whole_value_case_insensitively():
    s = loaded({"task_types": ["anim"], "note_status_shortname": "x"})
    assert note(s).profile is None  # "anim" is not the whole of "Animation"
    s = loaded({"task_types": ["ANIMATION"], "note_status_shortname": "x"})
    assert note(s).profile is not None


def test_a_regular_expression_matches_the_whole_value():
    s = loaded({"task_types": ["anim.*", "light"], "note_status_shortname": "x"})
    assert note(s).profile is not None
    assert note(s, LIGHTING).profile is None  # "light" is not the whole of "Lighting"
    s = loaded({"task_types": [".nimatio"], "note_status_shortname": "x"})
    assert note(s).profile is None


def test_task_names_match_the_kitsu_task_s_name():
    s = loaded({"task_names": ["layout"], "note_status_shortname": "x"})
    assert note(s).profile is None
    layout = TaskInfo("t3", "Proj", "sh010", "Animation", "wip", {"name": "Layout"})
    assert note(s, layout).profile is not None
    nameless = TaskInfo("t4", "Proj", "sh010", "Animation", "wip", {})
    assert note(s, nameless).profile is None


def test_any_host_may_match():
    s = loaded({"host_names": ["nuke"], "set_status_note": False})
    assert note(s, hosts=("python", "nuke")).profile is not None
    assert note(s, hosts=("python", "maya")).profile is None
    assert note(s, hosts=()).profile is None


def test_product_filters_are_checked_on_one_and_the_same_instance():
    s = loaded(
        {
            "product_types": ["render"],
            "product_names": ["renderMain"],
            "note_status_shortname": "x",
        }
    )
    crossed = (member("renderMain", "workfile"), member("other", "render"))
    assert note(s, TASK, *crossed).profile is None
    together = (member("workfileMain", "workfile"), member("renderMain", "render"))
    assert note(s, TASK, *together).profile is not None


def test_every_filter_must_pass_for_the_same_instance_with_the_task_and_host():
    s = loaded({"host_names": ["nuke"], "task_types": ["Animation"], "product_types": ["review"]})
    assert note(s, TASK, member("r", "review"), hosts=("nuke",)).profile is not None
    assert note(s, TASK, member("r", "review"), hosts=("maya",)).profile is None
    assert note(s, LIGHTING, member("r", "review"), hosts=("nuke",)).profile is None
    assert note(s, TASK, member("r", "render"), hosts=("nuke",)).profile is None


def test_the_most_specific_matching_profile_wins_and_the_first_listed_on_a_tie():
    s = loaded(
        {"task_types": ["Animation"], "note_status_shortname": "one"},
        {"task_types": ["Animation"], "host_names": ["maya"], "note_status_shortname": "two"},
        {"product_types": ["animation"], "host_names": ["maya"], "note_status_shortname": "three"},
        {"task_types": [".*"], "host_names": ["nuke"], "product_types": [".*"]},
    )
    assert note(s).decision.status_after == "two"  # 2 filters, listed before the third
    assert note(s, hosts=("houdini",)).decision.status_after == "one"  # the only match
    nuke = note(s, hosts=("nuke",))  # the fourth: 3 filters, no status of its own
    assert nuke.decision.status_after == "wfa"
    assert nuke.decision.reason.startswith("status profile #4 (host_names ['nuke']; ")


def test_a_later_more_specific_profile_wins_over_an_earlier_general_one():
    s = loaded(
        {"note_status_shortname": "general"},  # no filter: any task
        {"task_types": ["Animation"], "note_status_shortname": "specific"},
    )
    assert note(s).decision.status_after == "specific"
    assert note(s, LIGHTING).decision.status_after == "general"
    assert "no filter: any task" in note(s, LIGHTING).decision.reason


def test_a_profile_can_keep_the_status():
    s = loaded({"task_types": ["Animation"], "set_status_note": False})
    found = note(s)
    assert found.decision.change is False
    assert found.decision.status_after == "wip"
    assert "set_status_note is off" in found.decision.reason


def test_a_profile_s_own_conditions_decide():
    s = loaded(
        {
            "task_types": ["Animation"],
            "status_change_conditions": {
                "status_conditions": [{"condition": "equal", "short_name": "todo"}]
            },
        }
    )
    assert note(s).decision.change is False
    assert note(s, LIGHTING).decision.change is True


def test_a_profile_s_template_renders_the_note():
    s = loaded(
        {
            "task_types": ["Animation"],
            "custom_comment_template": {"comment_template": "{{ task_type }}: {{ comment }}"},
        }
    )
    assert note(s).text == "Animation: c"
    assert note(s, LIGHTING).text == "c"


def test_the_choice_is_made_from_what_the_publish_holds():
    (profile,) = loaded({"product_names": ["render.*"]}).status_profiles
    assert profiles.matches(profile, (), TASK, member("renderMain")) is True
    assert profiles.matches(profile, (), TASK, member("animMain")) is False


# --- the host -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("context", "registered", "env", "expected"),
    [
        ({"hostName": "nuke"}, ["python", "maya"], {"KITSU_PUBLISH_HOST": "x"}, ("nuke",)),
        ({"hostName": " nuke "}, [], {}, ("nuke",)),
        ({"hostName": ""}, ["python", "maya"], {}, ("python", "maya")),
        ({"hostName": 3}, ["python", "maya"], {}, ("python", "maya")),
        ({}, ["python", "houdini"], {"KITSU_PUBLISH_HOST": "maya"}, ("python", "houdini")),
        ({}, ["python"], {"KITSU_PUBLISH_HOST": " mayapy "}, ("mayapy", "python")),
        ({}, ["python"], {"KITSU_PUBLISH_HOST": " "}, ("python",)),
        ({}, [], {}, ()),
    ],
)
def test_the_hosts_a_profile_matches(context, registered, env, expected):
    assert profiles.hosts_of(context, registered, env) == expected


# --- the recipes of docs/settings.md, decided as docs/semantics.md says -------------------

DOCS = Path(__file__).resolve().parents[2] / "docs"


def recipe(title: str) -> settings.Settings:
    """The TOML block under '### Recipe: <title>' of docs/settings.md, loaded."""
    page = (DOCS / "settings.md").read_text(encoding="utf-8")
    section = page.split(f"### Recipe: {title}\n", 1)[1]
    text = section.split("```toml\n", 1)[1].split("```", 1)[0]
    return settings.parse(tomllib.loads(text), f"recipe {title}", exports=False)


def decided(s, task_type, status, *products, host="maya", task_name="main"):
    task = TaskInfo("t", "Proj", "sh010", task_type, status, {"name": task_name})
    members = [member(name, kind, comment="c") for name, kind in products]
    return plan.build_note(s, task, members, hosts=(host,))


def test_the_recipes_decide_as_the_semantics_page_says():
    department = recipe("per department")
    note = decided(department, "Animation", "wip", ("animationMain", "animation"))
    assert (note.profile, note.decision.status_after) == (None, "wfa")
    note = decided(department, "Lighting", "wip", ("lightMain", "render"), host="houdini")
    assert (note.profile.position, note.decision.status_after) == (0, "rendering")
    note = decided(department, "FX Sim", "todo", ("fxSim", "pointcache"), host="houdini")
    assert note.profile.position == 1 and not note.decision.change
    assert "status 'todo' is not in allowed [wip]" in note.decision.reason

    workfile = recipe("workfile-only publishes")
    note = decided(workfile, "Animation", "wip", ("workfileMain", "workfile"))
    assert note.profile is not None and not note.decision.change
    assert "no product type of [workfile] passes" in note.decision.reason
    both = decided(
        workfile, "Animation", "wip", ("workfileMain", "workfile"), ("animationMain", "animation")
    )
    assert both.decision.status_after == "wfa"
    alone_in_nuke = decided(workfile, "Comp", "wip", ("workfileMain", "workfile"), host="nuke")
    assert alone_in_nuke.profile is None and alone_in_nuke.decision.change

    review = recipe("review from compositing")
    note = decided(review, "Compositing", "wip", ("compReview", "review"), host="nuke")
    assert note.profile.position == 0 and note.decision.status_after == "wfa"
    assert note.text == "Comp review, v003\n\nc"
    on_layout = decided(
        review, "Layout", "wip", ("compReview", "review"), host="nuke", task_name="layout"
    )
    assert on_layout.profile.position == 0  # two filters beat one
    camera = decided(review, "Layout", "wip", ("layoutCam", "camera"), task_name="layout")
    assert (camera.profile.position, camera.text) == (1, "Layout: c")


class _Context:
    def __init__(self, **data: Any) -> None:
        self.data = data


def test_templates_see_one_host_the_context_s_own_first():
    from kitsu_publish.flow import common

    pyblish_api = pytest.importorskip("pyblish.api")
    pyblish_api.register_host("maya")
    try:
        assert common.host(_Context(host="nuke", hostName="houdini")) == "nuke"
        assert common.host(_Context(hostName="houdini")) == "houdini"
        assert common.host(_Context(hostName="")) == "maya"
        assert common.hosts(_Context(hostName="houdini")) == ("houdini",)
        assert "maya" in common.hosts(_Context())
    finally:
        pyblish_api.deregister_host("maya")


# --- the farm filter: a note at submission --------------------------------------------------

FARM = (
    {"task_types": ["Lighting"], "note_status_shortname": "wfa"},
    {
        "farm": True,
        "note_status_shortname": "rendering",
        "custom_comment_template": {
            "comment_template": "Submitted to the farm: {% for i in instances if i.farm %}"
            "{{ i.name }} v{{ '%03d' % i.version }}{% endfor %}"
        },
    },
)


def farm_member(name: str = "renderMain") -> Member:
    return Member(name, "render", 3, "c", {"farm": True}, farm=True)


def test_the_farm_filter_is_read_described_and_counted():
    (profile,) = loaded({"farm": False, "task_types": ["x"]}).status_profiles
    assert profile.farm is False and profile.score == 2
    assert profile.describe() == "status profile #1 (task_types ['x']; farm false)"
    assert loaded({}).status_profiles[0].farm is None
    found = error({"farm": "yes"})
    assert found.key == "IntegrateKitsuNote.status_profiles[0].farm"


def test_farm_instances_take_part_only_through_a_farm_profile():
    s = loaded(*FARM)
    local, farm = member("workfileMain", "workfile"), farm_member()
    assert profiles.submission(s, (), LIGHTING, (local, farm)) == (local, farm)
    table_only = loaded(FARM[0])
    assert profiles.submission(table_only, (), LIGHTING, (local, farm)) == (local,)
    assert profiles.submission(table_only, (), LIGHTING, (farm,)) == ()
    assert profiles.has_farm_profiles(s) and not profiles.has_farm_profiles(table_only)


def test_a_task_sent_to_the_farm_gets_the_farm_profile_s_note():
    s = loaded(*FARM)
    note = plan.build_note(s, LIGHTING, (member("workfileMain", "workfile"), farm_member()))
    assert note.profile is s.status_profiles[1]  # the farm's, though #1 matches Lighting
    assert note.decision.status_after == "rendering"
    assert note.text == "Submitted to the farm: renderMain v003"
    local_only = plan.build_note(s, LIGHTING, (member("workfileMain", "workfile"),))
    assert local_only.profile is s.status_profiles[0]  # farm true never matches a local one


def test_farm_false_matches_only_local_instances():
    s = loaded({"farm": False, "note_status_shortname": "local"})
    assert profiles.matches(s.status_profiles[0], (), TASK, member()) is True
    assert profiles.matches(s.status_profiles[0], (), TASK, farm_member()) is False


def test_grouping_keeps_farm_instances_for_a_farm_profile_only():
    s = loaded(*FARM)
    entries = [
        (LIGHTING, {"name": "wf", "productType": "workfile"}, "wf"),
        (LIGHTING, {"name": "render", "productType": "render", "farm": True}, "render"),
        (TASK, {"name": "anim", "productType": "render", "farm": True}, "anim"),
    ]
    grouped = plan.tasks_of(s, entries, "c")
    assert [(t.id, [m.name for m in ms]) for t, ms in grouped] == [
        ("t2", ["wf", "render"]),
        ("t1", ["anim"]),
    ]
    grouped = plan.tasks_of(loaded(FARM[0]), entries, "c")
    assert [(t.id, [m.name for m in ms]) for t, ms in grouped] == [("t2", ["wf"])]
