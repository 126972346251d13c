"""Ground truth: what Zou's bulk comment route does, and why the library does not use it.

The route is POST ``actions/projects/<project_id>/tasks/comment-many`` with a JSON
array body (Zou's CommentManyTasksResource). kitsu-publish posts one comment per task
with ``actions/tasks/<task_id>/comment`` instead, because it must report an exact
outcome for every task, and this route cannot give one:

- an item is read with ``object_id`` as the task; an item without ``object_id``,
  ``task_status_id`` or ``comment`` (e.g. one keyed ``task_id``, as gazu's docstring
  says) is skipped with no error, and the answer is still 201;
- gazu's own ``gazu.task.create_multiple_comments`` sends a multipart form, which the
  route refuses (it reads a JSON array only);
- for anyone but a manager of the project (an admin, a manager in the team), the items
  of tasks the caller may not act on are dropped with no error;
- a status the caller may not set fails the whole request with 403, yet the items
  before it in the array are already stored: a partial write the answer does not show.

No kitsu-publish code here: every request is posted directly with gazu, on a gazu
client of the caller's own, and every fact is checked against the comments read back
from the server as the admin. The people made here are deactivated at the end.
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
class Answer:
    """What the server answered: its HTTP status, and the body or the gazu exception."""

    http: int | None
    body: Any = None
    error: str | None = None  # the gazu exception class, when gazu raised one
    message: str = field(default="", compare=False)  # the exception's message, if any


class Caller:
    """One account's own gazu client, noting the HTTP status of each answer."""

    def __init__(self, url: str, email: str, password: str) -> None:
        self.client = gazu.client.create_client(url)
        self.codes: list[int] = []
        self.client.session.hooks["response"].append(self._note)
        gazu.log_in(email, password, client=self.client)

    def _note(self, response: Any, *args: Any, **kwargs: Any) -> None:
        self.codes.append(response.status_code)

    def attempt(self, call: Callable[..., Any], *args: Any) -> Answer:
        """Call a gazu function as this caller."""
        self.codes.clear()
        try:
            body = call(*args, client=self.client)
        except Exception as error:
            http = self.codes[-1] if self.codes else None
            message = str(error.args[-1]) if error.args else ""
            return Answer(http, error=type(error).__name__, message=message)
        return Answer(self.codes[-1], body)

    def comment_many(self, project_id: str, items: list[dict[str, Any]]) -> Answer:
        """POST the items, as a JSON array, to the bulk comment route."""
        path = f"actions/projects/{project_id}/tasks/comment-many"
        return self.attempt(gazu.client.post, path, items)


@dataclass
class World:
    """One project for the whole module, with statuses an artist may and may not set."""

    admin: Any
    zou: kitsu_seed.Zou
    project: dict[str, Any]
    shot: dict[str, Any]
    task_type: dict[str, Any]
    todo: dict[str, Any]
    ok: dict[str, Any]  # is_artist_allowed
    no: dict[str, Any]  # not is_artist_allowed
    people: list[str] = field(default_factory=list)

    def task(self) -> str:
        """A new task of the shot, in Todo, with no comment."""
        created = gazu.task.new_task(
            self.shot,
            self.task_type,
            name=f"many-{uuid.uuid4().hex[:8]}",
            task_status=self.todo,
            client=self.admin,
        )
        return created["id"]  # type: ignore[no-any-return]

    def artist(self, assign: list[str]) -> kitsu_seed.Person:
        """An artist ("user") in the project's team, assigned to those tasks."""
        made = kitsu_seed.new_person(self.admin, "user", project=self.project, assign=assign)
        self.people.append(made.id)
        return made

    def caller(self, person: kitsu_seed.Person | None = None) -> Caller:
        """The person's own client; the admin's own one without a person."""
        if person is None:
            return Caller(self.zou.url, self.zou.email, self.zou.password)
        return Caller(self.zou.url, person.email, person.password)

    def status(self, task_id: str) -> str:
        return kitsu_seed.status(self.admin, task_id)

    def texts(self, task_id: str) -> list[str]:
        """The texts of the task's comments, oldest first, read back as the admin."""
        return [c["text"] for c in kitsu_seed.comments(self.admin, task_id)]


def new_status(admin: Any, project: dict[str, Any], is_artist_allowed: bool) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:8]
    return kitsu_seed.new_status(
        admin, f"Many {tag}", f"mn{tag}", is_artist_allowed=is_artist_allowed, project=project
    )


@pytest.fixture(scope="module")
def world(admin: Any, zou: kitsu_seed.Zou) -> Iterator[World]:
    production = kitsu_seed.seed(admin)
    project = gazu.project.get_project_by_name(production.project, client=admin)
    shot_id = gazu.task.get_task(production.tasks["shot:Animation"], client=admin)["entity_id"]
    task_type = gazu.task.new_task_type(
        f"Many {uuid.uuid4().hex[:8]}", for_entity="Shot", client=admin
    )
    made = World(
        admin=admin,
        zou=zou,
        project=project,
        shot=gazu.entity.get_entity(shot_id, client=admin),
        task_type=task_type,
        todo=gazu.task.get_default_task_status(client=admin),
        ok=new_status(admin, project, is_artist_allowed=True),
        no=new_status(admin, project, is_artist_allowed=False),
    )
    assert (made.ok["is_artist_allowed"], made.no["is_artist_allowed"]) == (True, False)
    yield made
    for person_id in made.people:
        kitsu_seed.retire(admin, person_id)


