"""What a note carries besides its text, through the real plugins, fast: a checklist
(from the settings, a status profile and instance data), links (instance data) and
mentions (the settings), against the fake Kitsu (tests/fake_kitsu.py), whose comments
keep the checklist and links and whose mentions follow Zou's rule
(tests/test_kitsu_contract.py checks the fake against Zou).

Pinned here: what is posted and recorded in kitsuNotes, that none of it costs a call to
Kitsu beyond the POST (mentions: one look-up of the names in validation, only when the
settings name some), what fails validation (and that nothing is posted then), and
``kitsu-publish render``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import fake_publish
from fake_kitsu import FakeWorld, department_id
from fake_publish import errors
from kitsu_publish import extras, plan
from kitsu_publish.errors import TemplateError
from kitsu_publish.model import Member, TaskInfo
from kitsu_publish.settings import load

CHECKLIST = """
[IntegrateKitsuNote]
checklist = ["Frame range checked", "Audio synced"]

[[IntegrateKitsuNote.status_profiles]]
task_types = ["Lighting"]
checklist = ["Lights baked"]
"""


def product(task_id: str, name: str = "renderMain", **data: Any) -> dict[str, Any]:
    return {"name": name, "productType": "render", "version": 3, "kitsuTaskId": task_id, **data}


def publish(world: FakeWorld, instances: list[dict[str, Any]], tmp_path: Path, settings: str):
    """Publish as an artist assigned to every task of the world."""
    artist = world.person("user", assign=list(world.tasks))
    return fake_publish.publish(
        world, instances, tmp_path=tmp_path, settings=settings, person=artist
    )


@pytest.fixture
def world() -> FakeWorld:
    return FakeWorld()


def test_the_checklist_of_the_settings_and_of_the_instances_rides_on_the_post(world, tmp_path):
    task = world.add_task("P", "SQ010/SH010", "Animation")
    items = ["Audio synced", {"text": "Cache exported", "checked": True}, "Cache exported"]
    context = publish(
        world,
        [product(task, kitsuChecklist=items), product(task, "plateMain", kitsuChecklist=["QC"])],
        tmp_path,
        CHECKLIST,
    )
    assert errors(context) == {}
    (comment,) = world.comments[task]
    wanted = [
        {"text": "Frame range checked", "checked": False},
        {"text": "Audio synced", "checked": False},
        {"text": "Cache exported", "checked": True},  # the same text twice: checked wins
        {"text": "QC", "checked": False},
    ]
    assert comment["checklist"] == wanted
    assert comment["links"] == []
    (note,) = context.data["kitsuNotes"]
    assert note["checklist"] == wanted and "links" not in note
    assert world.calls.count("post") == 1 and "mentionable" not in world.calls


def test_a_status_profiles_checklist_replaces_the_tables(world, tmp_path):
    task = world.add_task("P", "SQ010/SH010", "Lighting")
    context = publish(world, [product(task)], tmp_path, CHECKLIST)
    assert errors(context) == {}
    assert world.comments[task][0]["checklist"] == [{"text": "Lights baked", "checked": False}]


def test_no_checklist_and_no_links_post_empty_lists_and_record_nothing(world, tmp_path):
    task = world.add_task("P", "SQ010/SH010", "Animation")
    context = publish(world, [product(task)], tmp_path, "")
    assert errors(context) == {}
    assert world.comments[task][0]["checklist"] == [] == world.comments[task][0]["links"]
    assert "checklist" not in context.data["kitsuNotes"][0]


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("Frame range", "must be a list"),
        ([3], "must be a string or"),
        ([{"text": "x", "checked": "yes"}], "'checked' must be true or false"),
        ([{"text": "x", "done": True}], "unknown keys done"),
        (["  "], "has no text"),
        (["a\x00b"], "NUL"),
    ],
)
def test_a_bad_checklist_item_fails_validation_and_nothing_is_posted(world, tmp_path, value, said):
    task = world.add_task("P", "SQ010/SH010", "Animation")
    context = publish(world, [product(task, kitsuChecklist=value)], tmp_path, "")
    (error,) = errors(context).values()
    assert said in str(error) and "renderMain" in str(error)
    assert "Nothing was posted" in str(error) and task not in world.comments


def test_links_of_every_instance_ride_on_the_post_once_each(world, tmp_path):
    task = world.add_task("P", "SQ010/SH010", "Animation")
    farm, page = "https://farm.example.com/job/42", "http://review.example.com/a_b?x=1#t"
    context = publish(
        world,
        [product(task, kitsuLinks=[farm, page]), product(task, "plateMain", kitsuLinks=farm)],
        tmp_path,
        "",
    )
    assert errors(context) == {}
    assert world.comments[task][0]["links"] == [farm, page]
    assert context.data["kitsuNotes"][0]["links"] == [farm, page]
    assert world.calls.count("post") == 1


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "ftp://files.example.com/x",
        "file:///etc/passwd",
        "https://",
        "www.example.com",
        "https://exa mple.com",
        "https://example.com:port/",
        3,
    ],
)
def test_a_link_that_is_no_http_url_fails_validation(world, tmp_path, link):
    task = world.add_task("P", "SQ010/SH010", "Animation")
    context = publish(world, [product(task, kitsuLinks=[link])], tmp_path, "")
    (error,) = errors(context).values()
    assert "kitsuLinks[0]" in str(error) and task not in world.comments


def test_mentions_end_the_note_unescaped_and_notify(world, tmp_path):
    task = world.add_task("P", "SQ010/SH010", "Animation")
    jane = world.person("user")
    jane["full_name"] = "Jane Doe"
    settings = '[IntegrateKitsuNote]\nmentions = ["Lighting", "Jane Doe"]\n'
    context = publish(world, [product(task)], tmp_path, settings)
    assert errors(context) == {}
    (comment,) = world.comments[task]
    assert comment["text"] == "did the thing\n\n@Lighting @Jane Doe"
    assert comment["department_mentions"] == [department_id("Lighting")]
    assert comment["mentions"] == [jane["id"]]
    assert world.calls.count("mentionable") == 1  # in validation, once per note


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("Compositing", "'Compositing' is no department and no team member"),
        ("lighting", "'lighting' is spelled 'Lighting' in Kitsu (department)"),
    ],
)
def test_a_mention_of_nobody_fails_validation_and_nothing_is_posted(world, tmp_path, name, said):
    task = world.add_task("P", "SQ010/SH010", "Animation")
    settings = f'[[IntegrateKitsuNote.status_profiles]]\nmentions = ["{name}"]\n'
    context = publish(world, [product(task)], tmp_path, settings)
    (error,) = errors(context).values()
    assert said in str(error) and "status profile #1" in str(error)
    assert "Nothing was posted" in str(error) and task not in world.comments


# --- the pure parts ------------------------------------------------------------------


def test_the_plan_carries_the_extras():
    task = TaskInfo("t1", "P", "SH010", "Animation", "todo")
    data = {"kitsuChecklist": ["QC"], "kitsuLinks": ["https://x.example/a"]}
    member = Member("renderMain", "render", 3, "done", data)
    settings = load(None)
    note = plan.build_note(settings, task, [member])
    assert note.checklist == (extras.CheckItem("QC"),)
    assert note.extras() == {
        "checklist": [{"text": "QC", "checked": False}],
        "links": ["https://x.example/a"],
    }
    assert plan.build_note(settings, task, [Member("a", "render", 1, "c", {})]).extras() == {}


def test_the_settings_checklist_is_checked_like_the_comment():
    with pytest.raises(TemplateError, match=r"checklist\[0\] of the settings"):
        extras.checklist_of(["x" * 200_000], [])


SHOT = {"kitsuProject": "Demo", "kitsuEntity": "SQ010/SH010", "kitsuTaskType": "Animation"}


def render_cli(
    tmp_path: Path, settings: str, instances: list[dict[str, Any]]
) -> tuple[str, list[dict[str, Any]]]:
    """``kitsu-publish render`` of these instances (comment "Blocking", status todo): its
    text output, and the notes of its ``--json`` output."""
    (tmp_path / "studio.toml").write_text(settings, encoding="utf-8")
    data = {"context": {"comment": "Blocking", "kitsuTaskStatus": "todo"}, "instances": instances}
    path = tmp_path / "data.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    command = [sys.executable, "-m", "kitsu_publish.cli", "render", str(tmp_path / "studio.toml")]
    command += ["--data", str(path)]
    shown = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    found = subprocess.run([*command, "--json"], capture_output=True, text=True, check=True)
    return shown, json.loads(found.stdout)["notes"]


def test_render_shows_the_checklist_links_and_mentions(tmp_path):
    shown, notes = render_cli(
        tmp_path,
        '[IntegrateKitsuNote]\nchecklist = ["Frame range checked"]\nmentions = ["Lighting"]\n',
        [
            {
                "name": "animMain",
                "productType": "animation",
                **SHOT,
                "kitsuChecklist": [{"text": "Cache exported", "checked": True}],
                "kitsuLinks": ["https://farm.example.com/job/42"],
            }
        ],
    )
    assert "      Blocking\n      \n      @Lighting\n" in shown or "@Lighting" in shown
    assert "   checklist:\n      [ ] Frame range checked\n      [x] Cache exported\n" in shown
    assert "   links:\n      https://farm.example.com/job/42\n" in shown
    assert "   mentions: Lighting (checked against Kitsu when publishing)" in shown
    (record,) = notes
    assert record["text"] == "Blocking\n\n@Lighting"
    assert record["checklist"][1] == {"text": "Cache exported", "checked": True}
    assert record["links"] == ["https://farm.example.com/job/42"]
    assert record["mentions"] == ["Lighting"]


def test_render_shows_the_attached_files_and_the_review_files(tmp_path):
    shown, notes = render_cli(
        tmp_path,
        "[IntegrateKitsuNote]\nattach_report = true\n[IntegrateKitsuReview]\nenabled = true\n",
        [
            {"name": "a", "productType": "render", **SHOT, "kitsuAttachments": ["/s/notes.pdf"],
             "kitsuReview": ["/s/a.mov"]},
            {"name": "b", "productType": "render", **SHOT, "kitsuReview": ["/s/b.png"]},
            {"name": "c", "productType": "render", **{**SHOT, "kitsuEntity": "SQ010/SH020"},
             "kitsuReview": ["/s/c.mov"]},
        ],
    )  # fmt: skip
    assert "   attached files: notes.pdf, publish-report.txt\n" in shown
    assert "   review files: /s/a.mov, /s/b.png (the first is the preview; " in shown
    assert "   review file: /s/c.mov (the preview)\n" in shown
    assert [n.get("attachments") for n in notes] == [["notes.pdf", "publish-report.txt"],
                                                     ["publish-report.txt"]]  # fmt: skip
    assert [n["review"] for n in notes] == [["/s/a.mov", "/s/b.png"], ["/s/c.mov"]]


# --- attached files ------------------------------------------------------------------


def files(tmp_path: Path, *names: str) -> list[str]:
    made = []
    for name in names:
        path = tmp_path / name
        path.write_bytes(b"%PDF-1.4 " + name.encode())
        made.append(str(path))
    return made


def test_attachments_and_the_report_go_on_the_posted_note_in_one_request(world, tmp_path):
    task = world.add_task("P", "SQ010/SH010", "Animation")
    pdf, sheet = files(tmp_path, "qc.pdf", "sheet.txt")
    representation = {"name": "pdf", "tags": ["kitsuattachment"], "published_path": pdf}
    context = publish(
        world,
        [product(task, representations=[representation], kitsuAttachments=[sheet, pdf])],
        tmp_path,
        "[IntegrateKitsuNote]\nattach_report = true\n",
    )
    assert errors(context) == {}
    (comment,) = world.comments[task]
    names = [a["name"] for a in comment["attachment_files"]]
    assert names == ["qc.pdf", "sheet.txt", "publish-report.txt"]  # each file once
    report = world.reports[comment["id"]]
    assert report.startswith("Publish report: P / SQ010/SH010 / Animation\n")
    assert "renderMain (render), v003" in report and f"  pdf: {pdf}" in report
    assert "Attached: qc.pdf, sheet.txt" in report
    assert context.data["kitsuNotes"][0]["attachments"] == names
    assert world.calls.count("post") == 1 and world.calls.count("attach") == 1


def test_no_attachments_make_no_attach_request(world, tmp_path):
    task = world.add_task("P", "SQ010/SH010", "Animation")
    context = publish(world, [product(task)], tmp_path, "")
    assert errors(context) == {} and "attach" not in world.calls
    assert "attachments" not in context.data["kitsuNotes"][0]


def test_a_missing_attachment_fails_validation_and_nothing_is_posted(world, tmp_path):
    task = world.add_task("P", "SQ010/SH010", "Animation")
    (there,) = files(tmp_path, "qc.pdf")
    missing = str(tmp_path / "gone.pdf")
    context = publish(world, [product(task, kitsuAttachments=[there, missing])], tmp_path, "")
    (error,) = errors(context).values()
    assert type(error).__name__ == "AttachmentFailed"
    assert f"kitsuAttachments[1]: the attachment {missing} does not exist" in str(error)
    assert "Nothing was posted" in str(error) and task not in world.comments


def test_a_failed_upload_says_what_is_missing_and_the_note_stays_posted_once(world, tmp_path):
    task = world.add_task("P", "SQ010/SH010", "Animation")
    other = world.add_task("P", "SQ010/SH020", "Animation")
    (pdf,) = files(tmp_path, "qc.pdf")
    world.faults[f"attach:{task}"] = ["HTTP 500"]
    context = publish(
        world,
        [product(task, kitsuAttachments=[pdf]), product(other, "plateMain")],
        tmp_path,
        "[IntegrateKitsuNote]\nattach_report = true\n",
    )
    (error,) = errors(context).values()
    assert type(error).__name__ == "AttachmentFailed"
    assert "was posted, but its files were not attached (HTTP 500)" in str(error)
    assert "missing qc.pdf, publish-report.txt" in str(error)
    assert len(world.comments[task]) == 1 and len(world.comments[other]) == 1
    notes = context.data["kitsuNotes"]
    assert [n["outcome"] for n in notes] == ["posted", "posted"]
    assert notes[0]["attachments"] == [] and notes[0]["attachments_missing"] == [
        "qc.pdf",
        "publish-report.txt",
    ]
    assert world.calls.count("post") == 2


def test_any_failure_after_the_note_is_posted_keeps_it_recorded_posted(world, tmp_path):
    task = world.add_task("P", "SQ010/SH010", "Animation")
    (pdf,) = files(tmp_path, "qc.pdf")
    world.faults["attach"] = [OSError("the disk went away")]
    context = publish(world, [product(task, kitsuAttachments=[pdf])], tmp_path, "")
    (error,) = errors(context).values()
    assert type(error).__name__ == "AttachmentFailed" and "the disk went away" in str(error)
    (note,) = context.data["kitsuNotes"]
    assert note["outcome"] == "posted" and note["attachments_missing"] == ["qc.pdf"]
    assert len(world.comments[task]) == 1
