"""The kitsu-publish command, offline (settings checks) and as an installed entry point."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
