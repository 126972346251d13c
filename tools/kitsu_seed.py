"""Seed a throwaway Kitsu (Zou) with a small production, and read it back.

Used by the integration tests and the demo. It talks to the server as the admin with
its own gazu client; it is test tooling, not part of the library (the library's only
door to gazu is ``kitsu_publish.kitsu``).
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gazu

ZOU_ENV_FILE = Path(os.environ.get("ZOU_ROOT", "/tmp/kitsu-zou")) / "zou.env"


@dataclass
class Zou:
    """Where the throwaway server is and how to log in as its admin."""

    url: str
    email: str
    password: str

    @classmethod
    def from_env(cls) -> Zou:
        """From ZOU_URL/ZOU_ADMIN_EMAIL/ZOU_ADMIN_PASSWORD, or the file start-zou.sh writes."""
        values = dict(os.environ)
        if "ZOU_URL" not in values and ZOU_ENV_FILE.is_file():
            for line in ZOU_ENV_FILE.read_text().splitlines():
                key, _, value = line.removeprefix("export ").partition("=")
                values.setdefault(key.strip(), value.strip())
        return cls(values["ZOU_URL"], values["ZOU_ADMIN_EMAIL"], values["ZOU_ADMIN_PASSWORD"])

    def client(self) -> Any:
        client = gazu.client.create_client(self.url)
        gazu.log_in(self.email, self.password, client=client)
        return client


@dataclass
class Production:
    """Ids of one seeded project: an asset, a sequence shot and an episode shot."""

    project: str
    asset: str  # asset name
    shot_path: str  # SEQ/SHOT
    episode_shot_path: str  # EP/SEQ/SHOT
    tasks: dict[str, str]  # "asset:Modeling", "shot:Animation", "shot:Lighting", "ep:Animation"


def seed(client: Any, name: str = "") -> Production:
    """Create a project (tv show) with one asset, one shot, one episode shot, and tasks."""
    name = name or f"Test {uuid.uuid4().hex[:8]}"
    project = gazu.project.new_project(name, production_type="tvshow", client=client)
    asset_type = gazu.asset.get_asset_type_by_name("Character", client=client)
    if asset_type is None:
        asset_type = gazu.asset.new_asset_type("Character", client=client)
    types = {t["name"]: t for t in gazu.task.all_task_types(client=client)}

    episode = gazu.shot.new_episode(project, "EP01", client=client)
    sequence = gazu.shot.new_sequence(project, "SQ010", episode=episode, client=client)
    shot = gazu.shot.new_shot(project, sequence, "SH010", client=client)
    asset = gazu.asset.new_asset(project, asset_type, "Fox", client=client)
    other_sequence = gazu.shot.new_sequence(project, "SQ020", client=client)
    other_shot = gazu.shot.new_shot(project, other_sequence, "SH020", client=client)

    todo = gazu.task.get_default_task_status(client=client)  # gazu < 0.10.16 forgets client=

    def task(entity: dict[str, Any], type_name: str) -> str:
        created = gazu.task.new_task(entity, types[type_name], task_status=todo, client=client)
        return created["id"]  # type: ignore[no-any-return]

    return Production(
        project=name,
        asset="Fox",
        shot_path="SQ020/SH020",
        episode_shot_path="EP01/SQ010/SH010",
        tasks={
            "asset:Modeling": task(asset, "Modeling"),
            "shot:Animation": task(other_shot, "Animation"),
            "shot:Lighting": task(other_shot, "Lighting"),
            "ep:Animation": task(shot, "Animation"),
        },
    )


def status(client: Any, task_id: str) -> str:
    """The task's current status short name, read from the server."""
    return gazu.task.get_task(task_id, client=client)["task_status"]["short_name"]  # type: ignore[no-any-return]


def comments(client: Any, task_id: str) -> list[dict[str, Any]]:
    """The task's comments, oldest first."""
    found = gazu.task.all_comments_for_task(task_id, client=client)
    return sorted(found, key=lambda c: c["created_at"])


def set_status(client: Any, task_id: str, short_name: str) -> None:
    """Put a task in a status (by posting an empty comment, as Kitsu does)."""
    task_status = gazu.task.get_task_status_by_short_name(short_name, client=client)
    gazu.task.add_comment(task_id, task_status, "", client=client)


# --- people, bots, departments and statuses for the permission tests -----------------
#
# Written to work with the oldest gazu the library supports too: gazu 0.10.0 has no
# new_bot, new_department, add_person_to_department, update_task_type or
# update_task_status, its add_person_to_team takes no role, its new_person posts to
# data/persons/new and its assign_task sends a bare id, both refused by Zou 1.x. The gazu
# function is used where this gazu has a working one, the route it wraps otherwise.

