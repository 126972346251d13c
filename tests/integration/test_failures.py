"""Bad input fails in validation, names its cause, and posts nothing to Kitsu.

Each test publishes through the real plugins against the real server, then reads the
task back: status unchanged, no comment.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from typing import Any

import gazu
import kitsu_seed
import pyblish.api
import pytest
from harness import Outcome, publish, render

from kitsu_publish.errors import PostFailed, SettingsError, StatusNotFound, TargetError

pytestmark = [pytest.mark.zou, pytest.mark.usefixtures("kitsu_env")]

INTEGRATORS = ("IntegrateKitsuNote",)


def assert_nothing_posted(admin: Any, task_id: str, outcome: Outcome) -> None:
    assert kitsu_seed.comments(admin, task_id) == []
    assert kitsu_seed.status(admin, task_id) == "todo"
    assert not any(n.get("posted") for n in outcome.notes)


def test_malformed_settings_file_fails_validation_naming_the_file(
    admin, production, settings_file, raised
):
    path = settings_file("[IntegrateKitsuNote\nset_status_note = true\n")
    task_id = production.tasks["shot:Animation"]

    outcome = publish([render(task_id)], {"comment": "c"})

    error = raised(outcome, "ValidateKitsuConnection")
    assert isinstance(error, SettingsError)
    assert (error.source, error.key) == (str(path), "")
    assert "not valid TOML" in str(error)
    # wording is the point: the artist reads that nothing reached Kitsu
    assert str(error).endswith("Nothing was posted to Kitsu.")
    assert "IntegrateKitsuNote" not in outcome.ran()
    assert_nothing_posted(admin, task_id, outcome)


def test_unknown_settings_key_fails_validation_naming_the_dotted_key(
    admin, production, settings_file, raised
):
    path = settings_file("[IntegrateKitsuNote]\nnote_status_shortnam = 'wfa'\n")
    task_id = production.tasks["shot:Animation"]

    outcome = publish([render(task_id)], {"comment": "c"})

    error = raised(outcome, "ValidateKitsuConnection")
    assert isinstance(error, SettingsError)
    assert (error.source, error.key) == (str(path), "IntegrateKitsuNote.note_status_shortnam")
    assert "unknown key" in str(error)
    assert "did you mean 'note_status_shortname'?" in str(error)
    assert_nothing_posted(admin, task_id, outcome)


def test_unknown_note_status_short_name_fails_validation(admin, production, settings_file, raised):
    settings_file("[IntegrateKitsuNote]\nnote_status_shortname = 'waiting'\n")
    task_id = production.tasks["shot:Animation"]

    outcome = publish([render(task_id)], {"comment": "c"})

    error = raised(outcome, "ValidateKitsuNote")
    assert isinstance(error, StatusNotFound) and error.short_name == "waiting"
    assert "wfa" in str(error)  # the known short names are listed
    assert_nothing_posted(admin, task_id, outcome)


def test_unknown_note_status_is_not_checked_when_status_changes_are_off(
    admin, production, settings_file
):
    settings_file(
        "[IntegrateKitsuNote]\nset_status_note = false\nnote_status_shortname = 'waiting'\n"
    )
    task_id = production.tasks["shot:Animation"]

    outcome = publish([render(task_id)], {"comment": "c"})

    assert outcome.errors() == []
    assert [c["text"] for c in kitsu_seed.comments(admin, task_id)] == ["c"]
    assert kitsu_seed.status(admin, task_id) == "todo"


def test_task_not_found_fails_validation_naming_the_instance_and_id(admin, production, raised):
    missing = str(uuid.uuid4())
    task_id = production.tasks["shot:Animation"]

    outcome = publish(
        [render(task_id, name="goodOne"), render(missing, name="ghostRender")], {"comment": "c"}
    )

    error = raised(outcome, "ValidateKitsuTargets")
    assert isinstance(error, TargetError)
    assert error.instance == "ghostRender"
    assert missing in str(error)
    # The valid instance's task gets nothing either: the publish stopped.
    assert_nothing_posted(admin, task_id, outcome)


@pytest.mark.parametrize(
    ("entity", "task_type", "expected"),
    [  # the name that was not found, and the suggestion when there is one
        ("Wolf", "Modeling", ["'Wolf'"]),
        ("Fxo", "Modeling", ["'Fxo'", "did you mean 'Fox'?"]),
        ("SQ020/SH999", "Animation", ["'SH999'", "'SQ020/SH999'"]),
        ("SQ020/SH02", "Animation", ["'SH02'", "did you mean 'SH020'?"]),
        ("Fox", "Juggling", ["'Juggling'"]),
        ("SQ020/SH020", "Lightning", ["'Lightning'", "did you mean 'Lighting'?"]),
        ("Fox", "Animation", ["'Fox'", "Animation"]),
    ],
    ids=[
        "unknown-asset",
        "asset-typo",
        "unknown-shot",
        "shot-typo",
        "unknown-task-type",
        "task-type-typo",
        "no-such-task",
    ],
)
def test_unresolvable_names_fail_validation(
    admin, production, entity, task_type, expected, raised
):
    task_id = production.tasks["asset:Modeling"]
    outcome = publish(
        [
            {
                "name": "modelMain",
                "productType": "model",
                "kitsuProject": production.project,
                "kitsuEntity": entity,
                "kitsuTaskType": task_type,
            }
        ],
        {"comment": "c"},
    )

    error = raised(outcome, "ValidateKitsuTargets")
    assert isinstance(error, TargetError)
    assert error.instance == "modelMain"
    assert [fragment for fragment in expected if fragment not in str(error)] == []
    assert str(error).endswith("Nothing was posted to Kitsu.")  # wording is the point
    assert_nothing_posted(admin, task_id, outcome)


def test_template_with_an_undefined_name_fails_validation(admin, production, settings_file):
    settings_file(
        """
        [IntegrateKitsuNote.custom_comment_template]
        enabled = true
        comment_template = "{{ comment }} by {{ artist_name }}"
        """
    )
    task_id = production.tasks["shot:Animation"]

    outcome = publish([render(task_id)], {"comment": "c"})

    message = outcome.error_of("ValidateKitsuNote")
    assert "'artist_name' is undefined" in message
    assert "renderMain" in message
    assert_nothing_posted(admin, task_id, outcome)


def test_wrong_password_fails_validation(admin, production, monkeypatch):
    monkeypatch.setenv("KITSU_PWD", "not-the-password")
    task_id = production.tasks["shot:Animation"]

    outcome = publish([render(task_id)], {"comment": "c"})

    message = outcome.error_of("ValidateKitsuConnection")
    assert "wrong login or password" in message
    assert "not-the-password" not in message
    assert_nothing_posted(admin, task_id, outcome)


def test_malformed_token_fails_validation(admin, production, monkeypatch):
    monkeypatch.delenv("KITSU_LOGIN")
    monkeypatch.delenv("KITSU_PWD")
    monkeypatch.setenv("KITSU_TOKEN", "not-a-jwt")
    task_id = production.tasks["shot:Animation"]

    outcome = publish([render(task_id)], {"comment": "c"})

    message = outcome.error_of("ValidateKitsuConnection")
    assert "did not accept the token in KITSU_TOKEN" in message
    assert "not-a-jwt" not in message
    assert_nothing_posted(admin, task_id, outcome)


def test_server_refusing_connections_fails_validation(admin, production, monkeypatch):
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("KITSU_SERVER", f"http://127.0.0.1:{port}")
    task_id = production.tasks["shot:Animation"]

    outcome = publish([render(task_id)], {"comment": "c"})

    message = outcome.error_of("ValidateKitsuConnection")
    assert f"cannot reach Kitsu at http://127.0.0.1:{port}/api" in message
    assert_nothing_posted(admin, task_id, outcome)


@pytest.fixture
def silent_server():
    """A real loopback server that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/api"
    stop.set()
    thread.join(2)
    for conn in held:
        conn.close()
    listener.close()


