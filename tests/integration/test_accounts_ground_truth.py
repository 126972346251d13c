"""Ground truth: what Zou itself does when each kind of account comments on a task.

No kitsu-publish code here: every comment is posted directly with gazu, by the person
(or bot) on a gazu client of their own, and the test states what the server answered:
"allowed" (the comment is created, HTTP 201, and the task takes the status) or the
gazu exception class and the HTTP status of the refusal. A client-side preflight that
predicts Zou's refusals must agree with every row of this file.

The rules, as read in Zou (permissions_service.check_task_action_access,
check_task_status_access, check_task_mention_access, CommentTaskResource.post):

- an admin may always; anyone else must be in the project's team, and then their
  role is the one they have on the project (the team link's role) or else their
  global role;
- manager and client: any task of the project; supervisor: a task they are assigned
  to, or any task when they have no department, or a task whose task type is in one
  of their departments; artist ("user"), vendor: a task they are assigned to; anyone
  in the team: a task of an entity they created; anyone in the team but a vendor who
  was mentioned in the task's conversation: a comment that keeps the current status;
- the status: an artist needs ``is_artist_allowed`` (also when it is the task's
  current status), a client needs ``is_client_allowed`` (the project's override when
  it has one); nobody else is restricted.

Many people are made: they are deactivated at the end (Zou's USER_LIMIT counts the
active ones).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Callable

import gazu
import kitsu_seed  # tools/ is on sys.path: see tests/conftest.py
import pytest

pytestmark = pytest.mark.zou


@dataclass(frozen=True)
class Outcome:
    """What the server did: "allowed", or the gazu exception raised; and the HTTP status."""

    result: str
    http: int | None


ALLOWED = Outcome("allowed", 201)  # a comment is created
READ = Outcome("allowed", 200)  # a read answered
REFUSED = Outcome("NotAllowedException", 403)


class Caller:
    """One person's (or bot's) own gazu client, noting the HTTP status of each answer."""

    def __init__(
        self,
        url: str,
        person: kitsu_seed.Person | None = None,
        token: str | None = None,
    ) -> None:
        self.client = gazu.client.create_client(url)
        self.codes: list[int] = []
        self.client.session.hooks["response"].append(self._note)
        if person is not None:
            gazu.log_in(person.email, person.password, client=self.client)
        if token is not None:
            gazu.set_token(token, client=self.client)

    def _note(self, response: Any, *args: Any, **kwargs: Any) -> None:
        self.codes.append(response.status_code)

    def attempt(self, call: Callable[..., Any], *args: Any) -> tuple[Outcome, Any]:
        """Call a gazu function as this caller: (outcome, answer or exception)."""
        self.codes.clear()
        try:
            answer = call(*args, client=self.client)
        except Exception as error:
            return Outcome(type(error).__name__, self.codes[-1] if self.codes else None), error
        return Outcome("allowed", self.codes[-1]), answer

    def comment(self, task_id: str, status: dict[str, Any], text: str = "ground truth") -> Outcome:
        outcome, answer = self.attempt(gazu.task.add_comment, task_id, status, text)
        if outcome.result == "allowed":
            assert answer["task_status_id"] == status["id"]
        return outcome


@dataclass
class World:
    """One project for the whole module, and what its cases are made of."""

    admin: Any
    url: str
    production: kitsu_seed.Production
    project: dict[str, Any]
    shot: dict[str, Any]  # SQ020/SH020: every task of this module is on it
    anim: dict[str, Any]  # a task type of this module, in the "Animation" department
    todo: dict[str, Any]
    ok: dict[str, Any]  # is_artist_allowed and is_client_allowed
    no: dict[str, Any]  # neither
    people: list[str] = field(default_factory=list)

    def person(self, role: str, **kwargs: Any) -> kitsu_seed.Person:
        made = kitsu_seed.new_person(self.admin, role, **kwargs)
        self.people.append(made.id)
        return made

    def member(self, role: str, **kwargs: Any) -> kitsu_seed.Person:
        """A person in this project's team."""
        return self.person(role, project=self.project, **kwargs)

    def bot(self, role: str, **kwargs: Any) -> tuple[dict[str, Any], str]:
        made, token = kitsu_seed.new_bot(self.admin, role, **kwargs)
        self.people.append(made["id"])
        return made, token

    def task(self, task_type: dict[str, Any] | None = None) -> str:
        """A new task of the shot (of the module's task type unless told), in Todo."""
        created = gazu.task.new_task(
            self.shot,
            task_type or self.anim,
            name=f"gt-{uuid.uuid4().hex[:8]}",
            task_status=self.todo,
            client=self.admin,
        )
        return created["id"]  # type: ignore[no-any-return]

    def caller(self, person: kitsu_seed.Person) -> Caller:
        return Caller(self.url, person=person)

    def status(self, is_artist_allowed: bool = True, is_client_allowed: bool = True) -> dict:
        tag = uuid.uuid4().hex[:8]
        return kitsu_seed.new_status(
            self.admin,
            f"GT {tag}",
            f"gt{tag}",
            is_artist_allowed=is_artist_allowed,
            is_client_allowed=is_client_allowed,
            project=self.project,
        )