ROLES = ("user", "supervisor", "manager", "admin", "client", "vendor")  # "user" is Artist


@dataclass
class Person:
    """A real Kitsu account made for a test, and the password to log in with."""

    id: str
    email: str
    password: str
    role: str  # global role: user (Artist), supervisor, manager, admin, client, vendor
    full_name: str


def _has(module: Any, name: str) -> bool:
    return callable(getattr(module, name, None))


def department(client: Any, name: str) -> dict[str, Any]:
    """The department of that name, created when missing (e.g. "Animation", "Lighting")."""
    found = gazu.client.fetch_first("departments", {"name": name}, client=client)
    if found:
        return found  # type: ignore[no-any-return]
    if _has(gazu.person, "new_department"):
        return gazu.person.new_department(name, client=client)  # type: ignore[no-any-return]
    return gazu.client.post("data/departments", {"name": name, "color": ""}, client=client)  # type: ignore[no-any-return]


def _project(client: Any, project: str | dict[str, Any]) -> dict[str, Any]:
    """A project dict from a dict, an id or a name."""
    if isinstance(project, dict):
        return project
    found = gazu.project.get_project_by_name(project, client=client)
    return found or gazu.project.get_project(project, client=client)  # type: ignore[no-any-return]


def add_to_team(
    client: Any, project: str | dict[str, Any], person_id: str, role: str | None = None
) -> None:
    """Put a person in a project's team, with a role on that project only when given."""
    project_id = _project(client, project)["id"]
    if role is None:
        gazu.project.add_person_to_team(project_id, person_id, client=client)
    else:  # gazu.project.add_person_to_team(..., role=) is gazu 1.x; same route
        data = {"person_id": person_id, "role": role}
        gazu.client.post(f"data/projects/{project_id}/team", data, client=client)


def set_project_role(
    client: Any, project: str | dict[str, Any], person_id: str, role: str | None
) -> None:
    """Change the role a team member has on that project (None: back to the global role)."""
    project_id = _project(client, project)["id"]
    path = f"data/projects/{project_id}/team/{person_id}"
    gazu.client.put(path, {"role": role}, client=client)


def _equip(
    client: Any,
    person_id: str,
    *,
    project: str | dict[str, Any] | None,
    project_role: str | None,
    departments: tuple[str, ...] | list[str],
    assign: tuple[str, ...] | list[str],
) -> None:
    if project is not None:
        add_to_team(client, project, person_id, project_role)
    for name in departments:
        department_id = department(client, name)["id"]
        if _has(gazu.person, "add_person_to_department"):
            gazu.person.add_person_to_department(person_id, department_id, client=client)
        else:
            path = f"actions/persons/{person_id}/departments/add"
            gazu.client.post(path, {"department_id": department_id}, client=client)
    for task_id in assign:
        # Zou answers 200 even when it assigns nothing (a bot on a project without bot
        # collaboration, a task out of reach): check the answer
        if task_id not in {task["id"] for task in assign_task(client, task_id, person_id)}:
            raise RuntimeError(f"Kitsu did not assign task {task_id} to {person_id}")


def assign_task(client: Any, task_id: str, person_id: str) -> list[dict[str, Any]]:
    """Assign a task to a person; returns the tasks Zou did assign ([] when it did not).

    The route of gazu.task.assign_task, which gazu 0.10.0 calls with a bare id where
    Zou 1.x wants a list. Zou also puts the assignee in the project's team.
    """
    path = f"actions/persons/{person_id}/assign"
    return gazu.client.put(path, {"task_ids": [task_id]}, client=client)  # type: ignore[no-any-return]