def test_server_that_hangs_fails_within_the_configured_timeout(
    admin, production, settings_file, silent_server, monkeypatch
):
    settings_file("[kitsu]\nconnect_timeout = 1\nread_timeout = 1.5\n")
    monkeypatch.setenv("KITSU_SERVER", silent_server)
    task_id = production.tasks["shot:Animation"]

    started = time.monotonic()
    outcome = publish([render(task_id)], {"comment": "c"})
    elapsed = time.monotonic() - started

    message = outcome.error_of("ValidateKitsuConnection")
    assert "did not answer in time" in message
    assert "read 1.5 s" in message
    # One login request, bounded by the read timeout: far from a hang.
    assert elapsed < 10, f"publish took {elapsed:.1f} s"
    assert_nothing_posted(admin, task_id, outcome)


class ValidateStudioNaming(pyblish.api.ContextPlugin):
    """A studio validator that fails."""

    order = pyblish.api.ValidatorOrder + 0.1

    def process(self, context):
        raise RuntimeError("studio naming check failed")


class ExtractStudioCache(pyblish.api.ContextPlugin):
    """A studio extractor that fails (pyblish does not stop for extractors)."""

    order = pyblish.api.ExtractorOrder

    def process(self, context):
        raise RuntimeError("studio cache export failed")


