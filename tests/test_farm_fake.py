"""The farm hand-off through the real plugins, fast, against the fake Kitsu: the note at
submission, ``farmJobEnv``, and the farm job posting in the artist's name.

The same behaviours against a real Zou, with real artists and bots:
tests/integration/test_farm.py.
"""

from __future__ import annotations

import pyblish.api
import pyblish.util
import pytest

import kitsu_publish
from fake_kitsu import FakeWorld
from fake_publish import errors, product, publish
from kitsu_publish import flow
from kitsu_publish.errors import PermissionRefused, TargetError
from kitsu_publish.state import RunOptions

FARM_PROFILE = r'''
[[IntegrateKitsuNote.status_profiles]]
farm = true
note_status_shortname = "wip"
custom_comment_template.comment_template = """Submitted to the farm: \
{% for i in instances if i.farm %}{{ i.name }} v{{ '%03d' % i.version }}{% endfor %}"""
'''


COMMENT = "lighting v3"


@pytest.fixture
def world() -> FakeWorld:
    return FakeWorld()


@pytest.fixture
def tasks(world: FakeWorld) -> list[str]:
    return [world.add_task("Demo", "SQ010/SH010", t) for t in ("Lighting", "Animation")]


def test_a_farm_profile_posts_the_submission_note(world, tasks, tmp_path, monkeypatch):
    monkeypatch.setenv("KITSU_PWD", "Artist-S3cret-pw")
    monkeypatch.setenv("KITSU_TOKEN", "eyJ.artist-token.S3cret")
    artist = world.person("user", assign=tasks)
    instances = [
        product("workfileLighting", tasks[0], productType="workfile"),
        product("renderMain", tasks[0], farm=True),
        product("animMain", tasks[1]),
    ]
    context = publish(
        world, instances, tmp_path=tmp_path, comment=COMMENT, person=artist, settings=FARM_PROFILE
    )
    assert errors(context) == {}
    (lighting,) = world.comments[tasks[0]]
    assert lighting["text"] == "Submitted to the farm: renderMain v003"
    assert world.status_of(tasks[0]) == "wip"
    assert world.comments[tasks[1]][0]["text"] == "lighting v3"  # the table's note
    assert world.status_of(tasks[1]) == "wfa"
    notes = context.data["kitsuNotes"]
    assert notes[0]["instances"] == ["workfileLighting", "renderMain"]
    assert "farm true" in notes[0]["reason"]
    env = context.data["farmJobEnv"]
    assert env["KITSU_SERVER"] == world.url
    assert env["KITSU_PUBLISH_ON_BEHALF_OF"] == artist["id"]
    assert env["KITSU_PUBLISH_SETTINGS"] == str(tmp_path / "kitsu.toml")
    for value in env.values():
        assert "S3cret" not in value
    assert set(env) <= {
        "KITSU_SERVER",
        "KITSU_PUBLISH_SETTINGS",
        "KITSU_PUBLISH_ON_BEHALF_OF",
        "KITSU_PUBLISH_HOST",
    }
    assert world.sessions[0].closed


def test_farm_job_env_keeps_what_the_submitter_already_put_there(world, tasks, tmp_path):
    context = pyblish.api.Context()
    context.data["farmJobEnv"] = {"AYON_PROJECT_NAME": "Demo"}
    file = tmp_path / "kitsu.toml"
    file.write_text("", encoding="utf-8")
    flow.prepare(context, RunOptions(connect=world.connect(), settings_file=str(file)))
    context.create_instance("renderMain").data.update(product("renderMain", tasks[0], farm=True))
    pyblish.api.register_plugin_path(kitsu_publish.plugin_path())
    pyblish.util.publish(context, plugins=pyblish.api.discover())
    assert context.data["farmJobEnv"]["AYON_PROJECT_NAME"] == "Demo"
    assert context.data["farmJobEnv"]["KITSU_PUBLISH_ON_BEHALF_OF"]
    assert world.comments == {}  # no farm profile: the farm instance takes no part