def new_person(
    client: Any,
    role: str,
    *,
    project: str | dict[str, Any] | None = None,
    project_role: str | None = None,
    departments: tuple[str, ...] | list[str] = (),
    assign: tuple[str, ...] | list[str] = (),
    password: str | None = None,
) -> Person:
    """Create a person who can log in, with a unique @example.com address.

    ``role`` is the global role (ROLES; "user" is what Kitsu shows as Artist). With
    ``project`` (a dict, an id or a name) the person joins its team, with
    ``project_role`` as their role on that project only when given; ``departments``
    are department names (created when missing); ``assign`` are task ids.

    Zou counts active people against USER_LIMIT (100 by default): call ``retire`` on
    the people a test made when it is done with them.
    """
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}: one of {', '.join(ROLES)}")
    tag = uuid.uuid4().hex[:10]
    password = password or f"pw-{uuid.uuid4().hex}"
    first_name, last_name = role.capitalize(), tag
    email = f"{role}-{tag}@example.com"
    try:
        created = gazu.person.new_person(
            first_name, last_name, email, role=role, password=password, client=client
        )
    except gazu.exception.MethodNotAllowedException:  # gazu 0.10.0: data/persons/new
        data = {"first_name": first_name, "last_name": last_name, "email": email}
        data.update(role=role, password=password, active=True)
        created = gazu.client.post("data/persons", data, client=client)
    _equip(
        client,
        created["id"],
        project=project,
        project_role=project_role,
        departments=departments,
        assign=assign,
    )
    return Person(created["id"], email, password, role, f"{first_name} {last_name}")


def new_bot(
    client: Any,
    role: str,
    *,
    project: str | dict[str, Any] | None = None,
    departments: tuple[str, ...] | list[str] = (),
    assign: tuple[str, ...] | list[str] = (),
    expiration_date: str | None = None,
) -> tuple[dict[str, Any], str]:
    """Create a bot and return (its person dict, its access token).

    The token comes in the creation answer: Zou (1.0.97 here) answers POST data/persons
    with ``is_bot: true`` with the person plus ``"access_token"``, a JWT with
    ``identity_type: "bot"`` and no expiry unless the bot has an expiration_date. That is
    the only time the token is given: Zou keeps only its id (``jti``) on the person and
    makes a new token, which revokes the previous one, when the bot is updated with an
    ``expiration_date`` in the payload. Use it with ``gazu.set_token(token, client=...)``;
    a bot cannot log in with a password (it has none), gets no refresh token, and may
    not call auth/logout (403: the token stays valid). gazu.person.new_bot (not in gazu
    0.10.0) posts exactly that payload.

    Zou assigns a bot to a task only on a project with ``is_bot_collaboration_enabled``
    (otherwise the assign route answers 200 and assigns nothing): with ``assign``, this
    turns that flag on for the projects of those tasks.

    ``expiration_date`` ("YYYY-MM-DD", not in the past) is kept on the bot's person
    record; the token then expires at the end of that day (UTC).
    """
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}: one of {', '.join(ROLES)}")
    tag = uuid.uuid4().hex[:10]
    name, email = f"Bot {role} {tag}", f"bot-{role}-{tag}@example.com"
    if _has(gazu.person, "new_bot"):
        created = gazu.person.new_bot(
            name, email, role=role, expiration_date=expiration_date, client=client
        )
    else:
        data = {"first_name": name, "last_name": "", "email": email, "role": role}
        if expiration_date is not None:
            data["expiration_date"] = expiration_date
        created = gazu.client.post("data/persons", {**data, "is_bot": True}, client=client)
    token = created.pop("access_token")
    projects = {gazu.task.get_task(task_id, client=client)["project_id"] for task_id in assign}
    for project_id in sorted(projects):
        enable = {"is_bot_collaboration_enabled": True}
        gazu.client.put(f"data/projects/{project_id}", enable, client=client)
    _equip(
        client,
        created["id"],
        project=project,
        project_role=None,
        departments=departments,
        assign=assign,
    )
    return created, token


def retire(client: Any, person_id: str) -> None:
    """Deactivate a person made for a test, so that it stops counting toward USER_LIMIT."""
    gazu.client.put(f"data/persons/{person_id}", {"active": False}, client=client)


def person_token(url: str, email: str, password: str) -> str:
    """Log in with a fresh gazu client and return its access token, still valid.

    No log out: this is what a farm wrapper does before handing KITSU_TOKEN to a job.
    """
    client = gazu.client.create_client(url)
    gazu.log_in(email, password, client=client)
    return client.tokens["access_token"]  # type: ignore[no-any-return]


