"""A note's checklist, links and mentions against a real Kitsu (Zou), as a real Artist.

The artist (in the project's team, assigned to the tasks) publishes through the real
plugin directory; what Zou stored is read back as an admin: the comment's
``checklist`` (from the settings, a status profile and instance data), its ``links``,
its ``mentions`` and ``department_mentions``. A name that mentions nobody fails
validation and nothing is posted. The requests these cost are pinned by
tests/integration/test_requests.py (none beyond the comment POST for a checklist and
links).
"""

from __future__ import annotations

from typing import Any

import kitsu_seed
import pytest
from harness import publish, render

pytestmark = pytest.mark.zou


def test_a_checklist_from_the_settings_a_profile_and_instance_data_arrives(
    admin: Any, production: kitsu_seed.Production, artist: Any, settings_file
):
    shot, lighting = production.tasks["shot:Animation"], production.tasks["shot:Lighting"]
    settings_file(
        """
[IntegrateKitsuNote]
checklist = ["Frame range checked", "Audio synced"]

[[IntegrateKitsuNote.status_profiles]]
task_types = ["Lighting"]
checklist = ["Lights baked"]
"""
    )
    items = ["Cache exported", {"text": "Audio synced", "checked": True}]
    outcome = publish(
        [render(shot, kitsuChecklist=items), render(lighting, name="lightMain")],
        {"comment": "checklist"},
    )

    assert outcome.errors() == []
    (comment,) = kitsu_seed.comments(admin, shot)
    wanted = [
        {"text": "Frame range checked", "checked": False},
        {"text": "Audio synced", "checked": True},
        {"text": "Cache exported", "checked": False},
    ]
    assert comment["checklist"] == wanted
    assert outcome.notes[0]["checklist"] == wanted
    (light,) = kitsu_seed.comments(admin, lighting)
    assert light["checklist"] == [{"text": "Lights baked", "checked": False}]


def test_links_arrive(admin: Any, production: kitsu_seed.Production, artist: Any):
    task = production.tasks["shot:Animation"]
    links = ["https://farm.example.com/job/42?user=a_b", "http://review.example.com/p#t=1"]
    outcome = publish([render(task, kitsuLinks=links)], {"comment": "links"})

    assert outcome.errors() == []
    (comment,) = kitsu_seed.comments(admin, task)
    assert comment["links"] == links and comment["text"] == "links"


def test_a_department_and_a_team_member_mentioned_are_notified(
    admin: Any, production: kitsu_seed.Production, artist: Any, settings_file
):
    department = kitsu_seed.department(admin, "Lighting")["name"]
    teammate = kitsu_seed.new_person(admin, "user", project=production.project)
    try:
        task = production.tasks["shot:Animation"]
        settings_file(
            f'[IntegrateKitsuNote]\nmentions = ["{department}", "{teammate.full_name}"]\n'
        )
        outcome = publish([render(task)], {"comment": "please light it"})

        assert outcome.errors() == []
        (comment,) = kitsu_seed.comments(admin, task)
        assert comment["text"] == f"please light it\n\n@{department} @{teammate.full_name}"
        departments = kitsu_seed.department(admin, department)
        assert comment["department_mentions"] == [departments["id"]]
        assert comment["mentions"] == [teammate.id]
    finally:
        kitsu_seed.retire(admin, teammate.id)


def test_an_unknown_mention_fails_validation_and_posts_nothing(
    admin: Any, production: kitsu_seed.Production, artist: Any, settings_file
):
    task = production.tasks["shot:Animation"]
    outsider = kitsu_seed.new_person(admin, "user")  # not in the project's team
    try:
        settings_file(
            f'[IntegrateKitsuNote]\nmentions = ["Nobody Here", "{outsider.full_name}"]\n'
        )
        outcome = publish([render(task)], {"comment": "hello"})

        error = outcome.error_of("ValidateKitsuNote")
        assert "'Nobody Here' is no department and no team member" in error
        assert f"'{outsider.full_name}' is no department and no team member" in error
        assert "Nothing was posted" in error
        assert kitsu_seed.comments(admin, task) == []
    finally:
        kitsu_seed.retire(admin, outsider.id)


def test_two_attachments_and_a_report_arrive(
    admin: Any, production: kitsu_seed.Production, artist: Any, settings_file, tmp_path
):
    task = production.tasks["shot:Animation"]
    pdf, sheet = tmp_path / "qc.pdf", tmp_path / "sheet.txt"
    pdf.write_bytes(b"%PDF-1.4 qc")
    sheet.write_text("frame 1001-1100 checked\n", encoding="utf-8")
    settings_file("[IntegrateKitsuNote]\nattach_report = true\n")
    representation = {"name": "pdf", "tags": ["kitsuattachment"], "published_path": str(pdf)}
    outcome = publish(
        [render(task, representations=[representation], kitsuAttachments=[str(sheet)])],
        {"comment": "attached"},
    )

    assert outcome.errors() == []
    (comment,) = kitsu_seed.comments(admin, task)
    names = [a["name"] for a in comment["attachment_files"]]
    assert sorted(names) == ["publish-report.txt", "qc.pdf", "sheet.txt"]
    assert comment["text"] == "attached"
    assert outcome.notes[0]["attachments"] == ["qc.pdf", "sheet.txt", "publish-report.txt"]


def test_a_missing_attachment_fails_validation_and_posts_nothing(
    admin: Any, production: kitsu_seed.Production, artist: Any, tmp_path
):
    task = production.tasks["shot:Animation"]
    missing = str(tmp_path / "gone.pdf")
    outcome = publish([render(task, kitsuAttachments=[missing])], {"comment": "hello"})

    error = outcome.error_of("ValidateKitsuNote")
    assert f"the attachment {missing} does not exist" in error and "Nothing was posted" in error
    assert kitsu_seed.comments(admin, task) == []
