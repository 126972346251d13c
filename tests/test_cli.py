"""The kitsu-publish command offline: check, render, schema, publish usage errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import kitsu_publish
from kitsu_publish import cli


def test_plugin_path_prints_the_plugin_directory(capsys):
    assert cli.main(["plugin-path"]) == 0
    assert capsys.readouterr().out.strip() == kitsu_publish.plugin_path()


def test_check_of_a_valid_file_describes_it(tmp_path, capsys):
    path = tmp_path / "studio.toml"
    path.write_text(
        "[IntegrateKitsuNote]\nnote_status_shortname = 'wfa'\n"
        "[[IntegrateKitsuNote.status_change_conditions.status_conditions]]\n"
        "condition = 'equal'\nshort_name = 'wip'\n",
        encoding="utf-8",
    )

    assert cli.main(["check", str(path)]) == 0

    out = capsys.readouterr().out
    assert f"settings: {path}" in out
    assert "status: -> 'wfa' when the conditions hold" in out
    assert "status conditions: equal wip" in out


def test_check_of_an_invalid_file_exits_2_with_the_message(tmp_path, capsys):
    path = tmp_path / "studio.toml"
    path.write_text("[IntegrateKitsuNote]\nset_status_note = 'yes'\n", encoding="utf-8")

    assert cli.main(["check", str(path)]) == 2

    err = capsys.readouterr().err
    assert f"{path}: IntegrateKitsuNote.set_status_note: expected true or false" in err


def test_check_reads_the_environment_variable_by_default(tmp_path, capsys, monkeypatch):
    path = tmp_path / "env.json"
    path.write_text('{"IntegrateKitsuNote": {"set_status_note": false}}', encoding="utf-8")
    monkeypatch.setenv("KITSU_PUBLISH_SETTINGS", str(path))

    assert cli.main(["check"]) == 0
    assert "never changed (set_status_note = false)" in capsys.readouterr().out


def test_check_online_without_a_server_exits_1(capsys):
    assert cli.main(["check", "--online"]) == 1
    assert "no Kitsu server is configured" in capsys.readouterr().err


def test_the_installed_command_runs():
    command = Path(sys.executable).parent / "kitsu-publish"
    done = subprocess.run([str(command), "--version"], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == f"kitsu-publish {kitsu_publish.__version__}"


# --- render, schema, check: as subprocesses, offline ----------------------------------

README_LIKE = '''\
[IntegrateKitsuNote]
note_status_shortname = "wfa"

[[IntegrateKitsuNote.status_change_conditions.status_conditions]]
condition = "not_equal"
short_name = "done"

[[IntegrateKitsuNote.status_change_conditions.product_type_requirements]]
condition = "not_equal"
product_type = "workfile"

[IntegrateKitsuNote.custom_comment_template]
enabled = true
comment_template = """{{ comment }}

