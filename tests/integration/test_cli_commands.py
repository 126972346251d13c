"""``kitsu-publish publish`` and ``check`` as farm jobs and TDs run them: a process of
their own, against the real Kitsu (Zou) server, read back through gazu."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import kitsu_seed
import pytest

pytestmark = [pytest.mark.zou, pytest.mark.usefixtures("kitsu_env")]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kitsu_publish.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ),
    )


def error_lines(done: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in done.stderr.splitlines() if ": error: " in line]


def test_publish_posts_a_real_comment_and_exits_0(admin, production):
    task_id = production.tasks["shot:Animation"]
    assert kitsu_seed.status(admin, task_id) == "todo"

    done = run(
        "publish",
        "--task-id",
        task_id,
        "--product-type",
        "render",
        "--version",
        "v003",
        "--comment",
        "Farm render done",
        "--json",
    )

    assert done.returncode == 0, done.stderr
    comments = kitsu_seed.comments(admin, task_id)
    assert [c["text"] for c in comments] == ["Farm render done"]
    assert kitsu_seed.status(admin, task_id) == "wfa"
    (note,) = json.loads(done.stdout)["notes"]
    assert note["posted"] is True
    assert note["comment_id"] == comments[0]["id"]
    assert note["instances"] == ["renderMain"]
    assert (note["status_before"], note["status_after"]) == ("todo", "wfa")
    # progress: one line per plugin result, and our plugins' records
    lines = done.stderr.splitlines()
    assert "CollectKitsuSettings: ok" in lines
    assert "ValidateKitsuTargets (renderMain): ok" in lines
    assert "IntegrateKitsuNote: ok" in lines
    assert any(line.startswith("IntegrateKitsuNote: Posted to Kitsu: ") for line in lines)
    assert lines[-1] == "done: 1 note(s) posted"
    assert error_lines(done) == []


def test_dry_run_posts_nothing_and_exits_0(admin, production):
    task_id = production.tasks["shot:Animation"]

    done = run(
        "publish",
        "--project",
        production.project,
        "--entity",
        production.shot_path,
        "--task-type",
        "animation",
        "--product-type",
        "render",
        "--comment",
        "only a test",
        "--dry-run",
    )

    assert done.returncode == 0, done.stderr
    assert kitsu_seed.comments(admin, task_id) == []
    assert kitsu_seed.status(admin, task_id) == "todo"
    assert done.stdout.splitlines() == [
        f"dry run: {production.project} / {production.shot_path} / Animation: "
        "status 'todo' -> 'wfa'"
    ]
    assert "IntegrateKitsuNote: Dry run, not posted: " in done.stderr
    assert "    only a test" in done.stderr.splitlines()


def test_several_products_from_a_data_file_one_note_per_task(
    admin, production, settings_file, tmp_path
):
    settings_file(
        """
        [[IntegrateKitsuNote.status_change_conditions.product_type_requirements]]
        condition = "not_equal"
        product_type = "workfile"

        [IntegrateKitsuNote.custom_comment_template]
        enabled = true
        comment_template = "{{ comment }}: {% for i in instances %}{{ i.name }} {% endfor %}"
        """
    )
    shot, asset = production.tasks["shot:Animation"], production.tasks["asset:Modeling"]
    data = {
        "context": {"comment": "Daily publish"},
        "instances": [
            {"name": "animMain", "productType": "animation", "version": 4},
            {"name": "workfileAnim", "productType": "workfile", "version": 9},
            {"name": "workfileModel", "productType": "workfile", "kitsuTaskId": asset},
        ],
    }
    path = tmp_path / "farm.json"
    path.write_text(json.dumps(data), encoding="utf-8")

    # --task-id with --data: the context's target, for instances without their own
    done = run("publish", "--data", str(path), "--task-id", shot)

    assert done.returncode == 0, done.stderr
    assert [c["text"] for c in kitsu_seed.comments(admin, shot)] == [
        "Daily publish: animMain workfileAnim "
    ]
    assert kitsu_seed.status(admin, shot) == "wfa"
    assert [c["text"] for c in kitsu_seed.comments(admin, asset)] == [
        "Daily publish: workfileModel "
    ]
    assert kitsu_seed.status(admin, asset) == "todo"  # a workfile alone keeps the status
    assert sorted(done.stdout.splitlines()) == sorted(
        [
            f"posted: {production.project} / {production.shot_path} / Animation: "
            "status 'todo' -> 'wfa'",
            f"posted: {production.project} / {production.asset} / Modeling: "
            "status 'todo' -> 'todo'",
        ]
    )


def test_a_failing_publish_exits_1_with_one_clean_line_per_error_and_no_traceback(
    admin, production
):
    task_id = production.tasks["shot:Animation"]
    args = ["publish", "--task-id", "not-a-task-id", "--product-type", "render"]

    done = run(*args)

    assert done.returncode == 1
    output = done.stdout + done.stderr
    assert "Traceback" not in output
    (line,) = error_lines(done)
    assert line.startswith("ValidateKitsuTargets (renderMain): error: instance 'renderMain': ")
    assert "not-a-task-id" in line
    assert done.stderr.splitlines()[-1].startswith("FAILED: 1 error(s)")
    assert done.stdout == ""
    assert kitsu_seed.comments(admin, task_id) == []

    debug = run(*args, "--debug")
    assert debug.returncode == 1
    assert "Traceback (most recent call last)" in debug.stderr


def test_a_refused_login_exits_1_without_a_traceback(production, monkeypatch):
    monkeypatch.setenv("KITSU_PWD", "not-the-password")
    done = run(
        "publish", "--task-id", production.tasks["shot:Animation"], "--product-type", "render"
    )
    assert done.returncode == 1
    (line,) = error_lines(done)
    assert line.startswith("ValidateKitsuConnection: error: Kitsu refused the login")
    assert "not-the-password" not in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_review_files_go_into_the_instance_data(admin, production, tmp_path):
    """--review sets instance.data['kitsuReview']: a missing file fails review validation."""
    task_id = production.tasks["shot:Animation"]
    missing = tmp_path / "playblast_v003.mov"

    done = run(
        "publish",
        "--task-id",
        task_id,
        "--product-type",
        "review",
        "--review",
        str(missing),
    )

    assert done.returncode == 1
    (line,) = error_lines(done)
    assert line.startswith("ValidateKitsuReview: error: ")
    assert "playblast_v003.mov" in line
    assert kitsu_seed.comments(admin, task_id) == []


def test_check_online_says_the_note_status_exists(settings_file):
    path: Path = settings_file("[IntegrateKitsuNote]\nnote_status_shortname = 'wfa'\n")
    done = run("check", "--online", str(path))
    assert done.returncode == 0, done.stderr
    assert "  note status 'wfa': exists in Kitsu" in done.stdout.splitlines()


def headless_snippet() -> str:
    """The script of docs/headless.md, 'Logging for headless runs', verbatim."""
    page = (Path(__file__).resolve().parents[2] / "docs" / "headless.md").read_text("utf-8")
    section = page.split("## Logging for headless runs", 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_the_logging_snippet_of_the_docs_prints_our_records_and_no_traceback(
    admin, production, tmp_path
):
    script = tmp_path / "farm_job.py"
    script.write_text(headless_snippet(), encoding="utf-8")
    task_id = production.tasks["shot:Animation"]

    def job(task: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(script), task],
            capture_output=True,
            text=True,
            timeout=300,
            env=dict(os.environ),
        )

    done = job(task_id)
    assert done.returncode == 0, done.stderr
    assert "pyblish.IntegrateKitsuNote: INFO: Posted to Kitsu: " in done.stderr
    assert "pyblish.CollectKitsuSession: INFO: Connected to Kitsu" in done.stderr
    assert [c["text"] for c in kitsu_seed.comments(admin, task_id)] == ["Rendered on the farm"]

    failed = job("not-a-task-id")
    assert failed.returncode == 1
    assert "Traceback" not in failed.stderr
    assert "ValidateKitsuTargets: instance 'renderMain': " in failed.stderr
