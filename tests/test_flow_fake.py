"""The publish flow through the real plugins, fast: pyblish discovers the real plugin
directory and publishes against the fake Kitsu (tests/fake_kitsu.py), which passes the
same contract test as the real server.

What is pinned here is the orchestration around Kitsu: one note per task, the
``kitsuNotes`` bookkeeping when posting stops part-way or an answer is lost, the dry
run, nothing posted when validation fails, review media, and each fact worked out once.
"""

from __future__ import annotations

import json

import pyblish.api
import pyblish.util
import pytest

from fake_kitsu import FakeWorld
from fake_publish import PNG, errors, product, publish
from kitsu_publish import flow, plan, review, template
from kitsu_publish.errors import ConnectionFailed, PostFailed, ReviewFailed
from kitsu_publish.state import state_of


@pytest.fixture
def world() -> FakeWorld:
    return FakeWorld()


@pytest.fixture
def three(world: FakeWorld) -> list[str]:
    return [world.add_task("Demo", f"SQ010/SH0{n}0", "Animation") for n in (1, 2, 3)]


def test_one_note_per_task_with_the_instances_of_that_task(world, three):
    context = publish(
        world,
        [
            product("renderMain", three[0]),
            product("renderFx", three[0]),
            product("renderBg", three[1], comment="own words"),
        ],
    )
    assert errors(context) == {}
    assert [len(world.comments[t]) for t in three[:2]] == [1, 1] and three[2] not in world.comments
    notes = context.data["kitsuNotes"]
    assert [n["instances"] for n in notes] == [["renderMain", "renderFx"], ["renderBg"]]
    assert [n["outcome"] for n in notes] == ["posted", "posted"]
    assert all(n["posted"] and n["attempts"] == 1 and not n["reconciled"] for n in notes)
    assert notes[0]["comment_id"] == world.comments[three[0]][0]["id"]
    assert (notes[0]["status_before"], notes[0]["status_after"]) == ("todo", "wfa")
    assert world.status_of(three[0]) == "wfa"
    assert notes[1]["text"] == "own words"
    by_name = {i.data["name"]: i.data for i in context}
    assert by_name["renderFx"]["kitsuComment"]["id"] == notes[0]["comment_id"]
    assert by_name["renderBg"]["kitsuTask"]["id"] == three[1]
    assert world.sessions[0].closed  # the publish ended its session


#: One note after another, as before parallel writes: the faults below are scripted in
#: the order of the calls (tests/test_parallel_fake.py has the parallel cases).
ONE_AT_A_TIME = "[kitsu]\nmax_parallel_requests = 1\n"


def test_posting_that_stops_part_way_records_every_task_and_says_which(world, three, tmp_path):
    world.faults["post"] = [None, ConnectionFailed("the server went away")]
    context = publish(world, [product(f"r{n}", task) for n, task in enumerate(three)],
                      settings=ONE_AT_A_TIME, tmp_path=tmp_path)  # fmt: skip

    failed = errors(context)["IntegrateKitsuNote"]
    assert isinstance(failed, PostFailed) and failed.outcome == "not posted"
    notes = context.data["kitsuNotes"]
    assert [n["task"]["id"] for n in notes] == three
    assert [n["outcome"] for n in notes] == ["posted", "not posted", "not posted"]
    assert [n["posted"] for n in notes] == [True, False, False]
    assert set(notes[2]) == {"task", "instances", "outcome", "posted"}  # never tried
    assert list(world.comments) == [three[0]]
    assert "posted: Demo / SQ010/SH010 / Animation" in str(failed)
    assert "not posted: Demo / SQ010/SH020 / Animation; Demo / SQ010/SH030" in str(failed)
    assert "kitsuComment" not in [i for i in context][1].data


def test_an_answer_lost_for_good_is_an_unknown_outcome(world, three, tmp_path):
    world.faults["post"] = ["unknown"]
    context = publish(world, [product("a", three[0]), product("b", three[1])],
                      settings=ONE_AT_A_TIME, tmp_path=tmp_path)  # fmt: skip
    failed = errors(context)["IntegrateKitsuNote"]
    assert isinstance(failed, PostFailed) and failed.outcome == "unknown"
    assert [n["outcome"] for n in context.data["kitsuNotes"]] == ["unknown", "not posted"]
    assert world.comments == {}


@pytest.mark.parametrize(
    ("fault", "attempts", "reconciled"), [("lost", 1, True), ("lost-not-stored", 2, False)]
)
def test_a_lost_answer_is_reconciled_into_one_note(world, three, fault, attempts, reconciled):
    world.faults["post"] = [fault]
    context = publish(world, [product("a", three[0])])
    assert errors(context) == {}
    (note,) = context.data["kitsuNotes"]
    assert (note["attempts"], note["reconciled"], note["outcome"]) == (
        attempts,
        reconciled,
        "posted",
    )
    assert len(world.comments[three[0]]) == 1


