"""The validators: raise what collection kept, check every note before anything is
written (status, template, text, the permission preflight)."""

from __future__ import annotations

import logging
import os
from typing import Any

from .. import actions, extras, plan, review
from ..errors import (
    AttachmentFailed,
    KitsuError,
    KitsuPublishError,
    PermissionRefused,
    StatusNotFound,
    TemplateError,
    nothing_posted,
)
from ..settings import Settings
from ..state import state_of
from . import farm
from .common import enabled, groups, kitsu_instances, notes, takes_part, where

__all__ = ["validate_connection", "validate_note", "validate_target"]


def validate_connection(context: Any, log: logging.Logger) -> None:
    """Raise the settings or connection problem found during collection."""
    state = state_of(context)
    if not enabled(state, log):
        return
    if not kitsu_instances(context):
        log.info("No instance targets Kitsu")
        return
    if state.settings_error is not None:
        raise nothing_posted(state.settings_error)
    if state.session_error is not None:
        raise nothing_posted(state.session_error)
    if state.session is None:
        raise KitsuError(
            "the Kitsu session of this publish is no longer open (the publish was already "
            "ended); reset the publisher and publish again"
        )
    log.info("Kitsu at %s reachable, logged in as %s", state.session.url, state.session.user)


def validate_target(instance: Any, log: logging.Logger) -> None:
    """Raise the instance's target problem found during collection."""
    state = state_of(instance.context)
    if not takes_part(state, instance.data) or not enabled(state):
        return
    item = state.item(instance)
    if item.error is not None:
        raise nothing_posted(item.error)
    if item.task is not None:
        log.info("Kitsu task: %s", where(item.task))


def validate_note(context: Any, log: logging.Logger) -> None:
    """Check the target status exists and every task's note renders."""
    state = state_of(context)
    if state.session is None or state.settings is None:
        return
    try:
        _check_notes(context, state.settings, log)
    except KitsuPublishError as exc:
        raise nothing_posted(exc) from None


def _check_notes(context: Any, settings: Settings, log: logging.Logger) -> None:
    session = state_of(context).session
    assert session is not None
    refusals = []
    with session.step("checking the notes"):
        if settings.set_status_note:
            session.status(settings.note_status_shortname)
        for note in notes(context, settings, groups(context, settings), log.warning):
            task = note.task
            log.info("%s: %s", where(task), note.decision.reason)
            farm.say_who(state_of(context), note, log)
            check_comment(note, settings, log)
            check_mentions(session, note)
            check_attachments(note)
            if note.profile is not None and note.settings.set_status_note:
                check_profile_status(session, note)
            refusal = session.preflight(task, note.decision.status_after)
            if refusal is not None:
                refusals.append(refusal.message)
                if refusal.reason == "status" and note.profile is not None:
                    refusals.append(
                        f"(The status of {task.label} comes from {note.profile.describe()} "
                        f"in {settings.source}.)"
                    )
                if refusal.reason == "status":
                    project = str(task.data.get("project_id") or "")
                    context.data[actions.SETTABLE] = [
                        f"{s.get('name')} ({s.get('short_name')})"
                        for s in session.settable_statuses(project)
                    ]
    if refusals:
        raise PermissionRefused(" ".join(dict.fromkeys(refusals)))


def check_profile_status(session: Any, note: plan.NotePlan) -> None:
    """The status a note's status profile names must exist, whatever the conditions say
    today (as the note table's own status is checked)."""
    assert note.profile is not None
    try:
        session.status(note.settings.note_status_shortname)
    except StatusNotFound as exc:
        raise StatusNotFound(
            f"{exc} (set by {note.profile.describe()} of {note.settings.source}, for "
            f"{note.task.label})",
            exc.short_name,
        ) from None


def check_mentions(session: Any, note: plan.NotePlan) -> None:
    """Each name the note mentions must notify someone: Kitsu ignores the others."""
    if not note.mentions:
        return
    problems = extras.unknown_mentions(note.mentions, session.mentionable(note.task))
    if problems:
        by = note.profile.describe() if note.profile is not None else "[IntegrateKitsuNote]"
        raise TemplateError(
            f"the note for {note.task.label} mentions {'; '.join(problems)}, so Kitsu would "
            f"notify nobody for it; fix mentions of {by} in {note.settings.source} (a "
            "department's name, or the full name of a team member of the project)"
        )


def check_attachments(note: plan.NotePlan) -> None:
    """Every file the note attaches exists, is readable and within what Kitsu takes."""
    problems = [
        problem
        for item in note.attachments
        for problem in [extras.check_attachment(item, review.MAX_UPLOAD_BYTES)]
        if problem
    ]
    if not problems:
        total = sum(os.path.getsize(a.path) for a in note.attachments) + len(note.report)
        if total > review.MAX_UPLOAD_BYTES:
            problems.append(
                f"together {total / 1024**3:.1f} GiB, over Kitsu's request limit of "
                f"{review.MAX_UPLOAD_BYTES // 1024**3} GiB"
            )
    if problems:
        raise AttachmentFailed(
            f"the files to attach to the note on {note.task.label}: {'; '.join(problems)}."
        )


def check_comment(note: plan.NotePlan, settings: Settings, log: logging.Logger) -> None:
    """An empty artist comment: an error when the studio requires one, else a warning."""
    if any(m.comment for m in note.members):
        return
    names = ", ".join(m.name for m in note.members)
    if settings.require_comment:
        raise TemplateError(
            f"the note for {note.task.label} ({names}) has no comment, and your studio "
            "requires one: type what you did in the publisher's comment box, then publish "
            "again"
        )
    log.warning(
        "The note for %s (%s) has no comment: it is posted without one (type a comment "
        "in the publisher's comment box before publishing)",
        note.task.label,
        names,
    )