| product | version |
|--|--|
{% for i in instances %}| {{ i.name | md }} | v{{ '%03d' % i.version }} |
{% endfor %}"""
'''

SHOT = {"kitsuProject": "Demo", "kitsuEntity": "SQ010/SH010", "kitsuTaskType": "Animation"}


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The command in a process of its own, as a TD or a farm job runs it."""
    return subprocess.run(
        [sys.executable, "-m", "kitsu_publish.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def data_file(tmp_path: Path, data: object) -> str:
    return write(tmp_path, "instances.json", json.dumps(data))


def three_products(**context: object) -> dict[str, object]:
    return {
        "context": {"comment": "Blocking pass ready for review", **context},
        "instances": [
            {"name": "animationMain", "productType": "animation", "version": 3, **SHOT},
            {"name": "reviewMain", "productType": "review", "version": 3, **SHOT},
            {"name": "workfileAnimation", "productType": "workfile", "version": 12, **SHOT},
        ],
    }


def test_render_jinja_template_status_changed(tmp_path):
    settings_path = write(tmp_path, "studio.toml", README_LIKE)
    data = data_file(tmp_path, three_products(kitsuTaskStatus="todo"))

    done = run("render", settings_path, "--data", data)

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[:3] == [
        "== Demo / SQ010/SH010 / Animation: status 'todo' -> 'wfa'",
        "   instances: animationMain (animation, v3), reviewMain (review, v3), "
        "workfileAnimation (workfile, v12)",
        "   reason: status 'todo' and product type 'animation' meet the conditions: "
        "status 'todo' -> 'wfa'",
    ]
    assert "      Blocking pass ready for review\n\n      | product | version |" in done.stdout
    assert "      | workfileAnimation | v012 |" in done.stdout
    assert done.stderr == ""


def test_render_status_kept_with_the_status_from_the_command_line(tmp_path):
    settings_path = write(tmp_path, "studio.toml", README_LIKE)
    data = data_file(tmp_path, three_products(kitsuTaskStatus="todo"))

    done = run("render", settings_path, "--data", data, "--status", "done", "--json")

    assert done.returncode == 0, done.stderr
    (note,) = json.loads(done.stdout)["notes"]
    assert note["change"] is False
    assert (note["status_before"], note["status_after"]) == ("done", "done")
    assert note["reason"] == "status 'done' is in denied [done]: status kept"
    assert note["task"] == {
        "id": None,
        "project": "Demo",
        "entity": "SQ010/SH010",
        "task_type": "Animation",
        "status": "done",
    }
    assert [i["name"] for i in note["instances"]] == [
        "animationMain",
        "reviewMain",
        "workfileAnimation",
    ]


def test_render_status_kept_for_a_workfile_alone(tmp_path):
    settings_path = write(tmp_path, "studio.toml", README_LIKE)
    data = data_file(
        tmp_path,
        [{"name": "workfileMain", "productType": "workfile", "version": 4, **SHOT}],
    )

    done = run("render", settings_path, "--data", data, "--status", "wip")

    assert done.returncode == 0, done.stderr
    assert "== Demo / SQ010/SH010 / Animation: status 'wip' kept" in done.stdout
    assert (
        "reason: no product type of [workfile] passes the requirements (denied [workfile]): "
        "status kept" in done.stdout
    )


def test_render_legacy_template_one_note_per_task(tmp_path):
    settings_path = write(
        tmp_path,
        "legacy.toml",
        "[IntegrateKitsuNote.custom_comment_template]\n"
        'enabled = true\nsyntax = "legacy"\n'
        'comment_template = "{comment} ({productName} v{version}, {missing}) on {task_type}"\n',
    )
    data = data_file(
        tmp_path,
        [
            {"productName": "renderMain", "productType": "render", "version": 7,
             "comment": "lighting v7", "kitsuTaskId": "task-1", "kitsuTaskStatus": "wip",
             "kitsuProject": "Demo", "kitsuEntity": "Fox", "kitsuTaskType": "Lighting"},
            {"productName": "modelMain", "productType": "model", "version": 2,
             "comment": "topology", "kitsuTaskId": "task-2", "kitsuTaskStatus": "todo"},
        ],
    )  # fmt: skip

    done = run("render", settings_path, "--data", data, "--json")

    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    texts = {n["task"]["id"]: n["text"] for n in report["notes"]}
    assert texts == {
        "task-1": "lighting v7 (renderMain v7, ) on Lighting",
        "task-2": "topology (modelMain v2, ) on ?",
    }
    assert [n["status_after"] for n in report["notes"]] == ["wfa", "wfa"]
    assert any("template key '{missing}' was not found" in w for w in report["warnings"])
    assert any("task id task-2: the data does not name" in w for w in report["warnings"])


def test_render_reports_a_template_error_with_exit_1(tmp_path):
    settings_path = write(
        tmp_path,
        "studio.toml",
        "[IntegrateKitsuNote.custom_comment_template]\nenabled = true\n"
        'comment_template = "{{ coment }}"\n',
    )
    data = data_file(tmp_path, three_products(kitsuTaskStatus="todo"))

    done = run("render", settings_path, "--data", data)

    assert done.returncode == 1
    assert "error: the comment template uses an undefined name: 'coment' is undefined" in (
        done.stderr
    )
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([{"productType": "render", **SHOT}], "the task's current status is not known"),
        ([{"productType": "render"}], "no instance has a Kitsu target"),
        ({"instances": "x"}, "expected a list of instance data tables"),
        ([1], "instances[0]: expected a table of instance data, found int 1"),
    ],
)
def test_render_usage_and_data_errors_exit_2(tmp_path, data, message):
    done = run("render", "--data", data_file(tmp_path, data))
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_render_of_invalid_settings_or_a_missing_data_file_exits_2(tmp_path):
    bad = write(tmp_path, "bad.toml", "[IntegrateKitsuNote]\nset_status_note = 'yes'\n")
    done = run("render", bad, "--data", data_file(tmp_path, []))
    assert done.returncode == 2
    assert "IntegrateKitsuNote.set_status_note: expected true or false" in done.stderr
    done = run("render", "--data", str(tmp_path / "missing.json"))
    assert done.returncode == 2
    assert "missing.json: cannot be read" in done.stderr


def test_check_says_the_note_status_is_not_checked_offline(tmp_path):
    done = run("check")
    assert done.returncode == 0
    assert "note status 'wfa': not checked offline (use --online)" in done.stdout