def test_tasks_that_cannot_be_read_fresh_post_nothing(world, three):
    world.faults["fresh"] = [ConnectionFailed("unreachable")]
    context = publish(world, [product("a", three[0]), product("b", three[1])])
    assert isinstance(errors(context)["IntegrateKitsuNote"], PostFailed)
    assert [n["outcome"] for n in context.data["kitsuNotes"]] == ["not posted", "not posted"]
    assert world.comments == {}


def test_a_dry_run_posts_nothing_and_lists_the_notes(world, three):
    context = publish(world, [product("a", three[0])], dry_run=True)
    assert errors(context) == {}
    assert world.comments == {} and "post" not in world.calls
    (note,) = context.data["kitsuNotes"]
    assert (note["outcome"], note["posted"], note["status_after"]) == ("dry run", False, "wfa")


def test_the_environment_asks_for_a_dry_run_when_the_caller_does_not(world, three, monkeypatch):
    monkeypatch.setenv("KITSU_PUBLISH_DRY_RUN", "yes")
    context = pyblish.api.Context()
    state = flow.prepare(context)
    assert state.options.dry_run is True
    monkeypatch.setenv("KITSU_PUBLISH_DRY_RUN", "0")
    assert flow.prepare(context, dry_run=True).options.dry_run is True
    assert flow.prepare(context).options.dry_run is False


def test_a_failed_validation_posts_nothing(world, three):
    context = publish(
        world, [product("a", three[0]), product("gone", "00000000-0000-0000-0000-000000000000")]
    )
    assert set(errors(context)) == {"ValidateKitsuTargets"}
    assert world.comments == {} and "kitsuNotes" not in context.data
    assert "post" not in world.calls and world.sessions[0].closed


def test_an_artist_on_a_task_not_theirs_is_refused_in_validation(world, three):
    artist = world.person("user", assign=[three[0]])
    context = publish(world, [product("a", three[0]), product("b", three[1])], person=artist)
    refused = errors(context)["ValidateKitsuNote"]
    assert "not assigned" in str(refused) and "Nothing was posted" in str(refused)
    assert world.comments == {}


def test_a_status_artists_may_not_set_lists_the_ones_they_may(world, three, tmp_path):
    world.add_status("apv", "Approved", artist=False)
    artist = world.person("user", assign=[three[0]])
    settings = '[IntegrateKitsuNote]\nnote_status_shortname = "apv"\n'
    context = publish(world, [product("a", three[0])], person=artist, settings=settings,
                      tmp_path=tmp_path)  # fmt: skip
    assert "ValidateKitsuNote" in errors(context)
    assert "Waiting For Approval (wfa)" in context.data["kitsuSettableStatuses"]
    assert "Approved (apv)" not in context.data["kitsuSettableStatuses"]


REVIEW = """
[IntegrateKitsuReview]
enabled = true
revision = "version"
set_thumbnail = true
add_to_playlist = "{{ project }} dailies {{ version }}"
"""


def test_review_media_go_onto_the_posted_note_with_thumbnail_and_playlist(world, three, tmp_path):
    files = [tmp_path / "a.png", tmp_path / "b.png"]
    for file in files:
        file.write_bytes(PNG)
    context = publish(
        world,
        [product("a", three[0], kitsuReview=[str(f) for f in files])],
        settings=REVIEW,
        tmp_path=tmp_path,
    )
    assert errors(context) == {}
    (note,) = context.data["kitsuNotes"]
    assert [p["status"] for p in note["previews"]] == ["ready", "ready"]
    assert [p["revision"] for p in note["previews"]] == [3, 3]
    assert {p["comment_id"] for p in world.previews} == {note["comment_id"]}
    assert world.thumbnails == [note["previews"][0]["id"]]
    assert note["playlist"] == "Demo dailies 3"
    assert world.playlists == {"Demo dailies 3": [note["previews"][0]["id"]]}


def test_a_revision_the_task_has_fails_validation_and_posts_nothing(world, three, tmp_path):
    (tmp_path / "a.png").write_bytes(PNG)
    world.previews.append({"id": "old", "task_id": three[0], "revision": 3})
    context = publish(world, [product("a", three[0], kitsuReview=[str(tmp_path / "a.png")])],
                      settings=REVIEW, tmp_path=tmp_path)  # fmt: skip
    failed = errors(context)["ValidateKitsuReview"]
    assert isinstance(failed, ReviewFailed) and "revision 3" in str(failed)
    assert world.comments == {}