def item(task_id: str, status: dict[str, Any], text: str, key: str = "object_id") -> dict:
    return {key: task_id, "task_status_id": status["id"], "comment": text}


def test_admin_with_object_id_items_gets_201_and_every_comment_is_created(world):
    """As the admin, object_id items for two tasks answer 201 and create both comments and
    statuses.
    """
    task_a, task_b = world.task(), world.task()
    items = [item(task_a, world.ok, "bulk A"), item(task_b, world.ok, "bulk B")]
    answer = world.caller().comment_many(world.project["id"], items)
    assert (answer.http, answer.error) == (201, None)
    assert [c["object_id"] for c in answer.body] == [task_a, task_b]
    assert (world.texts(task_a), world.texts(task_b)) == (["bulk A"], ["bulk B"])
    assert world.status(task_a) == world.status(task_b) == world.ok["short_name"]
    created = {c["id"] for t in (task_a, task_b) for c in kitsu_seed.comments(world.admin, t)}
    assert {c["id"] for c in answer.body} == created


def test_items_keyed_task_id_are_skipped_silently_with_201(world):
    """Items naming the task with task_id instead of object_id answer 201 with [] and create
    nothing.
    """
    task_a, task_b = world.task(), world.task()
    items = [
        item(task_a, world.ok, "keyed A", key="task_id"),
        item(task_b, world.ok, "keyed B", key="task_id"),
    ]
    answer = world.caller().comment_many(world.project["id"], items)
    assert answer == Answer(201, [])
    assert (world.texts(task_a), world.texts(task_b)) == ([], [])
    assert world.status(task_a) == world.status(task_b) == world.todo["short_name"]


def test_gazu_create_multiple_comments_is_refused_with_400(world):
    """gazu.task.create_multiple_comments posts a multipart form, which the route refuses with 400,
    creating nothing.
    """
    if not callable(getattr(gazu.task, "create_multiple_comments", None)):
        pytest.skip(f"gazu {gazu.__version__} has no gazu.task.create_multiple_comments")
    task_a = world.task()
    # both keys, so that the refusal cannot come from the key of the task
    comments = [{**item(task_a, world.ok, "gazu A"), "task_id": task_a}]
    answer = world.caller().attempt(gazu.task.create_multiple_comments, world.project, comments)
    assert answer == Answer(400, error="ParameterException")
    assert answer.message == "Request body must be a JSON array."
    assert world.texts(task_a) == []
    assert world.status(task_a) == world.todo["short_name"]


def test_artist_items_for_an_unassigned_task_are_dropped_silently(world):
    """An artist assigned to task A only gets 201 for items of A and B: A's comment is created, B's
    silently dropped.
    """
    task_a, task_b = world.task(), world.task()
    artist = world.artist(assign=[task_a])
    items = [item(task_a, world.ok, "artist A"), item(task_b, world.ok, "artist B")]
    answer = world.caller(artist).comment_many(world.project["id"], items)
    assert (answer.http, answer.error) == (201, None)
    assert [c["object_id"] for c in answer.body] == [task_a]
    assert (world.texts(task_a), world.texts(task_b)) == (["artist A"], [])
    assert world.status(task_a) == world.ok["short_name"]
    assert world.status(task_b) == world.todo["short_name"]


def test_artist_forbidden_status_fails_the_request_with_403_after_storing_earlier_items(world):
    """A status the artist may not set fails the whole request with 403, but the items before it
    are already stored.
    """
    task_a, task_b = world.task(), world.task()
    person = world.artist(assign=[task_a, task_b])
    artist = world.caller(person)
    items = [item(task_a, world.ok, "allowed first"), item(task_b, world.no, "forbidden second")]
    answer = artist.comment_many(world.project["id"], items)
    assert answer == Answer(403, error="NotAllowedException")
    assert (world.texts(task_a), world.texts(task_b)) == (["allowed first"], [])  # partial
    assert world.status(task_a) == world.ok["short_name"]
    assert world.status(task_b) == world.todo["short_name"]

    # the other way round: the forbidden item first, nothing stored
    task_c, task_d = world.task(), world.task()
    for task_id in (task_c, task_d):
        kitsu_seed.assign_task(world.admin, task_id, person.id)
    items = [item(task_c, world.no, "forbidden first"), item(task_d, world.ok, "allowed second")]
    answer = artist.comment_many(world.project["id"], items)
    assert answer == Answer(403, error="NotAllowedException")
    assert (world.texts(task_c), world.texts(task_d)) == ([], [])
    assert world.status(task_c) == world.status(task_d) == world.todo["short_name"]