def set_department(
    client: Any, task_type_name: str, department_name: str, *, for_entity: str | None = None
) -> dict[str, Any]:
    """Make the task type(s) of that name belong to a department (created when missing).

    Zou's supervisor rule reads the task type's ``department_id``. Several task types can
    share a name (Zou's own "Concept" is one for Asset and one for Concept): all of them
    are changed unless ``for_entity`` ("Shot", "Asset", ...) picks one. Task types are
    shared by every project of the server (Zou's initial data already puts Animation in
    the Animation department, Lighting in Compositing): a test that must not affect
    others gives it a task type of its own. Returns the (first) updated task type.
    """
    department_id = department(client, department_name)["id"]
    found = [
        t
        for t in gazu.task.all_task_types(client=client)
        if t["name"] == task_type_name and for_entity in (None, t["for_entity"])
    ]
    if not found:
        raise LookupError(f"no task type named {task_type_name!r}")
    updated = []
    for task_type in found:
        data = {"id": task_type["id"], "department_id": department_id}
        if _has(gazu.task, "update_task_type"):
            updated.append(gazu.task.update_task_type(data, client=client))
        else:
            path = f"data/task-types/{task_type['id']}"
            updated.append(gazu.client.put(path, data, client=client))
    return updated[0]  # type: ignore[no-any-return]


def new_status(
    client: Any,
    name: str,
    short_name: str,
    *,
    is_artist_allowed: bool = True,
    is_client_allowed: bool = True,
    project: str | dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Create a task status of one's own, for tests that must leave the built-in ones be.

    Names and short names are unique on the server: give unique ones. With ``project``
    the status is also added to the project's statuses.
    """
    created = gazu.task.new_task_status(name, short_name, "#3273dc", client=client)
    flags = {"is_artist_allowed": is_artist_allowed, "is_client_allowed": is_client_allowed}
    if _has(gazu.task, "update_task_status"):
        created = gazu.task.update_task_status({"id": created["id"], **flags}, client=client)
    else:
        path = f"data/task-status/{created['id']}"
        created = gazu.client.put(path, flags, client=client)
    if project is not None:
        gazu.project.add_task_status(_project(client, project), created, client=client)
    return created  # type: ignore[no-any-return]


# --- shot frame data and the project's format, for the shot checks --------------------


def set_shot_data(
    client: Any, task_id: str, *, nb_frames: int | None = None, **data: Any
) -> dict[str, Any]:
    """Give the shot of a task its frame data, as production does in Kitsu: ``nb_frames``
    and ``data`` keys (``frame_in``, ``frame_out``, ``fps``, ``resolution``), merged into
    the shot's data. A seeded shot has none. The route of gazu.shot.update_shot."""
    entity_id = gazu.task.get_task(task_id, client=client)["entity_id"]
    shot = gazu.client.fetch_one("entities", entity_id, client=client)
    update: dict[str, Any] = {"data": {**(shot.get("data") or {}), **data}}
    if nb_frames is not None:
        update["nb_frames"] = nb_frames
    return gazu.client.put(f"data/entities/{entity_id}", update, client=client)  # type: ignore[no-any-return]


def set_project_format(
    client: Any, project: str | dict[str, Any], **fields: Any
) -> dict[str, Any]:
    """Change a project's ``fps``, ``resolution`` or ``ratio`` (a new project has Zou's
    defaults: "25", "1920x1080", "16:9"). The route of gazu.project.update_project."""
    project_id = _project(client, project)["id"]
    return gazu.client.put(f"data/projects/{project_id}", fields, client=client)  # type: ignore[no-any-return]


# --- the project's preview settings and a preview's state, for the review tests --------


def set_preview_settings(
    client: Any,
    project: str | dict[str, Any],
    *,
    single_preview_per_revision: bool | None = None,
    set_preview_automated: bool | None = None,
) -> dict[str, Any]:
    """Switch a project's preview settings as production does in Kitsu's production
    settings (both off on a new project): ``is_single_preview_per_revision`` and
    ``is_set_preview_automated``. The route of gazu.project.update_project."""
    fields: dict[str, bool] = {}
    if single_preview_per_revision is not None:
        fields["is_single_preview_per_revision"] = single_preview_per_revision
    if set_preview_automated is not None:
        fields["is_set_preview_automated"] = set_preview_automated
    project_id = _project(client, project)["id"]
    return gazu.client.put(f"data/projects/{project_id}", fields, client=client)  # type: ignore[no-any-return]


def set_preview_status(client: Any, preview_id: str, status: str) -> dict[str, Any]:
    """Set a preview file's status as the server itself does (``processing``, ``ready``,
    ``broken``; ``missing`` is what its storage maintenance sets when the file is gone)."""
    path = f"data/preview-files/{preview_id}"
    return gazu.client.put(path, {"status": status}, client=client)  # type: ignore[no-any-return]


def delete_preview(client: Any, preview_id: str) -> None:
    """Delete a preview file's row as Kitsu does when it fails to process a movie
    (``remove_preview_file_by_id(force=True)``: the comment loses it too)."""
    gazu.client.delete(f"data/preview-files/{preview_id}?force=true", client=client)