def test_media_kitsu_cannot_process_fail_the_review_after_the_note(world, three, tmp_path):
    (tmp_path / "a.png").write_bytes(PNG)
    world.preview_status = "broken"
    context = publish(world, [product("a", three[0], kitsuReview=[str(tmp_path / "a.png")])],
                      settings=REVIEW, tmp_path=tmp_path)  # fmt: skip
    failed = errors(context)["IntegrateKitsuReview"]
    assert "could not process a.png" in str(failed)
    (note,) = context.data["kitsuNotes"]
    assert note["posted"] and note["previews"][0]["status"] == "broken"
    assert world.thumbnails == [] and world.playlists == {}


def test_each_fact_is_worked_out_once_per_publish(world, three, tmp_path, mocker):
    (tmp_path / "a.png").write_bytes(PNG)
    grouped = mocker.spy(plan, "tasks_of")
    media = mocker.spy(review, "media_of")
    rendered = mocker.spy(template, "render_jinja")
    instances = [
        product("a", three[0], kitsuReview=[str(tmp_path / "a.png")]),
        product("b", three[1], kitsuReview=[str(tmp_path / "a.png")]),
    ]
    context = publish(world, instances, settings=REVIEW, tmp_path=tmp_path)
    assert errors(context) == {}
    # once in validation (notes and media share it), once in integration (the comment
    # may have been edited in between)
    assert grouped.call_count == 2
    assert media.call_count == 2  # each instance's media, read in validation only
    playlist_renders = [c for c in rendered.call_args_list if "add_to_playlist" in str(c)]
    assert len(playlist_renders) == 2  # one per task, in validation
    assert [c for c in world.calls if c == "fresh"] == ["fresh"]


def test_the_state_of_a_publish_is_one_object_on_the_context(world, three):
    context = publish(world, [product("a", three[0])])
    state = state_of(context)
    assert [k for k in context.data if k.startswith("kitsu")] == ["kitsuPublish", "kitsuNotes"]
    assert state.session is None  # ended with the publish
    assert [n.outcome for n in state.notes] == ["posted"]
    (instance,) = list(context)
    assert state.item(instance).task.id == three[0]


@pytest.mark.parametrize("dry_run", [False, True])
def test_the_publish_command_prints_the_notes_of_the_publish(
    world, three, mocker, capsys, dry_run
):
    from kitsu_publish import cli

    mocker.patch("kitsu_publish.kitsu.connect", world.connect())
    args = ["publish", "--task-id", three[0], "--product-type", "render", "--json"]
    code = cli.main(args + ["--comment", "farm done"] + (["--dry-run"] if dry_run else []))
    assert code == 0
    (note,) = json.loads(capsys.readouterr().out)["notes"]
    assert note["outcome"] == ("dry run" if dry_run else "posted")
    assert note["text"] == "farm done"
    assert len(world.comments.get(three[0], [])) == (0 if dry_run else 1)


PROFILES = """
[IntegrateKitsuNote]
note_status_shortname = "wfa"

[[IntegrateKitsuNote.status_profiles]]
task_types = ["Lighting"]
note_status_shortname = "retake"

[[IntegrateKitsuNote.status_profiles]]
host_names = ["nuke"]
product_types = ["review"]
set_status_note = false
custom_comment_template.comment_template = "from {{ host }}: {{ comment }}"
"""


def test_status_profiles_decide_per_task_from_what_the_publish_holds(world, tmp_path):
    anim = world.add_task("Demo", "SQ010/SH010", "Animation")
    light = world.add_task("Demo", "SQ010/SH010", "Lighting")
    comp = world.add_task("Demo", "SQ010/SH010", "Compositing")
    instances = [
        product("anim", anim),
        product("light", light),
        product("plate", comp, productType="plate"),
        product("review", comp, productType="review"),
    ]
    pyblish.api.register_host("nuke")
    try:
        context = publish(world, instances, settings=PROFILES, tmp_path=tmp_path)
    finally:
        pyblish.api.deregister_host("nuke")
    assert errors(context) == {}
    notes = {n["task"]["id"]: n for n in context.data["kitsuNotes"]}
    assert [world.status_of(t) for t in (anim, light, comp)] == ["wfa", "retake", "todo"]
    assert notes[anim]["reason"].startswith("no status profile matches: ")
    assert notes[light]["reason"].startswith("status profile #1 (task_types ['Lighting']): ")
    assert notes[comp]["reason"].startswith("status profile #2 (host_names ['nuke']; ")
    assert world.comments[comp][0]["text"] == "from nuke: did the thing"
    assert world.comments[anim][0]["text"] == "did the thing"

    # the same publish without profiles makes the same calls to Kitsu: profiles cost none
    # but the look-ups of their statuses, which a real session serves from the statuses
    # it read once (tests/integration/test_requests.py counts the real requests)
    calls = sorted(c for c in world.calls if c != "status")  # notes posted in parallel
    again = FakeWorld()
    tasks = [again.add_task("Demo", "SQ010/SH010", t) for t in ("Animation", "Lighting")]
    tasks.append(again.add_task("Demo", "SQ010/SH010", "Compositing"))
    plain = [product("anim", tasks[0]), product("light", tasks[1])]
    plain += [product("plate", tasks[2], productType="plate")]
    plain += [product("review", tasks[2], productType="review")]
    assert errors(publish(again, plain)) == {}
    assert sorted(c for c in again.calls if c != "status") == calls