def build_world(admin: Any, url: str, production: kitsu_seed.Production) -> World:
    project = gazu.project.get_project_by_name(production.project, client=admin)
    shot_id = gazu.task.get_task(production.tasks["shot:Animation"], client=admin)["entity_id"]
    shot = gazu.entity.get_entity(shot_id, client=admin)
    name = f"GT Anim {uuid.uuid4().hex[:8]}"
    gazu.task.new_task_type(name, for_entity="Shot", client=admin)
    anim = kitsu_seed.set_department(admin, name, "Animation")
    world = World(
        admin=admin,
        url=url,
        production=production,
        project=project,
        shot=shot,
        anim=anim,
        todo=gazu.task.get_default_task_status(client=admin),
        ok={},
        no={},
    )
    world.ok = world.status(is_artist_allowed=True, is_client_allowed=True)
    world.no = world.status(is_artist_allowed=False, is_client_allowed=False)
    return world


@pytest.fixture(scope="module")
def world(admin: Any, zou: kitsu_seed.Zou) -> Iterator[World]:
    made = build_world(admin, zou.url, kitsu_seed.seed(admin))
    yield made
    for person_id in made.people:
        kitsu_seed.retire(admin, person_id)


# --- the helpers themselves ------------------------------------------------------------


def test_the_seeding_helpers_make_what_they_say(world):
    admin = world.admin
    task = world.task()
    person = world.member("supervisor", project_role="manager", departments=["Lighting"])
    found = gazu.person.get_person(person.id, client=admin)
    assert (found["email"], found["role"], found["full_name"]) == (
        person.email,
        "supervisor",
        person.full_name,
    )
    lighting = kitsu_seed.department(admin, "Lighting")
    assert gazu.client.get(f"data/persons/{person.id}", client=admin)["departments"] == [
        lighting["id"]
    ]
    team = gazu.client.fetch_all(f"projects/{world.project['id']}/team", client=admin)
    assert {p["id"]: p["project_role"] for p in team}[person.id] == "manager"

    bot, token = world.bot("user", project=world.project, assign=[task])
    assert bot["is_bot"] is True and "access_token" not in bot
    assert bot["id"] in gazu.task.get_task(task, client=admin)["assignees"]
    assert token.count(".") == 2  # a JWT

    assert world.anim["department_id"] == kitsu_seed.department(admin, "Animation")["id"]
    assert (world.ok["is_artist_allowed"], world.ok["is_client_allowed"]) == (True, True)
    assert (world.no["is_artist_allowed"], world.no["is_client_allowed"]) == (False, False)
    project_statuses = gazu.project.get_project(world.project["id"], client=admin)
    assert world.no["id"] in project_statuses["task_statuses"]

    token = kitsu_seed.person_token(world.url, person.email, person.password)
    assert Caller(world.url, token=token).attempt(gazu.client.get_current_user)[0] == READ


# --- artists ("user") ------------------------------------------------------------------


def test_artist_assigned_with_an_artist_status(world):
    task = world.task()
    artist = world.member("user", assign=[task])
    assert world.caller(artist).comment(task, world.ok) == ALLOWED


def test_artist_assigned_with_a_status_artists_may_not_set(world):
    task = world.task()
    artist = world.member("user", assign=[task])
    assert world.caller(artist).comment(task, world.no) == REFUSED
    assert kitsu_seed.status(world.admin, task) == world.todo["short_name"]


def test_artist_may_not_even_keep_a_non_artist_status_the_task_is_in(world):
    task = world.task()
    artist = world.member("user", assign=[task])
    gazu.task.add_comment(task, world.no, "", client=world.admin)
    caller = world.caller(artist)
    assert caller.comment(task, world.no) == REFUSED
    # ... but may move the task out of it
    assert caller.comment(task, world.ok) == ALLOWED


def test_artist_in_the_team_not_assigned(world):
    task = world.task()
    artist = world.member("user")
    assert world.caller(artist).comment(task, world.ok) == REFUSED


