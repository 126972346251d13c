"""Real studio accounts: validation refuses what Kitsu would refuse, before anything is written.

Real people (artists, supervisors, managers, clients, a bot) are created in the test
Zou with roles, teams, departments and assignments; each publishes with their own
login (or the bot's token) through the real plugins. Every refusal happens in
ValidateKitsuNote (or, for a task the person cannot even see, ValidateKitsuTargets),
names the task by name and says who can fix it; nothing is posted and no studio
integrator runs. docs/accounts.md has the same table.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any, ClassVar

import gazu
import kitsu_seed
import pyblish.api
import pytest
from harness import Outcome, publish, render

from kitsu_publish import actions
from kitsu_publish.state import state_of

pytestmark = pytest.mark.zou


class IntegrateStudioFiles(pyblish.api.ContextPlugin):
    """The studio's own integrator: must not run when the Kitsu note would be refused."""

    order = pyblish.api.IntegratorOrder
    ran: ClassVar[list[str]] = []

    def process(self, context):
        IntegrateStudioFiles.ran.append("files written")


@pytest.fixture
def people(admin) -> Iterator[list[str]]:
    """Ids of the people a test made: retired afterwards (Zou limits active people)."""
    made: list[str] = []
    yield made
    for person_id in made:
        kitsu_seed.retire(admin, person_id)


@pytest.fixture
def as_person(zou, monkeypatch, people, admin, production):
    """Make a real person and put their login in the environment."""

    def make(role: str, **options: Any) -> kitsu_seed.Person:
        person = kitsu_seed.new_person(admin, role, **options)
        people.append(person.id)
        monkeypatch.setenv("KITSU_SERVER", zou.url)
        monkeypatch.setenv("KITSU_LOGIN", person.email)
        monkeypatch.setenv("KITSU_PWD", person.password)
        return person

    return make


def studio_publish(task_id: str, comment: str) -> Outcome:
    IntegrateStudioFiles.ran = []
    return publish([render(task_id)], {"comment": comment}, [IntegrateStudioFiles])


def authors(admin: Any, task_id: str) -> list[tuple[str, str]]:
    return [(c["person_id"], c["text"]) for c in kitsu_seed.comments(admin, task_id)]


def assert_refused_in_validation(outcome: Outcome, admin: Any, task_id: str, plugin: str) -> str:
    message = outcome.error_of(plugin)
    assert "IntegrateKitsuNote" not in outcome.ran()
    assert IntegrateStudioFiles.ran == []
    assert kitsu_seed.comments(admin, task_id) == []
    return message


def test_an_assigned_artist_posts_as_themselves(as_person, admin, production, zou):
    task = production.tasks["shot:Animation"]
    artist = as_person("user", project=production.project, assign=[task])

    outcome = studio_publish(task, "my shot")

    assert outcome.errors() == []
    assert authors(admin, task) == [(artist.id, "my shot")]
    assert kitsu_seed.status(admin, task) == "wfa"
    # what the artist reads: the task, its status by display names, its page in Kitsu
    posted = [r.getMessage() for r in outcome.records if r.name == "pyblish.IntegrateKitsuNote"]
    # short enough for pyblish-lite's default width; the task's page follows
    assert "Posted to Kitsu: SQ020/SH020 / Animation, Todo -> Waiting For Approval" in posted
    project_id = gazu.task.get_task(task, client=admin)["project_id"]
    url = f"{zou.url[: -len('/api')]}/productions/{project_id}/shots/tasks/{task}"
    assert outcome.context[0].data["kitsuTaskUrl"] == url
    assert f"  {url}" in posted
    assert actions.task_urls(outcome.context) == [url]


def test_an_unassigned_artist_is_refused_in_validation(as_person, admin, production):
    task = production.tasks["shot:Animation"]
    as_person("user", project=production.project)

    outcome = studio_publish(task, "not mine")

    message = assert_refused_in_validation(outcome, admin, task, "ValidateKitsuNote")
    assert f"is not assigned to the Kitsu task {production.project} / SQ020/SH020 / Animation" in (
        message
    )
    assert "Ask your production manager to assign you" in message
    assert "Nothing was posted" in message
    assert task not in message  # the task is named, not its id


