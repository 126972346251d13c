"""Would Kitsu let this person post this note? Zou's permission rules, read client-side.

Pure: decides from the person (id, role, departments), their role on the task's
project, the task as Kitsu returns it and the status the note carries. It mirrors what
Zou 1.0.97 checks when a comment is posted (``permissions_service``:
``check_task_action_access`` then ``check_task_status_access``):

- an admin may post anything;
- anyone else must be in the project's team (otherwise Kitsu does not even show the
  task: that is found when the task is read);
- a manager or a client of the project may post on any of its tasks; an artist
  (role ``user``) or a vendor only on tasks assigned to them; a supervisor on tasks
  assigned to them or of their departments (any task when they have no department);
  the creator of the task's entity may always post on its tasks;
- the status the note carries, changed or kept, must be allowed to the role: an artist
  needs ``is_artist_allowed``, a client ``is_client_allowed``.

The role that counts is the person's role on the project when the team sets one,
their global role otherwise (admin is global only).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..model import Refusal

__all__ = ["MANAGER_ROLES", "ROLE_NAMES", "Refusal", "allowed_statuses", "check"]

#: Kitsu's role codes and how the Kitsu web app names them.
ROLE_NAMES = {
    "admin": "Studio Manager",
    "manager": "Production Manager",
    "supervisor": "Supervisor",
    "user": "Artist",
    "client": "Client",
    "vendor": "Vendor",
}


#: The roles whose comments keep the author (``person_id``) they name: Zou's
#: ``has_manager_permissions``, on the project role when the team sets one.
MANAGER_ROLES = ("admin", "manager")


def _plural(role: str) -> str:
    return {"user": "artists", "vendor": "vendors", "client": "clients"}.get(role, role + "s")


def status_allowed(role: str, status: Mapping[str, Any]) -> bool:
    """May a person with this project role set (or keep) this status?"""
    if role == "user":
        return bool(status.get("is_artist_allowed", True))
    if role == "client":
        return bool(status.get("is_client_allowed", True))
    return True


def allowed_statuses(role: str, statuses: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The statuses a person with this project role may put on a task."""
    return [s for s in statuses if status_allowed(role, s)]


def check(
    person: Mapping[str, Any],
    role: str,
    task: Mapping[str, Any],
    status: Mapping[str, Any],
    task_label: str,
    status_kept: bool = False,
    department_names: Mapping[str, str] | None = None,
) -> Refusal | None:
    """None when Kitsu would accept the note, else the :class:`Refusal`.

    ``person`` is the logged-in person (``id``, ``role``, ``departments``), ``role`` their
    role on the task's project, ``task`` the task as Kitsu returns it (``assignees``,
    ``task_type.department_id``, ``entity.created_by``), ``status`` the status the
    note carries; ``status_kept`` says it is the task's current status.
    """
    who = str(person.get("full_name") or person.get("email") or "this account")
    if person.get("role") == "admin":
        return None
    me = person.get("id")
    names = department_names or {}
    if role not in ("manager", "client"):
        assignees = [
            a.get("id") if isinstance(a, Mapping) else a for a in task.get("assignees") or ()
        ]
        allowed = me in assignees
        task_type = task.get("task_type") or {}
        department = task_type.get("department_id") if isinstance(task_type, Mapping) else None
        mine = list(person.get("departments") or ())
        if not allowed and role == "supervisor":
            allowed = not mine or department in mine
        entity = task.get("entity") or {}
        if not allowed and isinstance(entity, Mapping):
            allowed = bool(me) and entity.get("created_by") == me
        if not allowed:
            if role == "supervisor":
                theirs = names.get(str(department), "another") if department else "no"
                yours = ", ".join(names.get(str(d), "?") for d in mine)
                return Refusal(
                    "department",
                    f"{who} supervises the {yours} department(s), but the Kitsu task "
                    f"{task_label} belongs to the {theirs} department and is not assigned "
                    f"to {who}: Kitsu would refuse the note. Ask your production manager "
                    "to assign you to the task, or to add you to its department.",
                )
            return Refusal(
                "not assigned",
                f"{who} is not assigned to the Kitsu task {task_label}, and Kitsu lets "
                f"{_plural(role)} post only on their own tasks: Kitsu would refuse the "
                "note. Ask your production manager to assign you to it, or publish to "
                "your own task.",
            )
    if not status_allowed(role, status):
        short = status.get("short_name") or "?"
        name = status.get("name") or short
        kept = "the task's current status" if status_kept else "the status"
        return Refusal(
            "status",
            f"{kept} '{short}' ({name}) is not available to {_plural(role)} in Kitsu, so "
            f"Kitsu would refuse the note on {task_label}. Ask your TD to change "
            "note_status_shortname (or the status conditions) in the settings, or your "
            f"production manager to allow '{name}' for {_plural(role)} in Kitsu.",
        )
    return None
