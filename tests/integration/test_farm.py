"""The farm hand-off against a real Kitsu (Zou), with real people and bots (issue 17's
acceptance list).

- An artist (Kitsu role Artist, in the team, assigned to the tasks, logging in with
  their own password) publishes locally: the instances rendered on the farm
  (``instance.data["farm"]``) get the ``farm = true`` profile's submission note, the
  artist's session is logged out at the end, and ``context.data["farmJobEnv"]`` holds
  what the farm job needs and no secret.
- The farm jobs then run in processes of their own, with only ``farmJobEnv``, a bot's
  token in ``KITSU_TOKEN`` and the basics of a process (PATH, HOME, ...): a Production
  Manager bot's note is the artist's in Kitsu; an Artist bot's (in the team, assigned)
  is the bot's and its text names the artist; a note whose status the artist may not
  set (``is_artist_allowed`` false, which the manager bot alone could set) is refused
  in validation and nothing is posted.
- Without a farm profile, a local publish with farm instances posts what it posted
  before the hand-off existed.

What Zou does with a comment posted in someone's name is recorded, without the
library, in test_comment_author_ground_truth.py. The fast version of these behaviours
(the fake Kitsu): tests/test_farm_fake.py. Tokens and passwords are only compared with,
never printed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gazu
import kitsu_seed  # tools/ is on sys.path: see tests/conftest.py
import pyblish.api
import pytest
import requests
from harness import Outcome, publish

from kitsu_publish.state import state_of

pytestmark = pytest.mark.zou

#: What a farm job's process has besides farmJobEnv and KITSU_TOKEN: the basics any
#: process gets from the farm manager (no KITSU_*, no PYBLISH*).
BASICS = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT", "USERPROFILE", "TEMP")

FARM_JOB_ENV_KEYS = {
    "KITSU_SERVER",
    "KITSU_PUBLISH_SETTINGS",
    "KITSU_PUBLISH_HOST",
    "KITSU_PUBLISH_ON_BEHALF_OF",
}


SETTINGS = r'''
[[IntegrateKitsuNote.status_profiles]]
farm = true
note_status_shortname = "wip"
custom_comment_template.comment_template = """Submitted to the farm: \
{% for i in instances if i.farm %}{{ i.name }} v{{ '%03d' % i.version }}{% endfor %}"""

# more specific, and matches the local workfile: the submission note wins all the same
[[IntegrateKitsuNote.status_profiles]]
task_types = ["Lighting"]
product_types = ["workfile"]
note_status_shortname = "retake"

[[IntegrateKitsuNote.status_profiles]]
farm = false
task_types = ["Modeling"]
note_status_shortname = "FORBIDDEN"
'''


def settings_text(forbidden: str) -> str:
    """The studio's settings: the submission note at ``wip`` (also where a more specific
    profile matches a local instance of the task); a Modeling task's final note (not a
    farm submission) with a status artists may not set."""
    return SETTINGS.replace("FORBIDDEN", forbidden)


def authenticated(url: str, token: str) -> int:
    """The HTTP status Kitsu answers this access token with (200: still valid)."""
    answer = requests.get(
        url.rstrip("/") + "/auth/authenticated",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    return answer.status_code


def comment(admin: Any, comment_id: str) -> tuple[str, str, str]:
    """A comment as the admin reads it back: (text, status short name, author id)."""
    stored = gazu.task.get_comment(comment_id, client=admin)
    status = gazu.task.get_task_status(stored["task_status_id"], client=admin)
    return stored["text"], status["short_name"], stored["person_id"]


def product(name: str, task_id: str, **data: Any) -> dict[str, Any]:
    return {"name": name, "productType": "render", "version": 3, "kitsuTaskId": task_id, **data}


@dataclass(repr=False)  # its repr names no secret: pytest prints it when a test fails
class Submission:
    """The module's production, its people, and the artist's local publish."""

    url: str
    tasks: dict[str, str]  # "shot:Lighting", "shot:Animation", "asset:Modeling"
    artist_id: str
    artist_name: str
    manager_bot: str  # Kitsu person ids of the bots
    artist_bot: str
    artist_bot_email: str
    forbidden: str  # a status short name artists may not set
    settings: Path
    outcome: Outcome | None = None
    #: the artist's password, the bots' tokens (by id) and what the spy saw: never printed
    secret: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"Submission(tasks={self.tasks}, artist={self.artist_id})"

    def secrets(self) -> list[str]:
        """Every password and token of this module: none may reach farmJobEnv."""
        seen = self.secret.get("tokens", {})
        return [self.secret["password"], *self.secret["bots"].values(), *seen.values()]

    def token_of(self, bot: str) -> str:
        return str(self.secret["bots"][bot])


def no_secret(submission: Submission, *texts: str) -> bool:
    """No password or token of the module in these texts, nor any JWT (``eyJ...``)."""
    found = [s for s in submission.secrets() if any(s in t for t in texts)]
    return not found and not any("eyJ" in t for t in texts)


def token_spy(seen: dict[str, Any]) -> type:
    """A studio collector that keeps (in memory) the tokens of the library's session,
    and the HTTP status Kitsu answered its access token with while the publish ran."""

    class CollectStudioSpy(pyblish.api.ContextPlugin):
        order = pyblish.api.CollectorOrder + 0.49

        def process(self, context):  # no annotations: pyblish-base 1.8.1 refuses them
            session = state_of(context).session
            if session is None:
                return
            client = session.session.client
            tokens = {k: v for k, v in client.tokens.items() if isinstance(v, str) and v}
            seen["tokens"] = tokens
            seen["during"] = authenticated(session.url, tokens["access_token"])

    return CollectStudioSpy


@pytest.fixture(scope="module")
def submitted(
    zou: kitsu_seed.Zou, admin: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Submission]:
    """The artist's local publish: a workfile (local) and three renders sent to the farm,
    one per task; the farm = true profile gives each task its submission note."""
    production = kitsu_seed.seed(admin)
    tasks = {k: production.tasks[k] for k in ("shot:Lighting", "shot:Animation", "asset:Modeling")}
    tag = uuid.uuid4().hex[:8]
    forbidden = f"fa{tag}"  # Zou: 10 characters at most
    kitsu_seed.new_status(
        admin,
        f"Farm approved {tag}",
        forbidden,
        is_artist_allowed=False,
        is_client_allowed=False,
        project=production.project,
    )
    artist = kitsu_seed.new_person(
        admin, "user", project=production.project, assign=list(tasks.values())
    )
    manager, manager_token = kitsu_seed.new_bot(admin, "manager", project=production.project)
    bot, bot_token = kitsu_seed.new_bot(
        admin, "user", project=production.project, assign=list(tasks.values())
    )
    settings = tmp_path_factory.mktemp("farm") / "studio-kitsu.toml"
    settings.write_text(settings_text(forbidden), encoding="utf-8")
    made = Submission(
        url=zou.url,
        tasks=tasks,
        artist_id=artist.id,
        artist_name=artist.full_name,
        manager_bot=manager["id"],
        artist_bot=bot["id"],
        artist_bot_email=bot["email"],
        forbidden=forbidden,
        settings=settings,
    )
    made.secret.update(
        password=artist.password, bots={manager["id"]: manager_token, bot["id"]: bot_token}
    )
    spy = token_spy(made.secret)
    instances = [
        product("workfileLighting", tasks["shot:Lighting"], productType="workfile"),
        product("renderMain", tasks["shot:Lighting"], farm=True),
        product("renderAnim", tasks["shot:Animation"], farm=True),
        product("renderTurntable", tasks["asset:Modeling"], farm=True),
    ]
    try:
        with pytest.MonkeyPatch.context() as env:
            for name in list(os.environ):  # the module fixture runs before clean_state
                if name.startswith(("KITSU_", "PYBLISH")):
                    env.delenv(name)
            env.setenv("KITSU_SERVER", zou.url)
            env.setenv("KITSU_LOGIN", artist.email)
            env.setenv("KITSU_PWD", artist.password)
            env.setenv("KITSU_PUBLISH_SETTINGS", str(settings))
            pyblish.api.deregister_all_paths()
            pyblish.api.deregister_all_hosts()
            pyblish.api.register_host("maya")  # as pyblish-maya does
            try:
                made.outcome = publish(instances, {"comment": "lighting v3"}, [spy])
            finally:
                pyblish.api.deregister_all_hosts()
                pyblish.api.deregister_all_paths()
        yield made
    finally:
        for person_id in (artist.id, manager["id"], bot["id"]):
            kitsu_seed.retire(admin, person_id)


def farm_env(submission: Submission, bot: str) -> dict[str, str]:
    """A farm job's whole environment: the basics, farmJobEnv and the bot's token."""
    assert submission.outcome is not None
    env = {k: os.environ[k] for k in BASICS if k in os.environ}
    env.update(submission.outcome.context.data["farmJobEnv"])
    env["KITSU_TOKEN"] = submission.token_of(bot)
    return env


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """``kitsu-publish publish ...`` as a farm job: a process of its own."""
    return subprocess.run(
        [sys.executable, "-m", "kitsu_publish.cli", "publish", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


#: A farm job written with pyblish itself (the other way a farm job publishes): one
#: render to a task id; prints its errors, its kitsuNotes and the validator's records.
PYBLISH_JOB = textwrap.dedent(
    """
    import json, sys
    import pyblish.api, pyblish.util
    import kitsu_publish

    kitsu_publish.register()
    context = pyblish.api.Context()
    context.data["comment"] = sys.argv[2]
    instance = context.create_instance("renderAnim")
    instance.data.update(productType="render", version=3, kitsuTaskId=sys.argv[1])
    pyblish.util.publish(context)
    results = context.data["results"]
    print(json.dumps({
        "errors": [str(r["error"]) for r in results if r["error"]],
        "notes": context.data.get("kitsuNotes", []),
        "validation": [
            rec.getMessage()
            for r in results if r["plugin"].__name__ == "ValidateKitsuNote"
            for rec in r["records"]
        ],
    }))
    """
)


# --- 1. the artist's local publish -----------------------------------------------------


def test_a_local_publish_posts_the_submission_notes_as_the_artist(submitted, admin):
    outcome = submitted.outcome
    assert outcome is not None and outcome.errors() == []
    notes = {n["task"]["id"]: n for n in outcome.notes}
    tasks = submitted.tasks
    assert set(notes) == set(tasks.values())  # one note per task
    assert notes[tasks["shot:Lighting"]]["instances"] == ["workfileLighting", "renderMain"]
    expected = {
        "shot:Lighting": "Submitted to the farm: renderMain v003",
        "shot:Animation": "Submitted to the farm: renderAnim v003",
        "asset:Modeling": "Submitted to the farm: renderTurntable v003",
    }
    for key, text in expected.items():
        note = notes[tasks[key]]
        assert note["posted"] is True and "farm true" in note["reason"], note
        # read back from Kitsu: the text, the status, and the artist as the author
        assert comment(admin, note["comment_id"]) == (text, "wip", submitted.artist_id)


def test_the_artist_s_session_is_logged_out_at_the_end(submitted):
    assert submitted.secret["during"] == 200  # the spy saw a live session ...
    after = authenticated(submitted.url, submitted.secret["tokens"]["access_token"])
    assert after == 401  # ... which Kitsu refuses now
    assert submitted.outcome is not None
    assert state_of(submitted.outcome.context).session is None


def test_farm_job_env_holds_the_server_the_settings_the_host_and_the_artist_no_secret(
    submitted,
):
    assert submitted.outcome is not None
    env = submitted.outcome.context.data["farmJobEnv"]
    assert set(env) == FARM_JOB_ENV_KEYS
    assert {k: env[k] for k in sorted(FARM_JOB_ENV_KEYS)} == {
        "KITSU_PUBLISH_HOST": "maya",
        "KITSU_PUBLISH_ON_BEHALF_OF": submitted.artist_id,
        "KITSU_PUBLISH_SETTINGS": str(submitted.settings),
        "KITSU_SERVER": submitted.url,
    }
    # the secrets the artist's process had: the password, the session's tokens
    assert {"access_token", "refresh_token"} <= set(submitted.secret["tokens"])
    values = [str(v) for v in env.values()]
    clean = no_secret(submitted, *values)
    assert clean, "a password or token in farmJobEnv"


# --- 2. the farm job, in a process of its own ------------------------------------------


def task_label(note: dict[str, Any]) -> str:
    task = note["task"]
    return f"{task['project']} / {task['entity']} / {task['task_type']}"


def test_a_manager_bot_s_farm_job_posts_the_final_note_as_the_artist(submitted, admin):
    task = submitted.tasks["shot:Lighting"]
    env = farm_env(submitted, submitted.manager_bot)
    keys = set(env)
    assert keys & {"KITSU_LOGIN", "KITSU_PWD", "PYBLISHPLUGINPATH"} == set()

    done = run_cli(
        env, "--task-id", task, "--product-type", "render", "--version", "v003",
        "--comment", "Rendered on the farm", "--json",
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    (note,) = json.loads(done.stdout)["notes"]
    assert note["posted"] is True
    artist = submitted.artist_id
    assert comment(admin, note["comment_id"]) == ("Rendered on the farm", "wfa", artist)
    assert [c["person_id"] for c in kitsu_seed.comments(admin, task)] == [artist, artist]
    assert kitsu_seed.status(admin, task) == "wfa"
    said = f"ValidateKitsuNote: {task_label(note)}: Kitsu will show {submitted.artist_name} as "
    assert said + "the author" in done.stderr.splitlines()
    clean = no_secret(submitted, done.stdout, done.stderr)
    assert clean, "a password or token in the farm job's output"


def test_an_artist_bot_s_farm_job_posts_as_the_bot_and_names_the_artist(submitted, admin):
    task = submitted.tasks["shot:Animation"]
    env = farm_env(submitted, submitted.artist_bot)

    done = subprocess.run(
        [sys.executable, "-c", PYBLISH_JOB, task, "Rendered on the farm"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )

    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["errors"] == []
    (note,) = result["notes"]
    name = submitted.artist_name
    text = f"Rendered on the farm\n\n*Published on the farm for {name}.*"
    assert comment(admin, note["comment_id"]) == (text, "wfa", submitted.artist_bot)
    assert note["text"] == text
    label = task_label(note)
    assert (
        f"{label}: the note will be posted as {submitted.artist_bot_email}, which may not "
        f"post in someone's name on this project (not a Production Manager); its text "
        f"names {name}"
    ) in result["validation"], result["validation"]
    clean = no_secret(submitted, done.stdout, done.stderr)
    assert clean, "a password or token in the farm job's output"


# --- 3. a status the artist may not set ------------------------------------------------


def test_a_farm_job_with_a_status_the_artist_may_not_set_fails_in_validation(submitted, admin):
    task = submitted.tasks["asset:Modeling"]
    before = kitsu_seed.comments(admin, task)
    assert [c["text"] for c in before] == ["Submitted to the farm: renderTurntable v003"]
    env = farm_env(submitted, submitted.manager_bot)  # the bot may set it; the artist not

    done = run_cli(
        env, "--task-id", task, "--product-type", "render", "--version", "v003",
        "--comment", "Turntable rendered",
    )  # fmt: skip

    assert done.returncode == 1, done.stderr
    errors = [line for line in done.stderr.splitlines() if ": error: " in line]
    assert len(errors) == 1 and errors[0].startswith("ValidateKitsuNote: error: "), errors
    assert f"On the farm, in the name of {submitted.artist_name}" in errors[0]
    assert submitted.forbidden in errors[0]
    assert "IntegrateKitsuNote" not in done.stderr
    assert kitsu_seed.comments(admin, task) == before  # nothing posted
    assert kitsu_seed.status(admin, task) == "wip"  # the submission's, unchanged
    clean = no_secret(submitted, done.stdout, done.stderr)
    assert clean, "a password or token in the farm job's output"


# --- 4. no farm profile: as before -----------------------------------------------------

PLAIN_SETTINGS = """
[IntegrateKitsuNote.custom_comment_template]
enabled = true
comment_template = "{{ comment }} ({{ instances | map(attribute='name') | join(', ') }})"
"""


def test_without_a_farm_profile_farm_instances_take_no_part_as_before(
    admin, production, artist, settings_file
):
    settings_file(PLAIN_SETTINGS)
    artist_id = artist.id
    alone = production.tasks["ep:Animation"]
    task, farm_only = production.tasks["shot:Animation"], production.tasks["shot:Lighting"]
    # what a publish of the local instance alone posts (on a task of the same kind) ...
    baseline = publish([product("workfileAnim", alone, productType="workfile")], {"comment": "v2"})
    # ... and what it posts with instances sent to the farm beside it
    outcome = publish(
        [
            product("workfileAnim", task, productType="workfile"),
            product("renderMain", task, farm=True),
            product("renderLight", farm_only, farm=True),
        ],
        {"comment": "v2"},
    )

    assert baseline.errors() == outcome.errors() == []

    def posted(found: Outcome) -> list[tuple[Any, ...]]:
        keys = ("instances", "reason", "status_before", "status_after", "text", "posted")
        return [(*(n[k] for k in keys), comment(admin, n["comment_id"])) for n in found.notes]

    assert posted(outcome) == posted(baseline)
    ((instances, _, before, after, text, _, stored),) = posted(outcome)
    assert (instances, before, after, text) == (
        ["workfileAnim"],
        "todo",
        "wfa",
        "v2 (workfileAnim)",
    )
    assert stored == (text, "wfa", artist_id)
    assert [c["text"] for c in kitsu_seed.comments(admin, task)] == [text]
    assert kitsu_seed.comments(admin, farm_only) == []  # the farm job's, later
    assert kitsu_seed.status(admin, farm_only) == "todo"


def test_check_online_on_a_farm_machine_names_the_bot_its_power_and_its_token_s_expiry(
    submitted, admin
):
    # the manager bot of the module (no expiration date), then a bot made with one
    env = farm_env(submitted, submitted.manager_bot)
    check = [sys.executable, "-m", "kitsu_publish.cli", "check", "--online"]
    done = subprocess.run(check, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert any(
        line.startswith("  account: ") and ", a bot, Production Manager" in line for line in lines
    )
    assert (
        "  posts in someone's name: yes (Kitsu keeps the author a manager names), except on "
        "projects whose team gives it another role" in lines
    )
    assert (
        "  token expires: never, as far as Kitsu says (no expiration date, no expiry in the token)"
        in lines
    )
    assert no_secret(submitted, done.stdout, done.stderr)

    bot, token = kitsu_seed.new_bot(admin, "user", expiration_date="2099-12-31")
    try:
        env["KITSU_TOKEN"] = token
        done = subprocess.run(check, capture_output=True, text=True, timeout=120, env=env)
        assert done.returncode == 0, done.stderr[-2000:]
        lines = done.stdout.splitlines()
        assert any(", a bot, Artist" in line for line in lines if line.startswith("  account: "))
        assert any(
            line.startswith("  posts in someone's name: only on projects") for line in lines
        )
        assert "  token expires: 2099-12-31 (the bot's expiration date in Kitsu)" in lines
        assert token not in done.stdout + done.stderr
    finally:
        kitsu_seed.retire(admin, bot["id"])
