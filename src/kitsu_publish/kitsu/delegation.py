"""Posting in someone's name: a farm job, logged in with the farm's own credential (a
bot's token), posts the notes of the artist who submitted it.

What Zou does (recorded against the server in
``tests/integration/test_comment_author_ground_truth.py``): the comment route keeps the
``person_id`` it is given only when the caller's role on the task's project (its
global role when the team sets none) is Production Manager or Studio Manager; anyone
else becomes the author themselves. Zou checks nothing about the person named, so the
farm must not set a status the artist could not have set: the artist's own rights are
checked here, with the same rules as the poster's (:mod:`.permissions`).

The artist is read once (``data/persons/<id>``, which shows their role and departments
to any account); their role on a project and their membership come from the project's
team, read once per project.
"""

from __future__ import annotations

import contextlib
from typing import Any

from ..errors import ConnectionFailed, KitsuError, PermissionRefused, ServerFailed, TargetError
from ..model import Delegation, Refusal, TaskInfo
from . import permissions
from .roles import department_names, project_role
from .session import Session

__all__ = ["act_for", "delegation", "preflight"]


def act_for(session: Session, person_id: str) -> dict[str, Any]:
    """Read the person the notes are posted for; an error when Kitsu has no such
    active person."""
    what = f"reading the person {person_id}, for whom the notes are posted"
    try:
        person = dict(session.get(f"data/persons/{person_id}", what))
    except (PermissionRefused, ConnectionFailed, ServerFailed):
        raise
    except KitsuError as exc:
        raise TargetError(
            f"the farm job posts for the Kitsu person {person_id}, whom Kitsu does not "
            f"know ({exc}); check KITSU_PUBLISH_ON_BEHALF_OF in the job's environment"
        ) from None
    if person.get("active") is False:
        raise TargetError(
            f"the farm job posts for {_name(person)}, whose Kitsu account is deactivated: "
            "ask your production manager"
        )
    session.delegate = person
    return person


def _name(person: dict[str, Any]) -> str:
    return str(person.get("full_name") or person.get("email") or person.get("id") or "?")


def delegation(session: Session, task: TaskInfo) -> Delegation | None:
    """For whom this session posts on ``task``, and whether Kitsu will show them as the
    author (None: the session posts for itself)."""
    person = session.delegate
    if not person:
        return None
    role = project_role(session, _project_id(task))
    return Delegation(str(person["id"]), _name(person), role in permissions.MANAGER_ROLES)


def _project_id(task: TaskInfo) -> str:
    data = task.data
    return str(data.get("project_id") or (data.get("project") or {}).get("id") or "")


def preflight(session: Session, task: TaskInfo, status_short_name: str) -> Refusal | None:
    """Would Kitsu refuse the person the notes are posted for this note, had they posted
    it themselves? (Zou does not check it for a note posted in their name.)"""
    person = session.delegate
    if not person:
        return None
    project = _project_id(task)
    team = _team(session, project)
    who = _name(person)
    if team is None:
        return Refusal(
            "team",
            f"the farm account {session.user} may not read the team of the project of "
            f"{task.label}, so it cannot check that {who} could have posted this note. "
            "Ask your production manager to add the farm's bot to the project's team.",
        )
    member = team.get(str(person.get("id")))
    if member is None and person.get("role") != "admin":
        return Refusal(
            "team",
            f"the farm posts for {who}, who is not in the team of the project of "
            f"{task.label}: {who} could not have posted this note. Ask your production "
            "manager to add them to the team, or publish as someone who is in it.",
        )
    role = str((member or {}).get("project_role") or person.get("role") or "user")
    status = session.status(status_short_name)
    kept = status_short_name.lower() == task.status.lower()
    refusal = permissions.check(person, role, task.data, status, task.label, kept)
    if refusal is not None and refusal.reason == "department":
        names = department_names(session)
        refusal = permissions.check(person, role, task.data, status, task.label, kept, names)
    if refusal is None:
        return None
    return Refusal(refusal.reason, f"On the farm, in the name of {who}: {refusal.message}")


def _team(session: Session, project_id: str) -> dict[str, dict[str, Any]] | None:
    """The members of a project's team by id, read once per project (None: this
    account may not read it)."""
    teams = session.teams
    if project_id not in teams:
        found: dict[str, dict[str, Any]] | None = None
        with contextlib.suppress(PermissionRefused):
            answer = session.get(f"data/projects/{project_id}/team", "reading the project team")
            found = {str(m.get("id")): dict(m) for m in answer or () if isinstance(m, dict)}
        teams[project_id] = found
    return teams[project_id]