def team_ids(world: World) -> set[str]:
    team = gazu.client.fetch_all(f"projects/{world.project['id']}/team", client=world.admin)
    return {p["id"] for p in team}


def test_artist_assigned_then_taken_out_of_the_team(world):
    task = world.task()
    artist = world.person("user", assign=[task])
    assert artist.id in team_ids(world)  # assigning puts the assignee in the team
    gazu.project.remove_person_from_team(world.project, artist.id, client=world.admin)
    assert artist.id not in team_ids(world)
    assert artist.id in gazu.task.get_task(task, client=world.admin)["assignees"]  # kept
    assert world.caller(artist).comment(task, world.ok) == REFUSED


def test_artist_not_in_the_team_cannot_read_the_task_nor_see_the_project(world):
    task = world.task()
    caller = world.caller(world.person("user"))
    assert caller.comment(task, world.ok) == REFUSED
    assert caller.attempt(gazu.task.get_task, task)[0] == REFUSED
    outcome, project = caller.attempt(gazu.project.get_project_by_name, world.project["name"])
    assert (outcome, project) == (READ, None)  # filtered out of the listing, no error
    outcome, _ = caller.attempt(gazu.project.get_project, world.project["id"])
    assert outcome == REFUSED


def test_artist_in_the_team_reads_the_task_and_the_team(world):
    task = world.task()
    artist = world.member("user")
    manager = world.member("user", project_role="manager")
    caller = world.caller(artist)
    assert caller.attempt(gazu.task.get_task, task)[0] == READ  # not assigned: still readable
    outcome, team = caller.attempt(gazu.client.fetch_all, f"projects/{world.project['id']}/team")
    assert outcome == READ
    rows = {p["id"]: p for p in team}
    # "role" is the global role, "project_role" the team link's (None: none set); an
    # artist is shown no departments ("departments" is always [] for them)
    assert (rows[artist.id]["role"], rows[artist.id]["project_role"]) == ("user", None)
    assert (rows[manager.id]["role"], rows[manager.id]["project_role"]) == ("user", "manager")
    assert all(p["departments"] == [] for p in team)


def test_artist_who_created_the_entity(production, admin, zou):
    """The creator rule: in the team, not assigned, but the task's entity is theirs."""
    world = build_world(admin, zou.url, production)
    try:
        creator = world.member("manager")
        caller = world.caller(creator)
        asset_type = gazu.asset.get_asset_type_by_name("Character", client=admin)
        _, asset = caller.attempt(gazu.asset.new_asset, world.project, asset_type, "Wolf")
        assert asset["created_by"] == creator.id
        modeling = gazu.task.get_task_type_by_name("Modeling", client=admin)
        created = gazu.task.new_task(asset, modeling, task_status=world.todo, client=admin)
        kitsu_seed.set_project_role(admin, world.project, creator.id, "user")  # now an artist
        assert caller.comment(created["id"], world.ok) == ALLOWED
        assert caller.comment(created["id"], world.no) == REFUSED  # still an artist
        # the same person on a task of someone else's entity
        assert caller.comment(world.task(), world.ok) == REFUSED
    finally:
        for person_id in world.people:
            kitsu_seed.retire(admin, person_id)


def test_artist_mentioned_in_the_conversation_may_answer_without_changing_the_status(world):
    task = world.task()
    artist = world.member("user")
    gazu.task.add_comment(task, world.todo, f"@{artist.full_name} please look", client=world.admin)
    caller = world.caller(artist)
    assert caller.comment(task, world.todo) == ALLOWED  # the current status: kept
    assert caller.comment(task, world.ok) == REFUSED  # a change
    # a non-artist status that is the current one: the status rule still applies
    gazu.task.add_comment(task, world.no, "", client=world.admin)
    assert caller.comment(task, world.no) == REFUSED


def test_artist_whose_department_was_mentioned_may_answer_without_changing_the_status(world):
    task = world.task()
    artist = world.member("user", departments=["Lighting"])
    gazu.task.add_comment(task, world.todo, "@Lighting please look", client=world.admin)
    caller = world.caller(artist)
    assert caller.comment(task, world.todo) == ALLOWED
    assert caller.comment(task, world.ok) == REFUSED


def test_vendor_mentioned_in_the_conversation_may_not_answer(world):
    task = world.task()
    vendor = world.member("vendor")
    gazu.task.add_comment(task, world.todo, f"@{vendor.full_name} please look", client=world.admin)
    assert world.caller(vendor).comment(task, world.todo) == REFUSED


