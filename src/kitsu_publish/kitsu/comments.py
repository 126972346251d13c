"""Posting one comment to a task, exactly once, reconciling an answer that was lost.

A POST that ended without a clear answer (timeout, reset, 5xx) may still have been
stored: the task's comments are read, and a comment by this person with this text,
newer than the task's last comment before posting, is ours. When it is not there, the
POST is sent once more. Anything else ends in :class:`~kitsu_publish.errors.PostFailed`
whose ``outcome`` is "not posted" or "unknown" (the check itself failed).
"""

from __future__ import annotations

import logging
from typing import Any

from ..errors import ConnectionFailed, KitsuError, PostFailed, ServerFailed
from ..model import Posted, TaskInfo
from .session import Session

__all__ = ["post"]

log = logging.getLogger("pyblish.kitsu_publish")


def post(
    session: Session,
    task: TaskInfo,
    status_short_name: str,
    text: str,
    author: str | None = None,
    checklist: list[dict[str, Any]] | None = None,
    links: list[str] | None = None,
) -> Posted:
    """Post one comment to a freshly read task; exactly once, or a clear PostFailed.

    ``author``: the person id Kitsu shows as the author (a farm job posting in the
    artist's name, which Kitsu keeps only from a manager, see :mod:`.delegation`).
    ``checklist`` and ``links`` go in the same POST. The request is the one
    ``gazu.task.add_comment`` sends, sent through ``gazu.client.post`` because gazu
    before 1.0 has no ``links``.
    """
    import gazu

    status = session.status(status_short_name)
    data: dict[str, Any] = {
        "task_status_id": status["id"],
        "comment": text,
        "checklist": list(checklist or ()),
    }
    if links:
        data["links"] = list(links)
    if author is not None:
        data["person_id"] = author
    route = f"actions/tasks/{task.id}/comment"
    since = task.data.get("last_comment_date")
    what = f"posting the note to {task.label}"
    for attempt in (1, 2):
        try:
            with session.calling(what):
                comment = gazu.client.post(route, data, client=session.client)
            return Posted(comment, attempt, reconciled=False)
        except (ConnectionFailed, ServerFailed) as exc:
            failure: KitsuError = exc
        except KitsuError as exc:  # refused (4xx): certainly not stored
            raise PostFailed(str(exc), outcome="not posted") from None
        try:
            found = _find_posted(session, task, text, since, author)
        except KitsuError as check_failed:
            raise PostFailed(
                f"{failure}; whether the note on {task.label} was stored is unknown "
                f"(checking failed too: {check_failed}). Look at the task in Kitsu "
                "before publishing again",
                outcome="unknown",
            ) from None
        if found is not None:
            log.info("The answer to the note on %s was lost; it was stored", task.label)
            return Posted(found, attempt, reconciled=True)
        if attempt == 1:
            log.warning(
                "The note on %s was not stored (%s); sending it once more", task.label, failure
            )
    raise PostFailed(f"{failure}; the note on {task.label} was not stored", "not posted")


def _find_posted(
    session: Session, task: TaskInfo, text: str, since: Any, author: str | None = None
) -> dict[str, Any] | None:
    import gazu

    me = author or session.person.get("id")
    with (
        session.step("checking whether the note was stored", session.transport.request_timeout),
        session.calling(f"reading the comments of {task.label}"),
    ):
        comments = gazu.task.all_comments_for_task(task.id, client=session.client)
    for comment in comments or ():
        author = comment.get("person_id") or (comment.get("person") or {}).get("id")
        if author != me or (comment.get("text") or "").strip() != text.strip():
            continue
        if since and str(comment.get("created_at") or "") <= str(since):
            continue
        return dict(comment)
    return None
