"""Ground truth: who Zou makes the author of a comment posted with a ``person_id``.

No kitsu-publish code here: each comment is posted directly with
``gazu.task.add_comment(task, status, text, person=<someone else>, client=<caller>)``
(``POST actions/tasks/<task_id>/comment`` with ``person_id`` in the body) by a bot or a
person on a gazu client of their own, and the test states whom Zou stored as the
comment's author, read back as the admin (``data/comments/<id>``: ``person_id``).

The rule, as read in Zou (CommentTaskResource.post, permissions.has_manager_permissions):
after the usual access checks of the caller (see test_accounts_ground_truth.py), the
caller's ``person_id`` (and ``created_at``) are dropped unless the caller's effective
role is manager or admin. The effective role is the caller's role on the task's project
(the team link's role) when one is set, their global role otherwise; a bot is no
different from a person there. The person named is not checked at all: neither their
rights on the task, nor the status, nor even that they are in the team.

A library posting in an artist's name with a bot's token therefore has to preflight the
artist's rights itself, from what the bot may read: the artist's person record
(``data/persons/<id>``: global role, departments) and the project's team (the artist's
``project_role``); the last tests record what a bot is shown there.

Tokens and passwords stay out of assertions: a bot's token is only handed to a gazu
client or decoded (base64, no verification) into its claims, and people are compared by
id only. The people made are deactivated at the end (Zou's USER_LIMIT).
"""

from __future__ import annotations

import base64
import calendar
import datetime
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import gazu
import kitsu_seed  # tools/ is on sys.path: see tests/conftest.py
import pytest

pytestmark = pytest.mark.zou


class Stored(NamedTuple):
    """A comment as the admin reads it back."""

    author: str  # its person_id
    status: str  # its task_status_id


def claims_of(token: str) -> dict[str, Any]:
    """The payload of a JWT, decoded with base64 only (no signature check)."""
    payload = token.split(".")[1]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return json.loads(decoded)  # type: ignore[no-any-return]


def client_of(url: str, *, token: str | None = None, person: Any = None) -> Any:
    """A gazu client of one's own: a bot's token, or a person's password login."""
    client = gazu.client.create_client(url)
    if token is not None:
        gazu.set_token(token, client=client)
    if person is not None:
        gazu.log_in(person.email, person.password, client=client)
    return client


@dataclass
class World:
    """One project (bot collaboration enabled) for the whole module."""

    admin: Any
    url: str
    project: dict[str, Any]
    shot: dict[str, Any]
    anim: dict[str, Any]  # a task type of this module, in the "Animation" department
    todo: dict[str, Any]
    ok: dict[str, Any]  # is_artist_allowed
    no: dict[str, Any]  # not is_artist_allowed (nor is_client_allowed)
    people: list[str] = field(default_factory=list)

    def member(self, role: str, *, in_team: bool = True, **kwargs: Any) -> str:
        """A person (password login) in this project's team; returns their id."""
        project = self.project if in_team else None
        made = kitsu_seed.new_person(self.admin, role, project=project, **kwargs)
        self.people.append(made.id)
        return made.id

    def login(self, role: str, **kwargs: Any) -> tuple[str, Any]:
        """A person in the team and a gazu client logged in as them: (id, client)."""
        made = kitsu_seed.new_person(self.admin, role, project=self.project, **kwargs)
        self.people.append(made.id)
        return made.id, client_of(self.url, person=made)

    def bot(
        self,
        role: str,
        *,
        in_team: bool = True,
        project_role: str | None = None,
        **kwargs: Any,
    ) -> tuple[str, Any]:
        """A bot (in the team unless told) and a gazu client with its token: (id, client)."""
        project = self.project if in_team else None
        made, token = kitsu_seed.new_bot(self.admin, role, project=project, **kwargs)
        self.people.append(made["id"])
        if project_role is not None:
            kitsu_seed.set_project_role(self.admin, self.project, made["id"], project_role)
        return made["id"], client_of(self.url, token=token)

    def task(self) -> str:
        created = gazu.task.new_task(
            self.shot,
            self.anim,
            name=f"ca-{uuid.uuid4().hex[:8]}",
            task_status=self.todo,
            client=self.admin,
        )
        return created["id"]  # type: ignore[no-any-return]

    def post(
        self, client: Any, task_id: str, status: dict[str, Any], person_id: str | None
    ) -> Stored:
        """Comment as the caller of ``client``, naming ``person_id``; read it back."""
        answer = gazu.task.add_comment(
            task_id, status, "ground truth", person=person_id, client=client
        )
        stored = gazu.task.get_comment(answer["id"], client=self.admin)
        assert answer["person_id"] == stored["person_id"]  # the answer tells the same
        return Stored(stored["person_id"], stored["task_status_id"])

    def team(self, client: Any) -> dict[str, dict[str, Any]]:
        rows = gazu.client.get(f"data/projects/{self.project['id']}/team", client=client)
        return {row["id"]: row for row in rows}