# --- supervisors -----------------------------------------------------------------------


def test_supervisor_of_the_task_types_department(world):
    task = world.task()
    supervisor = world.member("supervisor", departments=["Animation"])
    caller = world.caller(supervisor)
    assert caller.comment(task, world.ok) == ALLOWED
    assert caller.comment(task, world.no) == ALLOWED  # statuses restrict artists only


def test_supervisor_of_another_department(world):
    task = world.task()
    supervisor = world.member("supervisor", departments=["Lighting"])
    assert world.caller(supervisor).comment(task, world.ok) == REFUSED


def test_supervisor_of_another_department_assigned(world):
    task = world.task()
    supervisor = world.member("supervisor", departments=["Lighting"], assign=[task])
    assert world.caller(supervisor).comment(task, world.no) == ALLOWED


def test_supervisor_of_a_task_type_without_department(world):
    task_type = gazu.task.new_task_type(
        f"GT None {uuid.uuid4().hex[:8]}", for_entity="Shot", client=world.admin
    )
    assert task_type["department_id"] is None
    task = world.task(task_type)
    supervisor = world.member("supervisor", departments=["Lighting"])
    assert world.caller(supervisor).comment(task, world.ok) == REFUSED


def test_supervisor_without_department(world):
    task = world.task()
    supervisor = world.member("supervisor")
    assert world.caller(supervisor).comment(task, world.no) == ALLOWED


def test_supervisor_not_in_the_team(world):
    task = world.task()
    supervisor = world.person("supervisor", departments=["Animation"])
    assert world.caller(supervisor).comment(task, world.ok) == REFUSED


# --- managers, admins ------------------------------------------------------------------


def test_manager_in_the_team(world):
    task = world.task()
    manager = world.member("manager")
    assert world.caller(manager).comment(task, world.no) == ALLOWED


def test_manager_not_in_the_team(world):
    task = world.task()
    manager = world.person("manager")
    assert world.caller(manager).comment(task, world.ok) == REFUSED


def test_admin_not_in_the_team(world):
    task = world.task()
    admin = world.person("admin")
    assert world.caller(admin).comment(task, world.no) == ALLOWED


# --- clients, vendors ------------------------------------------------------------------


def test_client_in_the_team(world):
    task = world.task()
    client = world.caller(world.member("client"))  # not assigned: clients need not be
    assert client.comment(task, world.no) == REFUSED  # is_client_allowed False
    assert client.comment(task, world.ok) == ALLOWED  # is_client_allowed True


def test_client_and_the_projects_override_of_is_client_allowed(world):
    task = world.task()
    client = world.caller(world.member("client"))
    studio_no, studio_yes = world.status(True, False), world.status(True, True)
    path = f"data/projects/{world.project['id']}/settings/task-status"
    gazu.client.put(f"{path}/{studio_no['id']}", {"is_client_allowed": True}, client=world.admin)
    gazu.client.put(f"{path}/{studio_yes['id']}", {"is_client_allowed": False}, client=world.admin)
    assert client.comment(task, studio_no) == ALLOWED
    assert client.comment(task, studio_yes) == REFUSED


def test_client_not_in_the_team(world):
    task = world.task()
    assert world.caller(world.person("client")).comment(task, world.ok) == REFUSED


def test_vendor_assigned(world):
    task = world.task()
    vendor = world.caller(world.member("vendor", assign=[task]))
    assert vendor.comment(task, world.ok) == ALLOWED
    assert vendor.comment(task, world.no) == ALLOWED  # is_artist_allowed is for artists


def test_vendor_not_assigned(world):
    task = world.task()
    vendor = world.caller(world.member("vendor"))
    assert vendor.comment(task, world.ok) == REFUSED


# --- a role on the project only --------------------------------------------------------


def test_global_artist_who_is_manager_of_the_project(world):
    task = world.task()
    person = world.member("user", project_role="manager")
    assert world.caller(person).comment(task, world.no) == ALLOWED  # not assigned either


def test_global_manager_who_is_artist_of_the_project(world):
    task = world.task()
    person = world.member("manager", project_role="user")
    caller = world.caller(person)
    assert caller.comment(task, world.ok) == REFUSED  # not assigned
    kitsu_seed.assign_task(world.admin, task, person.id)
    assert caller.comment(task, world.no) == REFUSED  # an artist's status rule
    assert caller.comment(task, world.ok) == ALLOWED


def test_global_supervisor_who_is_client_of_the_project(world):
    task = world.task()
    caller = world.caller(world.member("supervisor", project_role="client"))
    assert caller.comment(task, world.no) == REFUSED  # is_client_allowed False
    assert caller.comment(task, world.ok) == ALLOWED


