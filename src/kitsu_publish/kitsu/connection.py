"""The real :class:`~.protocol.KitsuSession`: a logged-in session and the modules that
read and write through it, behind one object.

Every method is a call into the module that does the work (:mod:`.tasks`,
:mod:`.names`, :mod:`.roles`, :mod:`.comments`, :mod:`.previews`); this class only
holds the :class:`~.session.Session` they share.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from ..model import Delegation, Posted, Refusal, Target, TaskInfo
from ..settings import Settings
from . import attachments, comments, delegation, mentions, names, previews, roles, tasks
from .session import Session, open_session

__all__ = ["Connection", "connect"]


def connect(settings: Settings, environ: Mapping[str, str] | None = None) -> Connection:
    """Log in to Kitsu from the environment (and ``[kitsu]`` settings)."""
    return Connection(open_session(settings, environ))


class Connection:
    """One publish's door to Kitsu (implements :class:`~.protocol.KitsuSession`)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.url = session.url
        self.user = session.user
        self.person_id = str(session.person.get("id") or "")

    @property
    def closed(self) -> bool:
        return self.session.closed

    def close(self) -> None:
        self.session.close()

    def step(self, name: str) -> contextlib.AbstractContextManager[None]:
        return self.session.step(name)

    def status(self, short_name: str) -> Mapping[str, Any]:
        return self.session.status(short_name)

    def project_role(self, project_id: str) -> str:
        return roles.project_role(self.session, project_id)

    def preflight(self, task: TaskInfo, status_short_name: str) -> Refusal | None:
        with self.session.reading:  # usually nothing to read: validation read it all
            refusal = roles.preflight(self.session, task, status_short_name)
            return refusal or delegation.preflight(self.session, task, status_short_name)

    def identity(self) -> Mapping[str, Any]:
        return dict(self.session.person)

    def act_for(self, person_id: str) -> str:
        return str(delegation.act_for(self.session, person_id).get("full_name") or person_id)

    def delegation(self, task: TaskInfo) -> Delegation | None:
        return delegation.delegation(self.session, task)

    def settable_statuses(self, project_id: str) -> list[dict[str, Any]]:
        return roles.settable_statuses(self.session, project_id)

    def read_targets(self, targets: Iterable[Target]) -> None:
        names.read_targets(self.session, targets)

    def resolve(self, target: Target, instance: str = "") -> TaskInfo:
        return names.resolve(self.session, target, instance)

    def fresh(self, tasks_: Iterable[TaskInfo]) -> dict[str, TaskInfo]:
        return tasks.fresh(self.session, tasks_)

    def task_url(self, task: TaskInfo) -> str:
        return tasks.task_url(self.url, task.data)

    def post(
        self,
        task: TaskInfo,
        status_short_name: str,
        text: str,
        *,
        checklist: list[dict[str, Any]] | None = None,
        links: list[str] | None = None,
    ) -> Posted:
        with self.session.reading:
            found = delegation.delegation(self.session, task)
        author = found.person_id if found is not None and found.as_author else None
        return comments.post(self.session, task, status_short_name, text, author, checklist, links)

    def attach(
        self,
        task: TaskInfo,
        comment_id: str,
        paths: list[str],
        report: tuple[str, str] | None = None,
    ) -> list[dict[str, Any]]:
        return attachments.attach(self.session, task, comment_id, paths, report)

    def mentionable(self, task: TaskInfo) -> dict[str, str]:
        return mentions.mentionable(self.session, task)

    def existing_revisions(self, task_ids: list[str]) -> dict[str, set[int]]:
        return previews.existing_revisions(self.session, task_ids)

    def upload(
        self,
        task_id: str,
        comment_id: str,
        path: str,
        label: str,
        log: logging.Logger,
        *,
        revision: int | None = None,
        reference: str | None = None,
        normalize_movie: bool = True,
    ) -> dict[str, Any]:
        return previews.upload(
            self.session,
            task_id,
            comment_id,
            path,
            label,
            log,
            revision=revision,
            reference=reference,
            normalize_movie=normalize_movie,
        )

    def wait_processed(
        self, previews_: list[dict[str, Any]], log: logging.Logger
    ) -> list[dict[str, Any]]:
        return previews.wait_processed(self.session, previews_, log)

    def set_thumbnail(self, preview_id: str, frame: int | None, label: str) -> None:
        previews.set_thumbnail(self.session, preview_id, frame, label)

    def add_to_playlist(
        self, project_id: str, name: str, entity_id: str, preview_id: str, label: str
    ) -> dict[str, Any]:
        return previews.add_to_playlist(
            self.session, project_id, name, entity_id, preview_id, label
        )