def test_an_artist_outside_the_team_cannot_even_see_the_task(as_person, admin, production):
    task = production.tasks["shot:Animation"]
    as_person("user")

    outcome = studio_publish(task, "whose project?")

    message = assert_refused_in_validation(outcome, admin, task, "ValidateKitsuTargets")
    assert "team" in message


def test_a_status_not_available_to_artists_is_refused_in_validation(
    as_person, admin, production, settings_file, caplog
):
    task = production.tasks["shot:Animation"]
    short = f"sv{production.project[-6:]}"
    kitsu_seed.new_status(
        admin,
        f"Supervisor only {short}",
        short,
        is_artist_allowed=False,
        project=production.project,
    )
    settings_file(f"[IntegrateKitsuNote]\nnote_status_shortname = '{short}'\n")
    as_person("user", project=production.project, assign=[task])

    outcome = studio_publish(task, "asking for approval")

    message = assert_refused_in_validation(outcome, admin, task, "ValidateKitsuNote")
    assert f"the status '{short}'" in message
    assert "is not available to artists" in message
    assert "note_status_shortname" in message
    # "Show statuses I can set", the action on the failed validator, lists the others
    settable = outcome.context.data["kitsuSettableStatuses"]
    assert "Waiting For Approval (wfa)" in settable
    assert not any(f"({short})" in s for s in settable)
    action = actions.ShowSettableStatuses()
    with caplog.at_level(logging.INFO):
        action.process(outcome.context, None)
    assert "Waiting For Approval (wfa)" in caplog.text


def test_a_supervisor_of_the_task_types_department_posts(as_person, admin, production):
    task = production.tasks["shot:Animation"]  # Zou's Animation task type: Animation dept.
    supervisor = as_person("supervisor", project=production.project, departments=["Animation"])

    outcome = studio_publish(task, "looks good")

    assert outcome.errors() == []
    assert authors(admin, task) == [(supervisor.id, "looks good")]


def test_a_supervisor_of_another_department_is_refused(as_person, admin, production):
    task = production.tasks["shot:Animation"]
    as_person("supervisor", project=production.project, departments=["Modeling"])

    outcome = studio_publish(task, "not my department")

    message = assert_refused_in_validation(outcome, admin, task, "ValidateKitsuNote")
    assert "supervises the Modeling department" in message
    assert "belongs to the Animation department" in message


def test_a_manager_of_the_project_posts_on_any_task(as_person, admin, production):
    task = production.tasks["shot:Lighting"]
    manager = as_person("manager", project=production.project)

    outcome = studio_publish(task, "managed")

    assert outcome.errors() == []
    assert authors(admin, task) == [(manager.id, "managed")]


def test_a_client_posts_with_a_client_status_and_is_refused_another(
    as_person, admin, production, settings_file
):
    task = production.tasks["shot:Animation"]
    client = as_person("client", project=production.project)

    outcome = studio_publish(task, "client feedback")
    assert outcome.errors() == []
    assert authors(admin, task) == [(client.id, "client feedback")]

    short = f"nc{production.project[-6:]}"
    kitsu_seed.new_status(
        admin, f"Internal {short}", short, is_client_allowed=False, project=production.project
    )
    settings_file(f"[IntegrateKitsuNote]\nnote_status_shortname = '{short}'\n")
    other = production.tasks["shot:Lighting"]
    outcome = studio_publish(other, "not for clients")

    message = assert_refused_in_validation(outcome, admin, other, "ValidateKitsuNote")
    assert "is not available to clients" in message


def test_a_bot_token_posts_for_a_farm_job(zou, admin, production, monkeypatch, people):
    task = production.tasks["shot:Animation"]
    bot, token = kitsu_seed.new_bot(admin, "user", project=production.project, assign=[task])
    people.append(bot["id"])
    monkeypatch.setenv("KITSU_SERVER", zou.url)
    monkeypatch.setenv("KITSU_TOKEN", token)

    for frame in ("farm 1", "farm 2"):
        outcome = studio_publish(task, frame)
        assert outcome.errors() == []

    assert sorted(authors(admin, task)) == [(bot["id"], "farm 1"), (bot["id"], "farm 2")]