PROFILES = """\
[IntegrateKitsuNote]
note_status_shortname = "wfa"

[[IntegrateKitsuNote.status_profiles]]
task_names = ["layout"]
custom_comment_template.comment_template = "Layout: {{ comment }}"

[[IntegrateKitsuNote.status_profiles]]
host_names = ["maya"]
product_types = ["workfile"]
set_status_note = false
"""


def test_check_lists_the_status_profiles(tmp_path):
    done = run("check", write(tmp_path, "profiles.toml", PROFILES))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "  status profiles: 2 (per task, the matching one with the most filters; the " in (
        "\n".join(lines)
    )
    assert (
        "    status profile #1 (task_names ['layout']): comment: jinja template "
        "'Layout: {{ comment }}'" in lines
    )
    assert (
        "    status profile #2 (host_names ['maya']; product_types ['workfile']): "
        "status never changed" in lines
    )
    assert (
        "  note status 'wfa' (the note table, profile #1): not checked offline (use --online)"
        in lines
    )


@pytest.mark.parametrize(
    ("context", "profile"),
    [
        (
            {"hostName": "maya"},
            "status profile #2 (host_names ['maya']; product_types ['workfile'])",
        ),
        ({"host": "maya"}, "status profile #2 (host_names ['maya']; product_types ['workfile'])"),
        ({"hostName": "nuke", "host": "maya"}, None),
        (
            {"kitsuTaskName": "Layout", "hostName": "nuke"},
            "status profile #1 (task_names ['layout'])",
        ),
    ],
)
def test_render_shows_the_deciding_profile(tmp_path, context, profile):
    settings_path = write(tmp_path, "profiles.toml", PROFILES)
    data = three_products(kitsuTaskStatus="wip", **context)
    data["instances"] = data["instances"][2:]  # the workfile alone
    done = run("render", settings_path, "--data", data_file(tmp_path, data), "--json")
    assert done.returncode == 0, done.stderr
    (note,) = json.loads(done.stdout)["notes"]
    assert note["profile"] == profile
    if profile is None:
        assert note["reason"].startswith("no status profile matches: ")
        assert note["status_after"] == "wfa"
    else:
        assert note["reason"].startswith(profile + ": ")
    layout = profile is not None and "layout" in profile
    assert note["text"] == ("Layout: " if layout else "") + "Blocking pass ready for review"
    assert note["change"] is (profile is None or layout)
    printed = run("render", settings_path, "--data", data_file(tmp_path, data))
    assert (f"   profile: {profile}" in printed.stdout.splitlines()) is (profile is not None)


def test_schema_prints_the_shipped_schema_and_writes_it():
    from kitsu_publish import settings

    done = run("schema")
    assert done.returncode == 0
    assert done.stdout == settings.SCHEMA_FILE.read_text(encoding="utf-8")
    assert json.loads(done.stdout)["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    done = run("schema", "--path")
    assert Path(done.stdout.strip()) == settings.SCHEMA_FILE


def test_schema_writes_a_file(tmp_path):
    from kitsu_publish import settings

    out = tmp_path / "kitsu-settings.schema.json"
    assert cli.main(["schema", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == settings.json_schema_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["publish", "--task-id", "t"], "give --product-type"),
        (["publish", "--product-type", "render"], "no instance has a Kitsu target"),
        (["publish", "--project", "P", "--product-type", "render"], "go together"),
        (["publish", "--task-id", "t", "--product-type", "r", "--version", "x"], "version"),
        (["publish", "--data", "x.json", "--name", "n"], "--name: not with --data"),
        (["render"], "--data"),
    ],
)
def test_publish_usage_errors_exit_2_before_any_login(args, message):
    done = run(*args)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_publish_with_invalid_settings_exits_2(tmp_path):
    bad = write(tmp_path, "bad.toml", "[kitsu]\nread_timeout = 0\n")
    done = run("publish", "--settings", bad, "--task-id", "t", "--product-type", "render")
    assert done.returncode == 2
    assert "kitsu.read_timeout: expected seconds between 0 and 600, found 0" in done.stderr


def test_publish_without_a_server_fails_in_validation_with_one_clean_line(tmp_path):
    done = run("publish", "--task-id", "t", "--product-type", "render", "--comment", "c")
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if ": error: " in line]
    assert errors == ["ValidateKitsuConnection: error: " + errors[0].split(": error: ", 1)[1]]
    assert "no Kitsu server is configured" in errors[0]
    assert "Traceback" not in done.stderr + done.stdout
    assert done.stdout == ""


def test_the_dry_run_variable_is_the_one_the_plugins_read():
    from kitsu_publish import flow

    assert cli.ENV_DRY_RUN == flow.ENV_DRY_RUN