def test_failing_studio_validator_stops_the_note(admin, production):
    task_id = production.tasks["shot:Animation"]

    outcome = publish([render(task_id)], {"comment": "c"}, [ValidateStudioNaming])

    assert "studio naming check failed" in outcome.error_of("ValidateStudioNaming")
    assert "IntegrateKitsuNote" not in outcome.ran()
    assert_nothing_posted(admin, task_id, outcome)


def test_failing_studio_extractor_stops_the_note(admin, production):
    task_id = production.tasks["shot:Animation"]

    outcome = publish([render(task_id)], {"comment": "c"}, [ExtractStudioCache])

    assert "studio cache export failed" in outcome.error_of("ExtractStudioCache")
    assert "IntegrateKitsuNote" in outcome.ran()  # pyblish went on; our plugin refused
    warnings = [r.getMessage() for r in outcome.records if r.name == "pyblish.IntegrateKitsuNote"]
    assert any("not posted" in w and "ExtractStudioCache" in w for w in warnings), warnings
    assert_nothing_posted(admin, task_id, outcome)


def test_a_task_gone_before_posting_posts_no_note_at_all(admin, production, raised):
    """Every task is read fresh before the first note is posted: one gone, none posted."""
    animation = production.tasks["shot:Animation"]
    lighting = production.tasks["shot:Lighting"]

    class IntegrateStudioCleanup(pyblish.api.ContextPlugin):
        """A studio integrator that deletes a task after validation (a real server fault)."""

        order = pyblish.api.IntegratorOrder

        def process(self, context):
            gazu.task.remove_task(lighting, client=admin)

    outcome = publish(
        [render(animation, name="anim"), render(lighting, name="light")],
        {"comment": "c"},
        [IntegrateStudioCleanup],
    )

    error = raised(outcome, "IntegrateKitsuNote")
    assert isinstance(error, PostFailed)
    assert error.outcome == "not posted"
    message = str(error)
    assert lighting in message
    # wording is the point: the artist reads, per task, what was posted and what not
    assert (
        f"not posted: {production.project} / SQ020/SH020 / Animation; "
        f"{production.project} / SQ020/SH020 / Lighting"
    ) in message
    assert kitsu_seed.comments(admin, animation) == []
    assert [(n["outcome"], n["posted"]) for n in outcome.notes] == [("not posted", False)] * 2


def test_the_artist_is_told_at_collection_that_validation_will_fail(admin, production, raised):
    """A heads-up before the comment is typed; the problem itself is said once, in validation."""
    task_id = production.tasks["shot:Animation"]

    outcome = publish(
        [render(task_id, kitsuTaskId=None, kitsuProject=production.project,
                kitsuEntity="SQ020/SH020", kitsuTaskType="Lightning")],
        {"comment": "c"},
    )  # fmt: skip

    collection = [r.getMessage() for r in outcome.records if r.name.startswith("pyblish.Collect")]
    assert any("Kitsu will refuse this publish (1 problem found)" in m for m in collection)
    assert not any("Lightning" in m for m in collection)  # said once, by the validator
    error = raised(outcome, "ValidateKitsuTargets")
    assert isinstance(error, TargetError) and error.instance == "renderMain"
    assert "did you mean 'Lighting'?" in str(error)
    assert_nothing_posted(admin, task_id, outcome)