def build_world(admin: Any, url: str) -> World:
    production = kitsu_seed.seed(admin)
    project = gazu.project.get_project_by_name(production.project, client=admin)
    enable = {"is_bot_collaboration_enabled": True}
    project = gazu.client.put(f"data/projects/{project['id']}", enable, client=admin)
    shot_id = gazu.task.get_task(production.tasks["shot:Animation"], client=admin)["entity_id"]
    name = f"CA Anim {uuid.uuid4().hex[:8]}"
    gazu.task.new_task_type(name, for_entity="Shot", client=admin)

    def status(is_artist_allowed: bool) -> dict[str, Any]:
        tag = uuid.uuid4().hex[:8]
        return kitsu_seed.new_status(
            admin,
            f"CA {tag}",
            f"ca{tag}",
            is_artist_allowed=is_artist_allowed,
            is_client_allowed=is_artist_allowed,
            project=project,
        )

    return World(
        admin=admin,
        url=url,
        project=project,
        shot=gazu.entity.get_entity(shot_id, client=admin),
        anim=kitsu_seed.set_department(admin, name, "Animation"),
        todo=gazu.task.get_default_task_status(client=admin),
        ok=status(True),
        no=status(False),
    )


@pytest.fixture(scope="module")
def world(admin: Any, zou: kitsu_seed.Zou) -> Iterator[World]:
    made = build_world(admin, zou.url)
    yield made
    for person_id in made.people:
        kitsu_seed.retire(admin, person_id)


# --- who is the author -----------------------------------------------------------------


def test_manager_bot_names_an_assigned_artist_the_artist_is_the_author(world):
    task = world.task()
    artist = world.member("user", assign=[task])
    _, bot = world.bot("manager")
    assert world.post(bot, task, world.ok, artist).author == artist


def test_artist_bot_assigned_names_an_artist_the_bot_is_the_author(world):
    task = world.task()
    artist = world.member("user", assign=[task])
    bot_id, bot = world.bot("user", assign=[task])
    assert world.post(bot, task, world.ok, artist).author == bot_id


def test_artist_bot_who_is_manager_of_the_project_names_an_artist_the_artist_is_the_author(
    world,
):
    """The project role decides, as for every other right: predictable from the team."""
    task = world.task()
    artist = world.member("user", assign=[task])
    bot_id, bot = world.bot("user", project_role="manager")  # not assigned either
    assert world.team(world.admin)[bot_id]["project_role"] == "manager"
    assert world.post(bot, task, world.ok, artist).author == artist


def test_manager_bot_who_is_artist_of_the_project_names_an_artist_the_bot_is_the_author(
    world,
):
    task = world.task()
    artist = world.member("user", assign=[task])
    bot_id, bot = world.bot("manager", project_role="user", assign=[task])
    assert world.post(bot, task, world.ok, artist).author == bot_id


def test_supervisor_bot_names_an_artist_the_bot_is_the_author(world):
    """A supervisor (no department: any task of the project) may comment, not as another."""
    task = world.task()
    artist = world.member("user", assign=[task])
    bot_id, bot = world.bot("supervisor")
    assert world.post(bot, task, world.no, artist).author == bot_id


def test_artist_names_another_person_the_artist_is_the_author(world):
    task = world.task()
    other = world.member("user", assign=[task])
    artist, client = world.login("user", assign=[task])
    assert world.post(client, task, world.ok, other).author == artist


def test_manager_person_names_an_artist_the_artist_is_the_author(world):
    """Not a bot's privilege: a manager logged in with a password does the same."""
    task = world.task()
    artist = world.member("user", assign=[task])
    _, client = world.login("manager")
    assert world.post(client, task, world.ok, artist).author == artist


# --- what Zou does not check about the person named ------------------------------------


def test_manager_bot_names_an_artist_with_a_status_the_artist_may_not_set(world):
    """Accepted: the caller's rights are checked, the named artist's are not (the artist
    posting it themself is refused: test_accounts_ground_truth.py)."""
    task = world.task()
    artist = world.member("user", assign=[task])
    _, bot = world.bot("manager")
    stored = world.post(bot, task, world.no, artist)
    assert (stored.author, stored.status) == (artist, world.no["id"])
    assert kitsu_seed.status(world.admin, task) == world.no["short_name"]


def test_manager_bot_names_a_person_outside_the_team(world):
    task = world.task()
    stranger = world.member("user", in_team=False)
    _, bot = world.bot("manager")
    assert stranger not in world.team(world.admin)
    assert world.post(bot, task, world.ok, stranger).author == stranger