def test_global_artist_who_is_supervisor_of_the_project(world):
    task = world.task()
    caller = world.caller(
        world.member("user", project_role="supervisor", departments=["Animation"])
    )
    assert caller.comment(task, world.no) == ALLOWED  # the department rule, no status rule
    other = world.caller(world.member("user", project_role="supervisor", departments=["Lighting"]))
    assert other.comment(task, world.ok) == REFUSED


# --- bots ------------------------------------------------------------------------------


def test_a_bot_is_assigned_only_where_bot_collaboration_is_enabled(production, admin):
    project = gazu.project.get_project_by_name(production.project, client=admin)
    assert not project.get("is_bot_collaboration_enabled")
    task = production.tasks["shot:Animation"]
    made, _ = kitsu_seed.new_bot(admin, "user", project=project)
    try:
        assert kitsu_seed.assign_task(admin, task, made["id"]) == []  # 200, nothing
        assert gazu.task.get_task(task, client=admin)["assignees"] == []
        enable = {"is_bot_collaboration_enabled": True}
        gazu.client.put(f"data/projects/{project['id']}", enable, client=admin)
        assigned = kitsu_seed.assign_task(admin, task, made["id"])
        assert [t["id"] for t in assigned] == [task]
    finally:
        kitsu_seed.retire(admin, made["id"])


def test_bot_artist_assigned(world):
    task = world.task()
    _, token = world.bot("user", project=world.project, assign=[task])
    bot = Caller(world.url, token=token)
    assert bot.comment(task, world.ok) == ALLOWED
    assert bot.comment(task, world.no) == REFUSED


def test_bot_artist_not_assigned(world):
    task = world.task()
    _, token = world.bot("user", project=world.project)
    assert Caller(world.url, token=token).comment(task, world.ok) == REFUSED


def test_bot_manager(world):
    task = world.task()
    _, token = world.bot("manager", project=world.project)
    assert Caller(world.url, token=token).comment(task, world.no) == ALLOWED


def test_bot_manager_not_in_the_team(world):
    task = world.task()
    _, token = world.bot("manager")
    assert Caller(world.url, token=token).comment(task, world.ok) == REFUSED


# --- who am I, and logging out ---------------------------------------------------------


def test_current_user_of_a_bot_token(world):
    made, token = world.bot("supervisor", project=world.project, departments=["Animation"])
    outcome, user = Caller(world.url, token=token).attempt(gazu.client.get_current_user)
    assert outcome == READ
    animation = kitsu_seed.department(world.admin, "Animation")
    assert (user["id"], user["role"], user["is_bot"]) == (made["id"], "supervisor", True)
    assert user["departments"] == [animation["id"]]  # department ids
    assert user["email"] == made["email"]


def test_current_user_of_a_person_gives_the_global_role_only(world):
    person = world.member("user", project_role="manager", departments=["Animation"])
    user = gazu.client.get_current_user(client=world.caller(person).client)
    animation = kitsu_seed.department(world.admin, "Animation")
    assert (user["role"], user["is_bot"], user["departments"]) == (
        "user",
        False,
        [animation["id"]],
    )
    assert "project_role" not in user


def test_a_logged_in_token_is_refused_after_logout(world):
    person = world.member("user")
    token = kitsu_seed.person_token(world.url, person.email, person.password)
    caller = Caller(world.url, token=token)
    assert caller.attempt(gazu.client.get_current_user)[0] == READ
    assert caller.attempt(gazu.client.get, "auth/logout")[0] == READ
    assert caller.attempt(gazu.client.get_current_user)[0] == Outcome(
        "NotAuthenticatedException", 401
    )
    # the same token in another client (another process) is refused as well
    other = Caller(world.url, token=token)
    assert other.comment(world.production.tasks["shot:Animation"], world.ok) == Outcome(
        "NotAuthenticatedException", 401
    )


def test_a_bot_cannot_log_out_and_its_token_stays_valid(world):
    task = world.task()
    _, token = world.bot("user", project=world.project, assign=[task])
    caller = Caller(world.url, token=token)
    assert caller.attempt(gazu.client.get, "auth/logout")[0] == REFUSED
    assert caller.attempt(gazu.log_out)[0] == REFUSED  # gazu.log_out lets the 403 through
    assert caller.client.tokens.get("access_token") == token  # ... and keeps the token
    assert caller.attempt(gazu.client.get_current_user)[0] == READ
    assert caller.comment(task, world.ok) == ALLOWED
