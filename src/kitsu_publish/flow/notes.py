"""The note integrator: read every task fresh, then post one comment per task, keeping
what became of each (``kitsuNotes``) even when posting stops part-way."""

from __future__ import annotations

import logging
from typing import Any

from .. import actions, plan
from ..errors import KitsuPublishError, PermissionRefused, PostFailed
from ..model import NoteRecord
from ..state import PublishState, state_of
from .common import earlier_failures, groups, notes

__all__ = ["integrate_notes", "outcomes"]

NOTES = "kitsuNotes"
COMMENT = "kitsuComment"


def integrate_notes(context: Any, log: logging.Logger) -> None:
    """Post one comment per task (or log it, in a dry run)."""
    state = state_of(context)
    session, settings = state.session, state.settings
    if session is None or settings is None or not settings.enabled:
        log.info("Nothing to post to Kitsu")
        return
    failed = earlier_failures(context)
    if failed:
        log.warning(
            "Kitsu note not posted: an earlier step of this publish failed (%s)",
            ", ".join(failed),
        )
        return
    state.notes = []
    try:
        with session.step("posting the notes"):
            _post_all(context, state, log)
    finally:
        context.data[NOTES] = [n.as_data() for n in state.notes]


def _post_all(context: Any, state: PublishState, log: logging.Logger) -> None:
    session, settings = state.session, state.settings
    assert session is not None and settings is not None
    found = groups(context, settings)  # the artist may have edited the comment since
    try:  # every task read fresh before any note is posted: its status decides
        fresh = session.fresh(task for task, _ in found)
    except KitsuPublishError as exc:
        state.notes.extend(_unposted(task, members) for task, members in found)
        raise PostFailed(f"{exc}. {outcomes(state.notes)}", "not posted") from None
    # Template warnings were given in validation; here they would repeat.
    planned = notes(context, settings, found, log.debug, fresh)
    state.planned = {note.task.id: note for note in planned}
    for index, note in enumerate(planned):
        try:
            state.notes.append(_integrate_one(context, state, note, log))
        except KitsuPublishError as exc:
            outcome = exc.outcome if isinstance(exc, PostFailed) else "not posted"
            state.notes.append(_unposted(note.task, note.members, outcome))
            rest = planned[index + 1 :]
            state.notes.extend(_unposted(n.task, n.members) for n in rest)
            raise PostFailed(f"{exc}. {outcomes(state.notes)}", outcome) from None


def _unposted(task: Any, members: Any, outcome: str = "not posted") -> NoteRecord:
    """The record of a note that was not posted (or may not have been)."""
    return NoteRecord(task, tuple(m.name for m in members), outcome)


def outcomes(records: list[NoteRecord]) -> str:
    """Per task, what this publish did: posted, not posted, unknown."""
    by_outcome: dict[str, list[str]] = {}
    for record in records:
        by_outcome.setdefault(record.outcome, []).append(record.task.label)
    parts = [
        f"{outcome}: {'; '.join(labels)}"
        for outcome in ("posted", "unknown", "not posted")
        for labels in [by_outcome.get(outcome)]
        if labels
    ]
    return "Kitsu notes of this publish, " + " | ".join(parts)


def _integrate_one(
    context: Any, state: PublishState, note: plan.NotePlan, log: logging.Logger
) -> NoteRecord:
    """Post (or, in a dry run, log) one task's note; return its ``kitsuNotes`` record."""
    session = state.session
    assert session is not None
    task, decision = note.task, note.decision
    record = NoteRecord(
        task,
        tuple(m.name for m in note.members),
        "dry run",
        status_before=decision.status_before,
        status_after=decision.status_after,
        reason=decision.reason,
        text=note.text,
    )
    if state.options.dry_run:
        log.info("Dry run, not posted: %s\n%s", note.summary(), note.text)
        return record
    refusal = session.preflight(task, decision.status_after)  # the status may have moved
    if refusal is not None:
        raise PermissionRefused(refusal.message)
    posted = session.post(task, decision.status_after, note.text)
    record.outcome = "posted"
    record.comment_id = posted.comment.get("id")
    record.attempts = posted.attempts
    record.reconciled = posted.reconciled
    instances = _instances_of(context, note.members)
    for instance in instances:
        instance.data[COMMENT] = dict(posted.comment)
    log.info("Posted to Kitsu: %s", _posted_line(session, note))
    log.debug("%s: %s", task.label, decision.reason)
    if instances and instances[0].data.get(actions.TASK_URL):
        log.info("  %s", instances[0].data[actions.TASK_URL])
    return record


def _instances_of(context: Any, members: Any) -> list[Any]:
    wanted = {id(m.data) for m in members}
    return [i for i in context if id(i.data) in wanted]


def _posted_line(session: Any, note: plan.NotePlan) -> str:
    """One short line an artist reads: the task and its status, by display names."""

    def name(short: str) -> str:
        try:
            return str(session.status(short).get("name") or short)
        except KitsuPublishError:
            return short

    before, after = note.decision.status_before, note.decision.status_after
    where = f"{note.task.entity} / {note.task.task_type}"  # short: the URL line follows
    if before.lower() == after.lower():
        return f"{where}, status kept: {name(before)}"
    return f"{where}, {name(before)} -> {name(after)}"