def test_manager_bot_names_a_deactivated_person(world):
    task = world.task()
    artist = world.member("user", assign=[task])
    kitsu_seed.retire(world.admin, artist)
    _, bot = world.bot("manager")
    assert world.post(bot, task, world.ok, artist).author == artist


def test_bot_collaboration_is_not_needed_to_comment_in_someones_name(admin, zou):
    """``is_bot_collaboration_enabled`` is only read when a bot is assigned (or logs
    time): a manager bot in the team names an assigned artist on a project without it."""
    production = kitsu_seed.seed(admin)
    project = gazu.project.get_project_by_name(production.project, client=admin)
    world = World(admin, zou.url, project, {}, {}, {}, {}, {})
    try:
        assert not project.get("is_bot_collaboration_enabled")
        task = production.tasks["shot:Animation"]
        artist = world.member("user", assign=[task])
        _, bot = world.bot("manager")
        todo = gazu.task.get_default_task_status(client=admin)
        assert world.post(bot, task, todo, artist).author == artist
    finally:
        for person_id in world.people:
            kitsu_seed.retire(admin, person_id)


# --- a bot's token ---------------------------------------------------------------------


def test_a_bot_token_has_no_exp_claim_without_an_expiration_date(admin):
    made, token = kitsu_seed.new_bot(admin, "manager")
    try:
        claims = claims_of(token)
        record = gazu.client.get(f"data/persons/{made['id']}", client=admin)
        assert (claims["identity_type"], claims["sub"]) == ("bot", made["id"])
        assert "exp" not in claims
        assert record["expiration_date"] is None
    finally:
        kitsu_seed.retire(admin, made["id"])


def test_a_bot_with_an_expiration_date_has_a_token_expiring_at_the_end_of_that_day(admin):
    day = datetime.date.today() + datetime.timedelta(days=30)
    made, token = kitsu_seed.new_bot(admin, "manager", expiration_date=day.isoformat())
    try:
        claims = claims_of(token)
        record = gazu.client.get(f"data/persons/{made['id']}", client=admin)
        assert record["expiration_date"] == day.isoformat()
        end_of_day = calendar.timegm((day + datetime.timedelta(days=1)).timetuple())
        assert end_of_day - 3 <= claims["exp"] <= end_of_day  # that day's end, in UTC
        assert claims["identity_type"] == "bot"
    finally:
        kitsu_seed.retire(admin, made["id"])


# --- what a bot may read of the artist it posts for -------------------------------------


def test_artist_bot_reads_an_artists_person_record(world):
    """The minimal record: the global role and the department ids, no e-mail."""
    artist = world.member("user", departments=["Animation"])
    _, bot = world.bot("user")
    record = gazu.client.get(f"data/persons/{artist}", client=bot)
    animation = kitsu_seed.department(world.admin, "Animation")["id"]
    seen = (record["role"], record["departments"], record["active"], record["is_bot"])
    assert seen == ("user", [animation], True, False)
    assert "email" not in record and "project_role" not in record


def test_manager_bot_reads_an_artists_full_person_record(world):
    artist = world.member("user", departments=["Animation"])
    _, bot = world.bot("manager")
    record = gazu.client.get(f"data/persons/{artist}", client=bot)
    animation = kitsu_seed.department(world.admin, "Animation")["id"]
    assert (record["role"], record["departments"]) == ("user", [animation])
    assert "email" in record and "password" not in record


def test_artist_bot_reads_the_team_roles_but_no_departments(world):
    artist = world.member("user", departments=["Animation"])
    lead = world.member("user", project_role="supervisor", departments=["Animation"])
    _, bot = world.bot("user")
    team = world.team(bot)
    seen = {
        who: (team[who]["role"], team[who]["project_role"], team[who]["departments"])
        for who in (artist, lead)
    }
    assert seen == {artist: ("user", None, []), lead: ("user", "supervisor", [])}


def test_manager_bot_reads_the_team_with_departments(world):
    lead = world.member("user", project_role="supervisor", departments=["Animation"])
    _, bot = world.bot("manager")
    row = world.team(bot)[lead]
    animation = kitsu_seed.department(world.admin, "Animation")["id"]
    assert (row["role"], row["project_role"], row["departments"]) == (
        "user",
        "supervisor",
        [animation],
    )


def test_artist_bot_who_is_manager_of_the_project_reads_the_team_with_departments(world):
    lead = world.member("user", departments=["Animation"])
    _, bot = world.bot("user", project_role="manager")
    animation = kitsu_seed.department(world.admin, "Animation")["id"]
    assert world.team(bot)[lead]["departments"] == [animation]


def test_bot_outside_the_team_may_not_read_the_team(world):
    _, bot = world.bot("manager", in_team=False)
    with pytest.raises(gazu.exception.NotAllowedException):
        world.team(bot)
