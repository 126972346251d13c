"""The keys of what a note carries besides its text: ``checklist``, ``mentions`` and
``attach_report``, in the note table and in status profiles (read by
:mod:`kitsu_publish.extras`)."""

from __future__ import annotations

from .kinds import Boolean, Names

__all__ = ["ATTACH_REPORT", "CHECKLIST", "EXTRAS", "MENTIONS"]

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

ATTACH_REPORT = Boolean(
    "attach_report",
    "Attach a short report of the publish to the note (publish-report.txt: the task, "
    "each product with its type, version and files, the attached files), with the "
    "instances' kitsuAttachments, in one request after the note is posted.",
    default=False,
)

#: In the order the note table and a status profile list them.
EXTRAS = (CHECKLIST, MENTIONS, ATTACH_REPORT)
