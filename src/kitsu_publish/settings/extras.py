"""The keys of what a note carries besides its text: ``checklist`` and ``mentions``, in
the note table and in status profiles (read by :mod:`kitsu_publish.extras`)."""

from __future__ import annotations

from .kinds import Names

__all__ = ["CHECKLIST", "MENTIONS"]

CHECKLIST = Names(
    "checklist",
    "A checklist posted with the note, each item unchecked: ['Frame range checked', "
    "'Audio synced']. Instances add their own items in instance.data['kitsuChecklist']. "
    "Each item is checked like the comment's text. Empty: no checklist.",
    default=(),
)

MENTIONS = Names(
    "mentions",
    "Departments or team members to notify: ['Lighting', 'Jane Doe']. The note ends with "
    "'@Lighting @Jane Doe'; Kitsu notifies the department's people or the person. A name "
    "must be a department or a team member of the task's project, spelled as in Kitsu, "
    "else validation fails (Kitsu would ignore it silently). Empty: nobody.",
    default=(),
)