def test_a_profile_status_kitsu_lacks_fails_validation_and_posts_nothing(world, tmp_path):
    anim = world.add_task("Demo", "SQ010/SH010", "Animation")
    light = world.add_task("Demo", "SQ010/SH010", "Lighting")
    settings = PROFILES.replace('"retake"', '"retakes"')
    context = publish(
        world, [product("anim", anim), product("light", light)], settings=settings,
        tmp_path=tmp_path,
    )  # fmt: skip
    failed = errors(context)
    assert list(failed) == ["ValidateKitsuNote"]
    assert "'retakes'" in str(failed["ValidateKitsuNote"])
    assert "status profile #1 (task_types ['Lighting'])" in str(failed["ValidateKitsuNote"])
    assert world.comments == {}
    assert [world.status_of(t) for t in (anim, light)] == ["todo", "todo"]


def test_check_online_checks_the_status_of_every_profile(world, mocker, capsys, tmp_path):
    from kitsu_publish import cli

    mocker.patch("kitsu_publish.kitsu.connect", world.connect())
    good = tmp_path / "good.toml"
    good.write_text(PROFILES, encoding="utf-8")
    assert cli.main(["check", "--online", str(good)]) == 0
    out = capsys.readouterr().out
    assert "  note status 'wfa' (the note table): exists in Kitsu" in out
    assert "  note status 'retake' (profile #1): exists in Kitsu" in out
    assert "'todo'" not in out  # profile #2 keeps the status: no status of its own

    bad = tmp_path / "bad.toml"
    bad.write_text(PROFILES.replace('"retake"', '"retakes"'), encoding="utf-8")
    assert cli.main(["check", "--online", str(bad)]) == 1
    captured = capsys.readouterr()
    assert "'retakes'" in captured.err and "(wanted by profile #1)" in captured.err
    assert "'wfa' (the note table): exists in Kitsu" in captured.out


def test_check_online_preflights_the_statuses_a_task_may_get(world, mocker, capsys, tmp_path):
    from kitsu_publish import cli

    mocker.patch("kitsu_publish.kitsu.connect", world.connect())
    light = world.add_task("Demo", "SQ010/SH010", "Lighting", status="wip")
    anim = world.add_task("Demo", "SQ010/SH010", "Animation", status="wip")
    file = tmp_path / "profiles.toml"
    file.write_text(PROFILES, encoding="utf-8")
    assert cli.main(["check", "--online", str(file), "--task-id", light]) == 0
    out = capsys.readouterr().out
    assert "  a note with status 'retake': ok" in out  # profile #1: Lighting
    assert cli.main(["check", "--online", str(file), "--task-id", anim]) == 0
    assert "'retake'" not in capsys.readouterr().out.split("task:")[1]


def test_the_preflight_checks_the_status_a_profile_gives(world, tmp_path):
    # the table's status is one artists may set; the Lighting profile's is not
    world.add_status("apv", "Approved", artist=False)
    anim = world.add_task("Demo", "SQ010/SH010", "Animation")
    light = world.add_task("Demo", "SQ010/SH010", "Lighting")
    artist = world.person("user", assign=[anim, light])
    settings = PROFILES.replace('"retake"', '"apv"')
    context = publish(world, [product("anim", anim)], person=artist, settings=settings,
                      tmp_path=tmp_path)  # fmt: skip
    assert errors(context) == {}
    context = publish(world, [product("light", light)], person=artist, settings=settings,
                      tmp_path=tmp_path)  # fmt: skip
    refused = str(errors(context)["ValidateKitsuNote"])
    assert "Approved" in refused or "apv" in refused
    assert "comes from status profile #1 (task_types ['Lighting'])" in refused
    assert "Approved (apv)" not in context.data["kitsuSettableStatuses"]
    assert len(world.comments[anim]) == 1 and light not in world.comments
