"""The note integrator: read every task fresh, then post one comment per task, keeping
what became of each (``kitsuNotes``) even when posting stops part-way.

The notes of different tasks are posted up to ``[kitsu] max_parallel_requests`` at a
time (:mod:`kitsu_publish.parallel`): once one has failed, no new one starts, those
being posted finish, and each task's outcome is recorded in publish order. Everything
but the preflight and the POST (records, instance data, log lines) happens in the
plugin's own thread.
"""

from __future__ import annotations

import logging
import os
from dataclasses import replace
from functools import partial
from typing import Any

from .. import actions, extras, parallel, plan
from ..errors import AttachmentFailed, KitsuPublishError, PermissionRefused, PostFailed
from ..model import NoteRecord, Posted
from ..state import PublishState, state_of
from .common import earlier_failures, groups, media_key, notes

__all__ = ["RELAYED", "integrate_notes", "outcomes"]

NOTES = "kitsuNotes"
COMMENT = "kitsuComment"
#: Loggers whose records, logged while a note is posted or a file uploaded in a worker
#: thread, are logged again in the plugin's thread (with the plugin's own logger).
RELAYED = parallel.RELAYED


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
    state.planned = {
        media_key(note.task.id, (m.name for m in note.members)): note for note in planned
    }
    if state.options.dry_run:
        state.notes.extend(_record(note, "dry run") for note in planned)
        for note in planned:
            log.info("Dry run, not posted: %s\n%s", note.summary(), note.text)
        return
    limit = min(settings.max_parallel_requests, len(planned))
    if limit > 1:
        log.info("Posting %d notes to Kitsu, up to %d at a time", len(planned), limit)
    records: list[NoteRecord | None] = [None] * len(planned)

    def posted(done: parallel.Done) -> None:  # in this thread, in the order they end
        if done.ok:
            count = sum(r is not None for r in records) + 1
            progress = f" ({count} of {len(planned)})" if len(planned) > 1 else ""
            note = planned[done.index]
            records[done.index] = _posted(context, state, note, done.value, log, progress)

    jobs = [partial(_post, state, note) for note in planned]
    try:
        ran = parallel.run(jobs, limit, posted, (log, *RELAYED))
    except BaseException:  # interrupted: what is known to be posted
        state.notes.extend(r for r in records if r is not None)
        raise
    for done, note in zip(ran, planned):  # in publish order, whatever order they ended in
        record = records[done.index]
        state.notes.append(record or _unposted(note.task, note.members, _outcome(done)))
    failed = [d.error for d in ran if d.error is not None]
    not_attached = [
        d.value.attach_failed for d in ran if d.ok and d.value.attach_failed is not None
    ]
    unexpected = [e for e in failed if not isinstance(e, KitsuPublishError)]
    if unexpected:
        raise unexpected[0]
    if failed:
        outcome = "unknown" if any(_outcome(d) == "unknown" for d in ran) else "not posted"
        reasons = "; ".join(map(str, failed))
        raise PostFailed(f"{reasons}. {outcomes(state.notes)}", outcome) from None
    if not_attached:
        raise AttachmentFailed("; ".join(map(str, not_attached))) from None


def _outcome(done: parallel.Done) -> str:
    """A note not posted by this run: "unknown" when it may have been stored."""
    if done.error is None or isinstance(done.error, PermissionRefused):
        return "not posted"
    if isinstance(done.error, PostFailed):
        return done.error.outcome
    return "not posted" if isinstance(done.error, KitsuPublishError) else "unknown"


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


def _record(note: plan.NotePlan, outcome: str) -> NoteRecord:
    decision = note.decision
    return NoteRecord(
        note.task,
        tuple(m.name for m in note.members),
        outcome,
        status_before=decision.status_before,
        status_after=decision.status_after,
        reason=decision.reason,
        text=note.text,
        checklist=[item.as_data() for item in note.checklist] or None,
        links=list(note.links) or None,
        media_attached=_media_attached(note),
    )


def _media_attached(note: plan.NotePlan) -> dict[str, Any] | None:
    """The review media the note attaches instead of previews, and why (or None)."""
    if not note.media_attached:
        return None
    names = [os.path.basename(a.path) for a in note.media_attached]
    return {"files": names, "reason": note.media_reason}


def _post(state: PublishState, note: plan.NotePlan) -> Posted:
    """Post one task's note (in a worker thread when posting in parallel): Kitsu only."""
    session = state.session
    assert session is not None
    task, decision = note.task, note.decision
    refusal = session.preflight(task, decision.status_after)  # the status may have moved
    if refusal is not None:
        raise PermissionRefused(refusal.message)
    posted = session.post(task, decision.status_after, note.text, **note.extras())
    if not (note.attachments or note.report):
        return posted
    report = (extras.REPORT_NAME, note.report) if note.report else None
    try:  # after the note, never instead of it: a failure here posts nothing again
        attached = session.attach(
            task, str(posted.comment.get("id")), [a.path for a in note.attachments], report
        )
    except Exception as exc:  # whatever it is, the note is posted and stays recorded so
        return replace(posted, attach_failed=exc)
    return replace(posted, attached=tuple(attached))


def _posted(
    context: Any,
    state: PublishState,
    note: plan.NotePlan,
    posted: Posted,
    log: logging.Logger,
    progress: str = "",
) -> NoteRecord:
    """A posted note's ``kitsuNotes`` record, its instances' ``kitsuComment``, its lines."""
    session = state.session
    record = _record(note, "posted")
    record.comment_id = posted.comment.get("id")
    record.attempts = posted.attempts
    record.reconciled = posted.reconciled
    if note.attachments or note.report:
        wanted = extras.file_names(note.attachments, note.report)
        record.attachments = [] if posted.attach_failed else wanted
        record.attachments_missing = wanted if posted.attach_failed else None
        if posted.attach_failed is None:
            log.info("Attached to the note on %s: %s", note.task.label, ", ".join(wanted))
    instances = _instances_of(context, note.members)
    for instance in instances:
        instance.data[COMMENT] = dict(posted.comment)
    log.info("Posted to Kitsu: %s%s", _posted_line(session, note), progress)
    log.debug("%s: %s", note.task.label, note.decision.reason)
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
