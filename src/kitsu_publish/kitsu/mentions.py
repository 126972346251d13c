"""Who a note can mention: the departments, and the team of the task's project.

Zou turns ``@Name`` into a department mention for any department's name, and into a
mention of a person for the full name of a member of the project's team; any other
name is ignored silently. Read from the records the session already has (the context
read at login holds the departments, the people this person may see and the open
projects with their team); what is missing (an admin reads no context) is read once.
"""

from __future__ import annotations

from typing import Any

from ..model import TaskInfo
from .session import Session

__all__ = ["mentionable"]


def mentionable(session: Session, task: TaskInfo) -> dict[str, str]:
    """The names that mention someone in a note on ``task``, and what each one is."""
    session.statuses()  # the context, read once at login
    records = session.records
    with session.reading:
        if "department" not in records.complete:
            records.learn_all(
                "department", session.get("data/departments", "reading the departments")
            )
        project_id = str(task.data.get("project_id") or "")
        project = records["project"].get(project_id)
        if not isinstance(project, dict) or not isinstance(project.get("team"), list):
            project = dict(
                session.get(f"data/projects/{project_id}", "reading the project's team")
            )
            records["project"][project_id] = {**records["project"].get(project_id, {}), **project}
        team = [_id(member) for member in project.get("team") or ()]
        session.read("person", "data/persons", team, "reading the project's team")
    found: dict[str, str] = {}
    for department in records["department"].values():
        if isinstance(department.get("name"), str) and not department.get("archived"):
            found[department["name"]] = "department"
    for person_id in team:
        person = records["person"].get(person_id) or {}
        name = person.get("full_name")
        if isinstance(name, str) and name and person.get("active", True) is not False:
            found.setdefault(name, "team member")
    return found


def _id(member: Any) -> str:
    return str(member.get("id") if isinstance(member, dict) else member)
