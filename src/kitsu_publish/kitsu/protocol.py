"""What ``flow`` and the CLI may ask of Kitsu: the :class:`KitsuSession` protocol.

The real implementation is :class:`~.connection.Connection` (``kitsu.connect``); the
fast tests use a fake that implements the same protocol and passes the same contract
test as the real server. Pure: names types only, imports neither gazu nor pyblish.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Mapping
from typing import Any, Protocol, runtime_checkable

from ..model import Delegation, Posted, Refusal, Target, TaskInfo

__all__ = ["KitsuSession"]


@runtime_checkable
class KitsuSession(Protocol):
    """One publish's logged-in door to Kitsu."""

    url: str  # the API URL
    user: str | None  # how messages name the logged-in person
    person_id: str  # the logged-in person's Kitsu id

    @property
    def closed(self) -> bool: ...

    def close(self) -> None:
        """End the session: log out a session opened with a password, never a token."""

    def step(self, name: str) -> contextlib.AbstractContextManager[None]:
        """Bound the Kitsu requests of one publish step."""
        ...

    # statuses and permissions
    def status(self, short_name: str) -> Mapping[str, Any]:
        """The status with this short name; StatusNotFound when Kitsu has none."""
        ...

    def project_role(self, project_id: str) -> str: ...

    def preflight(self, task: TaskInfo, status_short_name: str) -> Refusal | None:
        """Would Kitsu refuse this person a note on ``task`` with this status?"""
        ...

    def settable_statuses(self, project_id: str) -> list[dict[str, Any]]: ...

    def identity(self) -> Mapping[str, Any]:
        """The logged-in account's person record (role, is_bot, expiration_date)."""
        ...

    # posting in someone's name (a farm job, for the artist who submitted it)
    def act_for(self, person_id: str) -> str:
        """Post the notes for this person from now on (read once); their name."""
        ...

    def delegation(self, task: TaskInfo) -> Delegation | None:
        """For whom notes on ``task`` are posted, and whether Kitsu shows them as the
        author; None: for the logged-in person."""
        ...

    # tasks
    def read_targets(self, targets: Iterable[Target]) -> None:
        """Read the tasks of many targets at once (best effort; resolve says why not)."""

    def resolve(self, target: Target, instance: str = "") -> TaskInfo:
        """The task a target names; TargetError when it cannot be found."""
        ...

    def fresh(self, tasks: Iterable[TaskInfo]) -> dict[str, TaskInfo]:
        """The tasks as they are now, by id."""
        ...

    def task_url(self, task: TaskInfo) -> str:
        """The task's page in the Kitsu web app."""
        ...

    # writing
    def post(
        self,
        task: TaskInfo,
        status_short_name: str,
        text: str,
        *,
        checklist: list[dict[str, Any]] | None = None,
        links: list[str] | None = None,
    ) -> Posted:
        """One comment, exactly once, or PostFailed with its outcome; ``checklist``
        (``[{"text", "checked"}]``) and ``links`` (URLs) ride on the same request."""
        ...

    def attach(
        self,
        task: TaskInfo,
        comment_id: str,
        paths: list[str],
        report: tuple[str, str] | None = None,
    ) -> list[dict[str, Any]]:
        """Put files (and ``report``: file name, text) on a posted comment in one
        request; Kitsu's attachment records. AttachmentFailed names what is missing."""
        ...

    def mentionable(self, task: TaskInfo) -> dict[str, str]:
        """The names Kitsu turns into mentions in a note on ``task``: every department's
        name and the full name of each team member of its project, each mapped to what
        it is ("department", "team member")."""
        ...

    # review media
    def existing_revisions(self, task_ids: list[str]) -> dict[str, set[int]]: ...

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
    ) -> dict[str, Any]: ...

    def wait_processed(
        self, previews: list[dict[str, Any]], log: logging.Logger
    ) -> list[dict[str, Any]]: ...

    def set_thumbnail(self, preview_id: str, frame: int | None, label: str) -> None: ...

    def add_to_playlist(
        self, project_id: str, name: str, entity_id: str, preview_id: str, label: str
    ) -> dict[str, Any]: ...