def test_without_a_farm_profile_a_publish_posts_as_before(world, tasks, tmp_path):
    local = [product("workfileLighting", tasks[0], productType="workfile")]
    before = publish(world, local, tmp_path=tmp_path, comment=COMMENT)
    again = FakeWorld()
    same = [again.add_task("Demo", "SQ010/SH010", t) for t in ("Lighting", "Animation")]
    with_farm = [
        product("workfileLighting", same[0], productType="workfile"),
        product("renderMain", same[0], farm=True),
        product("renderAnim", same[1], farm=True),
    ]
    after = publish(again, with_farm, tmp_path=tmp_path, comment=COMMENT)
    assert errors(before) == errors(after) == {}
    strip = ("id", "person_id", "task_status_id")
    assert [{k: v for k, v in c.items() if k not in strip} for c in world.comments[tasks[0]]] == [
        {k: v for k, v in c.items() if k not in strip} for c in again.comments[same[0]]
    ]
    assert same[1] not in again.comments
    assert [n["instances"] for n in after.data["kitsuNotes"]] == [["workfileLighting"]]
    assert [c for c in again.calls if c != "resolve"] == [
        c for c in world.calls if c != "resolve"
    ]  # the farm instances' tasks are not even looked up


def test_the_farm_job_posts_in_the_artist_s_name_with_a_manager_bot(world, tasks, tmp_path):
    artist = world.person("user", assign=tasks)
    bot = world.person("manager")
    context = publish(
        world,
        [product("renderMain", tasks[0])],
        comment=COMMENT,
        person=bot,
        on_behalf_of=artist["id"],
    )
    assert errors(context) == {}
    (comment,) = world.comments[tasks[0]]
    assert comment["person_id"] == artist["id"]
    assert comment["text"] == "lighting v3"


def test_a_bot_that_may_not_post_in_someone_s_name_names_the_artist(world, tasks, tmp_path):
    artist = world.person("user", assign=tasks)
    artist["full_name"] = "Ana *Lights*"
    bot = world.person("user", assign=tasks)  # an Artist bot, assigned
    context = publish(
        world,
        [product("renderMain", tasks[0])],
        comment=COMMENT,
        person=bot,
        on_behalf_of=artist["id"],
    )
    assert errors(context) == {}
    (comment,) = world.comments[tasks[0]]
    assert comment["person_id"] == bot["id"]
    assert comment["text"] == "lighting v3\n\n*Published on the farm for Ana \\*Lights\\*.*"
    assert context.data["kitsuNotes"][0]["text"] == comment["text"]


def test_the_farm_never_sets_a_status_the_artist_could_not(world, tasks, tmp_path):
    world.add_status("apv", "Approved", artist=False)
    artist = world.person("user", assign=tasks)
    bot = world.person("manager")
    settings = '[IntegrateKitsuNote]\nnote_status_shortname = "apv"\n'
    context = publish(
        world,
        [product("renderMain", tasks[0])],
        tmp_path=tmp_path,
        comment=COMMENT,
        person=bot,
        settings=settings,
        on_behalf_of=artist["id"],
    )
    refused = errors(context)["ValidateKitsuNote"]
    assert isinstance(refused, PermissionRefused)
    assert f"On the farm, in the name of {artist['full_name']}" in str(refused)
    assert world.comments == {}


def test_the_artist_must_be_known_to_kitsu(world, tasks, tmp_path):
    bot = world.person("manager")
    context = publish(
        world,
        [product("renderMain", tasks[0])],
        comment=COMMENT,
        person=bot,
        on_behalf_of="nobody",
    )
    failed = errors(context)["ValidateKitsuConnection"]
    assert isinstance(failed, TargetError) and "KITSU_PUBLISH_ON_BEHALF_OF" in str(failed)
    assert world.comments == {}


def test_the_artist_s_own_publish_ignores_their_own_id(world, tasks, tmp_path):
    artist = world.person("user", assign=tasks)
    context = publish(
        world,
        [product("renderMain", tasks[0])],
        tmp_path=tmp_path,
        comment=COMMENT,
        person=artist,
        on_behalf_of=artist["id"],
    )
    assert errors(context) == {}
    assert "act_for" not in world.calls
    assert world.comments[tasks[0]][0]["text"] == "lighting v3"