def test_the_online_check_reports_the_preflight_and_settable_statuses(
    as_person, admin, production, capsys
):
    from kitsu_publish import cli

    task = production.tasks["shot:Animation"]
    other = production.tasks["shot:Lighting"]
    as_person("user", project=production.project, assign=[task])

    assert cli.main(["check", "--online", "--task-id", task]) == 0
    out = capsys.readouterr().out
    assert "Artist on this project" in out
    assert "a note with status 'wfa': ok" in out
    assert "statuses you may set: " in out

    assert cli.main(["check", "--online", "--task-id", other]) == 1
    assert "REFUSED" in capsys.readouterr().out
    assert gazu.task.all_comments_for_task(task, client=admin) == []


def test_an_unassigned_vendor_is_refused_like_an_artist(as_person, admin, production):
    task = production.tasks["shot:Animation"]
    as_person("vendor", project=production.project)

    outcome = studio_publish(task, "outsourced")

    message = assert_refused_in_validation(outcome, admin, task, "ValidateKitsuTargets")
    assert "vendors see only the tasks of entities they have a task assigned on" in message


def test_a_password_session_revoked_during_the_publish_names_the_login(
    as_person, admin, production
):
    task = production.tasks["shot:Animation"]
    artist = as_person("user", project=production.project, assign=[task])

    class ExtractStudioLogout(pyblish.api.ContextPlugin):
        """Something else logs the artist's session out between validation and posting."""

        order = pyblish.api.ExtractorOrder

        def process(self, context):
            session = state_of(context).session.session
            token = session.client.tokens["access_token"]
            session.client.session.get(
                session.url + "/auth/logout", headers={"Authorization": f"Bearer {token}"}
            )

    outcome = publish([render(task)], {"comment": "too late"}, [ExtractStudioLogout])

    message = outcome.error_of("IntegrateKitsuNote")
    assert f"Kitsu ended the session of {artist.email}" in message
    assert "KITSU_TOKEN" not in message
    assert kitsu_seed.comments(admin, task) == []


def test_a_server_url_with_a_wrong_path_says_so(zou, monkeypatch, production):
    monkeypatch.setenv("KITSU_SERVER", zou.url.replace("/api", "/kitsu"))
    monkeypatch.setenv("KITSU_LOGIN", zou.email)
    monkeypatch.setenv("KITSU_PWD", zou.password)

    outcome = publish([render(production.tasks["shot:Animation"])], {"comment": "c"})

    message = outcome.error_of("ValidateKitsuConnection")
    assert "answers, but not as a Kitsu API" in message
    assert "check the path in KITSU_SERVER" in message
    assert "ServerErrorException" not in message


def test_credentials_inside_the_server_url_are_refused_and_masked(zou, monkeypatch, production):
    url = zou.url.replace("http://", f"http://{zou.email}:{zou.password}@")
    monkeypatch.setenv("KITSU_SERVER", url)
    monkeypatch.setenv("KITSU_TOKEN", "anything")

    outcome = publish([render(production.tasks["shot:Animation"])], {"comment": "c"})

    message = outcome.error_of("ValidateKitsuConnection")
    assert "contains a login or password" in message
    assert zou.password not in message and zou.email not in message
    assert "http://***@127.0.0.1" in message


@pytest.mark.parametrize(
    ("comment", "found"),
    [
        ("a NUL \x00 in the middle", "NUL character"),
        ("a lone surrogate \ud800 pasted", "surrogate"),
        ("x" * 100_001, "100,000"),
    ],
)
def test_text_kitsu_cannot_store_fails_in_validation(as_person, admin, production, comment, found):
    task = production.tasks["shot:Animation"]
    as_person("user", project=production.project, assign=[task])

    outcome = studio_publish(task, comment)

    message = assert_refused_in_validation(outcome, admin, task, "ValidateKitsuNote")
    assert found in message
    assert "instance 'renderMain'" in message and "comment" in message


def test_a_note_kitsu_would_copy_to_other_tasks_is_a_warning(as_person, admin, production):
    task = production.tasks["shot:Animation"]
    artist = as_person("user", project=production.project, assign=[task])

    outcome = studio_publish(task, "ready for #all to see")

    assert outcome.errors() == []
    warnings = [
        r.getMessage()
        for r in outcome.records
        if r.name == "pyblish.ValidateKitsuNote" and r.levelname == "WARNING"
    ]
    assert any("#all" in w for w in warnings), warnings
    assert authors(admin, task) == [(artist.id, "ready for #all to see")]
