"""The domain types every layer shares: where a note goes, the task, its members, what
became of it.

Plain frozen data with no behaviour beyond naming itself: the planning modules, the
Kitsu package, ``flow`` and the CLI all import these from here, so that the I/O layer
depends on no planning module. Pure: imports neither pyblish nor gazu.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Delegation", "Member", "NoteRecord", "Posted", "Refusal", "Target", "TaskInfo"]


@dataclass(frozen=True)
class Target:
    """Where an instance asks its note to go, before any lookup in Kitsu."""

    level: str  # "instance", "context" or "environment"
    task_id: str | None = None
    project: str | None = None
    entity: str | None = None
    task_type: str | None = None

    def describe(self) -> str:
        if self.task_id:
            return f"task id {self.task_id} (from {self.level})"
        return (
            f"project '{self.project}', entity '{self.entity}', task type "
            f"'{self.task_type}' (from {self.level})"
        )


@dataclass(frozen=True)
class TaskInfo:
    """A resolved Kitsu task, as the templates and decisions need it."""

    id: str
    project: str
    entity: str
    task_type: str
    status: str  # current status short name
    data: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def label(self) -> str:
        """How messages name the task: ``project / entity / task type``."""
        return f"{self.project} / {self.entity} / {self.task_type}"

    def summary(self) -> dict[str, str]:
        """The task in a few plain fields, for logs and ``kitsuNotes``."""
        return {
            "id": self.id,
            "project": self.project,
            "entity": self.entity,
            "task_type": self.task_type,
            "status": self.status,
        }


@dataclass(frozen=True)
class Member:
    """One active instance's part in a note."""

    name: str
    product_type: str
    version: int | None
    comment: str
    data: Mapping[str, Any]
    farm: bool = False  # sent to the farm by this publish (its note is the submission's)


@dataclass(frozen=True)
class Refusal:
    """Why Kitsu would refuse the note, in words for the artist, and who can fix it."""

    reason: str  # "not assigned", "department", "status"
    message: str


@dataclass(frozen=True)
class Delegation:
    """For whom a farm job posts on a task, and whether Kitsu shows them as the author
    (else the note is the farm account's, and its text names them)."""

    person_id: str
    name: str
    as_author: bool


@dataclass(frozen=True)
class Posted:
    """What became of one note: the comment Kitsu stored, and how we know."""

    comment: Mapping[str, Any]
    attempts: int  # POSTs sent
    reconciled: bool  # the answer was lost and the comment was found by reading the task
    attached: tuple[Mapping[str, Any], ...] = ()  # the files put on it after it was posted
    attach_failed: Exception | None = None  # why its files were not attached


@dataclass
class NoteRecord:
    """One ``kitsuNotes`` entry: what this publish did (or would do) about one task.

    Kept as an object through the publish; :meth:`as_data` is the plain dict of the data
    contract. Entries of notes never tried carry only ``task``, ``instances``,
    ``outcome`` and ``posted``.
    """

    task: TaskInfo
    instances: tuple[str, ...]
    outcome: str  # "posted", "dry run", "not posted" or "unknown"
    status_before: str | None = None
    status_after: str | None = None
    reason: str | None = None
    text: str | None = None
    comment_id: str | None = None
    attempts: int | None = None
    reconciled: bool | None = None
    previews: list[dict[str, Any]] | None = None
    playlist: str | None = None
    checklist: list[dict[str, Any]] | None = None  # as posted: [{"text", "checked"}]
    links: list[str] | None = None
    attachments: list[str] | None = None  # file names attached to the posted comment
    attachments_missing: list[str] | None = None  # file names that were not
    #: review media attached instead of uploaded as previews: {"files": [names], "reason"}
    media_attached: dict[str, Any] | None = None

    @property
    def posted(self) -> bool:
        return self.outcome == "posted"

    def as_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"task": self.task.summary(), "instances": list(self.instances)}
        if self.status_after is not None:
            data.update(
                status_before=self.status_before,
                status_after=self.status_after,
                reason=self.reason,
                text=self.text,
            )
        if self.checklist:
            data["checklist"] = [dict(item) for item in self.checklist]
        if self.links:
            data["links"] = list(self.links)
        if self.attachments is not None:
            data["attachments"] = list(self.attachments)
        if self.attachments_missing:
            data["attachments_missing"] = list(self.attachments_missing)
        if self.media_attached:
            data["media_attached"] = {
                "files": list(self.media_attached["files"]),
                "reason": self.media_attached["reason"],
            }
        data.update(outcome=self.outcome, posted=self.posted)
        if self.posted:
            data.update(
                comment_id=self.comment_id, attempts=self.attempts, reconciled=self.reconciled
            )
        if self.previews is not None:
            data["previews"] = [dict(p) for p in self.previews]
        if self.playlist is not None:
            data["playlist"] = self.playlist
        return data
