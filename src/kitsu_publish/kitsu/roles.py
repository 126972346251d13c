"""Who the logged-in person is on each project, and the permission preflight.

Reads what :mod:`.permissions` (Zou's rules, pure) needs to decide: the person's role
on the task's project (from the context read at login, or the project's team on a Kitsu
whose context has no roles) and the names of the departments; then asks the rules
whether Kitsu would take this note from this person.
"""

from __future__ import annotations

import contextlib
from typing import Any

from ..errors import KitsuError, PermissionRefused
from ..model import Refusal, TaskInfo
from . import permissions
from .session import Session

__all__ = ["department_names", "preflight", "project_role", "settable_statuses"]


def project_role(session: Session, project_id: str) -> str:
    """The person's role on a project: the team's role for them, else their global one.

    Known from the context read with the statuses; read from the project's team only
    when this Kitsu's context has no roles.
    """
    role = str(session.person.get("role") or "user")
    if role == "admin" or not project_id:
        return role
    session.statuses()
    roles = session.records["role"]
    if "role" in session.records.complete:  # from the context: the roles set on a team
        return str(roles.get(project_id, role))
    if project_id not in roles:
        found = role
        with contextlib.suppress(PermissionRefused, KitsuError):
            team = session.get(f"data/projects/{project_id}/team", "reading the project team")
            for member in team or ():
                if member.get("id") == session.person.get("id") and member.get("project_role"):
                    found = str(member["project_role"])
        roles[project_id] = found
    return str(roles[project_id])


def preflight(session: Session, task: TaskInfo, status_short_name: str) -> Refusal | None:
    """Would Kitsu refuse this person a note on ``task`` with this status?"""
    status = session.status(status_short_name)
    data = task.data
    project_id = str(data.get("project_id") or (data.get("project") or {}).get("id") or "")
    role = project_role(session, project_id)
    kept = status_short_name.lower() == task.status.lower()
    refusal = permissions.check(session.person, role, data, status, task.label, kept)
    if refusal is not None and refusal.reason == "department":
        names = department_names(session)
        refusal = permissions.check(session.person, role, data, status, task.label, kept, names)
    return refusal


def settable_statuses(session: Session, project_id: str) -> list[dict[str, Any]]:
    """The statuses this person may put on a task of the project."""
    role = project_role(session, project_id)
    return [dict(s) for s in permissions.allowed_statuses(role, session.statuses())]


def department_names(session: Session) -> dict[str, str]:
    """The departments' names by id (read once), for messages."""
    import gazu

    records = session.records
    if "department" not in records.complete:
        with contextlib.suppress(KitsuError), session.calling("reading the departments"):
            records.learn("department", gazu.person.all_departments(client=session.client))
        records.complete.add("department")
    return {str(i): str(d.get("name")) for i, d in records["department"].items()}
