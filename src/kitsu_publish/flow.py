"""What each pyblish plugin does, so that the plugin files stay thin.

Collectors never raise for a Kitsu problem (a failing collector does not stop a pyblish
publish): they record the error in the context or instance data, and the validators
raise it, so the publish stops before anything is written. The note integrator also
refuses to post when any earlier plugin failed.

Works on pyblish's context and instances by duck typing (``.data``, iteration); the
pure core does the thinking, :mod:`kitsu_publish.kitsu` the talking.
"""

from __future__ import annotations

import getpass
import logging
import os
from collections.abc import Callable, Iterable
from typing import Any

from . import actions as actions_mod
from . import plan as plan_mod
from . import review as review_mod
from . import settings as settings_mod
from .kitsu import previews
from .model import Member, TaskInfo
from .errors import (
    ConnectionFailed,
    KitsuError,
    KitsuPublishError,
    PermissionRefused,
    PostFailed,
    ReviewFailed,
    ServerFailed,
    TemplateError,
    nothing_posted,
)

__all__ = [
    "ENV_DRY_RUN",
    "collect_session",
    "collect_settings",
    "collect_targets",
    "integrate_notes",
    "kitsu_instances",
    "validate_connection",
    "validate_note",
    "validate_target",
]

ENV_DRY_RUN = "KITSU_PUBLISH_DRY_RUN"

# Keys this library keeps in pyblish data (the public ones are in the data contract).
SETTINGS = "kitsuSettings"
SETTINGS_ERROR = "kitsuSettingsError"
SESSION = "kitsuSession"
SESSION_ERROR = "kitsuSessionError"
TARGET = "kitsuTarget"
TARGET_ERROR = "kitsuTargetError"
TASK = "kitsuTask"  # public: the full Kitsu task dict
TASK_INFO = "kitsuPublishTaskInfo"  # ours: plan.TaskInfo (another addon may rewrite kitsuTask)
COMMENT = "kitsuComment"
NOTES = "kitsuNotes"


def _name(instance: Any) -> str:
    data = instance.data
    return str(data.get("productName") or data.get("name") or instance)


def _active(instance: Any) -> bool:
    return instance.data.get("publish", True) is not False and not instance.data.get("farm")


def _targeted(context: Any) -> list[Any]:
    """Instances with a Kitsu target (or a target error), whether switched on or off now.

    Collection resolves them all: an artist may switch an instance on in the GUI after
    collection, and it must then have its task.
    """
    return [
        i
        for i in context
        if not i.data.get("farm") and (TARGET in i.data or TARGET_ERROR in i.data)
    ]


def kitsu_instances(context: Any) -> list[Any]:
    """Active instances (not excluded, not farm) that have a Kitsu target or target error."""
    return [i for i in _targeted(context) if _active(i)]


# --- collection -------------------------------------------------------------------------


def collect_settings(context: Any, log: logging.Logger) -> None:
    """Load the settings file; make sure GUIs show the artist comment box."""
    context.data.setdefault("comment", "")
    try:
        settings = settings_mod.load()
    except KitsuPublishError as exc:
        context.data[SETTINGS_ERROR] = exc
        # One message per problem: the validator says it (a failed collector is easy
        # to miss in a publisher, and does not stop the publish); GUIs show DEBUG too.
        return
    context.data[SETTINGS] = settings
    log.debug("Kitsu settings from %s", settings.source)


def collect_session(context: Any, log: logging.Logger) -> None:
    """Find each instance's target; log in to Kitsu when any instance has one."""
    settings = context.data.get(SETTINGS)
    if settings is not None and not settings.enabled:
        log.info("Kitsu notes are disabled in %s (enabled = false)", settings.source)
        return
    for instance in context:
        instance.data.pop(TARGET, None)
        instance.data.pop(TARGET_ERROR, None)
        try:
            target = plan_mod.find_target(instance.data, context.data, None, _name(instance))
        except KitsuPublishError as exc:
            instance.data[TARGET_ERROR] = exc
            continue
        if target is None:
            log.info("%s has no Kitsu target: skipped by the Kitsu plugins", _name(instance))
        else:
            instance.data[TARGET] = target
    if settings is None or not _targeted(context):
        return
    from . import kitsu

    try:
        session = kitsu.connect(settings)
    except KitsuPublishError as exc:
        context.data[SESSION_ERROR] = exc
        _warn_early(context, log)
        return
    context.data[SESSION] = session
    _close_when_done()
    log.info("Connected to Kitsu at %s as %s", session.url, session.user)


# --- the session's lifetime ---------------------------------------------------------------
#
# Opened by CollectKitsuSession; ended when the publish ends, by pyblish's own signals:
# "published" (pyblish.util.publish emits it at the end of every publish, also one stopped
# by a failed validator; pyblish-lite when its Publish run ends) and "validated" when the
# validation failed (pyblish-lite's Validate button: the artist must reset to go on, and a
# reset drops the context). A session nobody closed is released when its context is
# garbage-collected. Closing logs out only a session the library opened with a password.


def close_session(context: Any) -> None:
    """End the publish's Kitsu session (if any) and drop it from the context data."""
    session = context.data.pop(SESSION, None)
    if session is not None:
        session.close()


def _publish_over(context: Any) -> bool:
    """Has this publish ended: stopped by a failed validator, or through integration?

    pyblish-base before 1.8.12 emits "published" after each stage of the staged API
    (util.collect, util.validate, ...), so the signal alone does not mean the end.
    """
    import pyblish.api

    for result in context.data.get("results", []):
        order = getattr(result.get("plugin"), "order", 0)
        if result.get("error") and order >= pyblish.api.ValidatorOrder - 0.5:
            return True
        if order >= pyblish.api.IntegratorOrder + 0.4:  # IntegrateKitsuNote ran
            return True
    return False


def _on_publish_signal(context: Any = None, **_: Any) -> None:
    """pyblish's "published" and "validated": close the session once the publish is over."""
    if context is not None and _publish_over(context):
        close_session(context)


def _close_when_done() -> None:
    import pyblish.api

    registered = pyblish.api.registered_callbacks()
    for signal in ("published", "validated"):
        if _on_publish_signal not in registered.get(signal, ()):
            pyblish.api.register_callback(signal, _on_publish_signal)


def collect_targets(context: Any, log: logging.Logger) -> None:
    """Resolve every instance's target to its Kitsu task (``instance.data['kitsuTask']``)."""
    session = context.data.get(SESSION)
    if session is None:
        return
    from . import kitsu

    with session.step("finding the Kitsu tasks"):
        try:  # all at once; what this does not find, resolve() looks up alone
            session.read_targets(i.data[TARGET] for i in _targeted(context) if TARGET in i.data)
        except (ConnectionFailed, ServerFailed) as exc:  # one by one would only wait again
            for instance in _targeted(context):
                instance.data.setdefault(TARGET_ERROR, exc)
        except KitsuPublishError as exc:
            log.debug("Reading the Kitsu tasks together failed (%s); one by one", exc)
        for instance in _targeted(context):
            target = instance.data.get(TARGET)
            if target is None or TARGET_ERROR in instance.data:
                continue
            try:
                task = session.resolve(target, _name(instance))
            except KitsuPublishError as exc:
                instance.data[TARGET_ERROR] = exc
                continue
            instance.data[TASK] = dict(task.data)
            instance.data[TASK_INFO] = task
            instance.data[actions_mod.TASK_URL] = kitsu.task_url(session.url, task.data)
            log.info("%s -> Kitsu task %s", _name(instance), _where(task))
    _warn_early(context, log)


def _warn_early(context: Any, log: logging.Logger) -> None:
    """Tell the artist at collection that validation will fail, before they type a comment.

    The problems themselves are said once, by the validators; this is only the heads-up.
    """
    problems = sum(TARGET_ERROR in i.data for i in kitsu_instances(context))
    problems += SETTINGS_ERROR in context.data or SESSION_ERROR in context.data
    if problems:
        log.warning(
            "Kitsu will refuse this publish (%d problem%s found): press Validate to see "
            "what to fix before you type your comment",
            problems,
            "" if problems == 1 else "s",
        )


def _where(task: TaskInfo) -> str:
    return f"{task.label} (status '{task.status}')"


# --- validation -------------------------------------------------------------------------


def validate_connection(context: Any, log: logging.Logger) -> None:
    """Raise the settings or connection problem found during collection."""
    settings = context.data.get(SETTINGS)
    if settings is not None and not settings.enabled:
        log.info("Kitsu notes are disabled in %s (enabled = false)", settings.source)
        return
    if not kitsu_instances(context):
        log.info("No instance targets Kitsu")
        return
    if SETTINGS_ERROR in context.data:
        raise nothing_posted(context.data[SETTINGS_ERROR])
    if SESSION_ERROR in context.data:
        raise nothing_posted(context.data[SESSION_ERROR])
    session = context.data.get(SESSION)
    if session is None:
        raise KitsuError(
            "the Kitsu session of this publish is no longer open (the publish was already "
            "ended); reset the publisher and publish again"
        )
    log.info("Kitsu at %s reachable, logged in as %s", session.url, session.user)


def validate_target(instance: Any, log: logging.Logger) -> None:
    """Raise the instance's target problem found during collection."""
    settings = instance.context.data.get(SETTINGS)
    if not _active(instance) or (settings is not None and not settings.enabled):
        return
    if TARGET_ERROR in instance.data:
        raise nothing_posted(instance.data[TARGET_ERROR])
    if TASK_INFO in instance.data:
        log.info("Kitsu task: %s", _where(instance.data[TASK_INFO]))


def validate_note(context: Any, log: logging.Logger) -> None:
    """Check the target status exists and every task's note renders."""
    session = context.data.get(SESSION)
    if session is None:
        return
    try:
        _check_notes(context, session, context.data[SETTINGS], log)
    except KitsuPublishError as exc:
        raise nothing_posted(exc) from None


def _check_notes(context: Any, session: Any, settings: Any, log: logging.Logger) -> None:
    refusals = []
    with session.step("checking the notes"):
        if settings.set_status_note:
            session.status(settings.note_status_shortname)
        for note in _plan(context, settings, log.warning):
            task = note.task
            log.info("%s: %s", _where(task), note.decision.reason)
            _check_comment(note, settings, log)
            refusal = session.preflight(task, note.decision.status_after)
            if refusal is not None:
                refusals.append(refusal.message)
                if refusal.reason == "status":
                    project = str(task.data.get("project_id") or "")
                    context.data[actions_mod.SETTABLE] = [
                        f"{s.get('name')} ({s.get('short_name')})"
                        for s in session.settable_statuses(project)
                    ]
    if refusals:
        raise PermissionRefused(" ".join(dict.fromkeys(refusals)))


# --- integration ------------------------------------------------------------------------


def integrate_notes(context: Any, log: logging.Logger) -> None:
    """Post one comment per task (or log it, in a dry run)."""
    session = context.data.get(SESSION)
    settings = context.data.get(SETTINGS)
    if session is None or settings is None or not settings.enabled:
        log.info("Nothing to post to Kitsu")
        return
    failed = _earlier_failures(context)
    if failed:
        log.warning(
            "Kitsu note not posted: an earlier step of this publish failed (%s)",
            ", ".join(failed),
        )
        return
    dry_run = _dry_run()
    notes = context.data.setdefault(NOTES, [])
    with session.step("posting the notes"):
        collected = [task for task, _ in plan_mod.tasks_of(settings, _entries(context), None)]
        try:  # every task read fresh before any note is posted: its status decides
            fresh = session.fresh(collected)
        except KitsuPublishError as exc:
            notes.extend(_record(task, [], "not posted") for task in collected)
            raise PostFailed(f"{exc}. {_outcomes(notes)}", "not posted") from None
        # Template warnings were given in validation; here they would repeat.
        planned = _plan(context, settings, log.debug, fresh)
        for index, note in enumerate(planned):
            try:
                notes.append(_integrate_one(context, session, note, dry_run, log))
            except KitsuPublishError as exc:
                outcome = exc.outcome if isinstance(exc, PostFailed) else "not posted"
                notes.append(_record(note.task, note.members, outcome))
                rest = planned[index + 1 :]
                notes.extend(_record(n.task, n.members, "not posted") for n in rest)
                raise PostFailed(f"{exc}. {_outcomes(notes)}", outcome) from None


def _record(
    task: TaskInfo, members: Iterable[Member], outcome: str
) -> dict[str, Any]:
    """The ``kitsuNotes`` record of a note that was not posted (or may not have been)."""
    return {
        "task": task.summary(),
        "instances": [m.name for m in members],
        "outcome": outcome,
        "posted": False,
    }


def _outcomes(notes: list[dict[str, Any]]) -> str:
    """Per task, what this publish did: posted, not posted, unknown."""
    by_outcome: dict[str, list[str]] = {}
    for note in notes:
        label = TaskInfo(**note["task"]).label
        by_outcome.setdefault(note["outcome"], []).append(label)
    parts = [
        f"{outcome}: {'; '.join(labels)}"
        for outcome in ("posted", "unknown", "not posted")
        for labels in [by_outcome.get(outcome)]
        if labels
    ]
    return "Kitsu notes of this publish, " + " | ".join(parts)


def _integrate_one(
    context: Any, session: Any, note: plan_mod.NotePlan, dry_run: bool, log: logging.Logger
) -> dict[str, Any]:
    """Post (or, in a dry run, log) one task's note; return its ``kitsuNotes`` record."""
    task = note.task
    record: dict[str, Any] = {
        "task": task.summary(),
        "instances": [m.name for m in note.members],
        "status_before": note.decision.status_before,
        "status_after": note.decision.status_after,
        "reason": note.decision.reason,
        "text": note.text,
        "outcome": "dry run",
        "posted": False,
    }
    if dry_run:
        log.info("Dry run, not posted: %s\n%s", note.summary(), note.text)
        return record
    refusal = session.preflight(task, note.decision.status_after)  # the status may have moved
    if refusal is not None:
        raise PermissionRefused(refusal.message)
    posted = session.post(task, note.decision.status_after, note.text)
    record.update(
        outcome="posted",
        posted=True,
        comment_id=posted.comment.get("id"),
        attempts=posted.attempts,
        reconciled=posted.reconciled,
    )
    instances = _instances_of(context, note.members)
    for instance in instances:
        instance.data[COMMENT] = dict(posted.comment)
    log.info("Posted to Kitsu: %s", _posted_line(session, note))
    log.debug("%s: %s", task.label, note.decision.reason)
    if instances and instances[0].data.get(actions_mod.TASK_URL):
        log.info("  %s", instances[0].data[actions_mod.TASK_URL])
    return record


def _check_comment(
    note: plan_mod.NotePlan, settings: settings_mod.Settings, log: logging.Logger
) -> None:
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


def _posted_line(session: Any, note: plan_mod.NotePlan) -> str:
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


def _dry_run() -> bool:
    """``KITSU_PUBLISH_DRY_RUN`` asks to log the notes and media, and post nothing."""
    return os.environ.get(ENV_DRY_RUN, "").strip().lower() in ("1", "true", "yes", "on")


def _earlier_failures(context: Any) -> list[str]:
    names = []
    for result in context.data.get("results", []):
        if not result.get("success", True) or result.get("error"):
            plugin = result.get("plugin")
            names.append(getattr(plugin, "__name__", str(plugin)))
    return list(dict.fromkeys(names))


# --- shared between validation and integration ------------------------------------------


def _entries(
    context: Any, tasks: dict[str, TaskInfo] | None = None
) -> list[plan_mod.Entry]:
    """The active Kitsu instances with their tasks (as collected, or from ``tasks``)."""
    entries = []
    for instance in kitsu_instances(context):
        task = instance.data.get(TASK_INFO)
        if task is not None:
            entries.append(((tasks or {}).get(task.id, task), instance.data, _name(instance)))
    return entries


def _groups(
    context: Any, settings: settings_mod.Settings
) -> list[tuple[TaskInfo, tuple[Member, ...]]]:
    """The active Kitsu instances grouped by task, each with the task as collected."""
    return plan_mod.tasks_of(settings, _entries(context), context.data.get("comment"))


def _instances_of(context: Any, members: Iterable[Member]) -> list[Any]:
    wanted = {id(m.data) for m in members}
    return [i for i in context if id(i.data) in wanted]


def _plan(
    context: Any,
    settings: settings_mod.Settings,
    warn: Callable[[str], None],
    tasks: dict[str, TaskInfo] | None = None,
) -> list[plan_mod.NotePlan]:
    """Every note of the publish, from the pure core in one call."""
    return plan_mod.plan_notes(
        settings,
        _entries(context, tasks),
        context.data.get("comment"),
        host=_host(context),
        user=str(context.data.get("user") or _user()),
        warn=warn,
    )


def _host(context: Any) -> str:
    host = context.data.get("host")
    if isinstance(host, str) and host:
        return host
    import pyblish.api

    hosts = pyblish.api.registered_hosts()
    return str(hosts[-1]) if hosts else ""


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some farm environments
        return ""


# --- review media -----------------------------------------------------------------------


def _review_enabled(context: Any) -> bool:
    settings = context.data.get(SETTINGS)
    return bool(
        context.data.get(SESSION) is not None
        and settings is not None
        and settings.enabled
        and settings.review.enabled
    )


def _media(context: Any, members: Iterable[Member]) -> list[review_mod.Medium]:
    found: list[review_mod.Medium] = []
    for member in members:
        found.extend(review_mod.media_of(member.data, member.name))
    return found


def _playlist_name(
    context: Any, settings: settings_mod.Settings, task: TaskInfo, version: Any
) -> str:
    import datetime

    from . import template

    variables = {
        "date": datetime.date.today().isoformat(),
        "project": task.project,
        "entity": task.entity,
        "task_type": task.task_type,
        "version": version,
        "user": str(context.data.get("user") or _user()),
    }
    name = template.render_jinja(
        settings.review.add_to_playlist, variables, where=f"add_to_playlist, {task.label}"
    ).strip()
    if not name:
        raise ReviewFailed(f"add_to_playlist renders an empty playlist name for {task.label}")
    return name


def validate_review(context: Any, log: logging.Logger) -> None:
    """Every review file exists, is readable, is a type Kitsu takes, and fits; revisions."""
    if not _review_enabled(context):
        return
    session = context.data[SESSION]
    settings = context.data[SETTINGS]
    problems: list[str] = []
    with session.step("checking the review media"):
        groups = [(t, m) for t, m in _groups(context, settings) if _media(context, m)]
        taken: dict[str, set[int]] = {}
        if groups and settings.review.revision == "version":
            taken = previews.existing_revisions(session, [t.id for t, _ in groups])
        for task, members in groups:
            media = _media(context, members)
            problems.extend(p for p in map(review_mod.check, media) if p)
            log.info("%s: %d review file(s)", task.label, len(media))
            if settings.review.add_to_playlist:
                _playlist_name(context, settings, task, members[0].version)
            if settings.review.revision != "version":
                continue
            version = members[0].version
            if version is None:
                problems.append(
                    f"{task.label}: revision = 'version' needs the published version, and "
                    f"instance '{members[0].name}' has none"
                )
            elif version in taken.get(task.id, ()):
                problems.append(
                    f"{task.label} already has a preview revision {version}: publish a new "
                    "version, or ask your TD to set revision = 'auto' in [IntegrateKitsuReview]"
                )
    if problems:
        raise nothing_posted(ReviewFailed(" ".join(f"{p}." for p in problems)))


def integrate_review(context: Any, log: logging.Logger) -> None:
    """Upload each posted note's review media onto its comment, as one unit with it."""
    if not _review_enabled(context):
        return
    session = context.data[SESSION]
    settings = context.data[SETTINGS]
    failed = [name for name in _earlier_failures(context) if name != "IntegrateKitsuNote"]
    if failed:
        log.warning("Review media not uploaded: an earlier step failed (%s)", ", ".join(failed))
        return
    posted = {n["task"]["id"]: n for n in context.data.get(NOTES, []) if n.get("posted")}
    dry_run = _dry_run()
    problems: list[str] = []
    uploaded: list[tuple[TaskInfo, Any, dict[str, Any], list[dict[str, Any]]]] = []
    with session.step("uploading the review media"):
        for task, members in _groups(context, settings):
            media = _media(context, members)
            note = posted.get(task.id)
            if not media:
                continue
            if dry_run:
                log.info("Dry run, not uploaded to %s: %s", task.label, [m.path for m in media])
                continue
            if note is None:
                continue  # its note was not posted: the note integrator said so
            revision = members[0].version if settings.review.revision == "version" else None
            done: list[dict[str, Any]] = []
            try:
                for index, medium in enumerate(media):
                    done.append(
                        previews.upload(
                            session,
                            task.id,
                            note["comment_id"],
                            medium.path,
                            task.label,
                            log,
                            revision=revision if index == 0 else None,
                            reference=done[0]["id"] if done else None,
                            normalize_movie=settings.review.normalize_movie,
                        )
                    )
            except KitsuPublishError as exc:
                problems.append(f"{task.label}: {exc}")
            note["previews"] = [
                {
                    "id": p["id"],
                    "path": m.path,
                    "revision": p.get("revision"),
                    "status": "uploaded",
                }
                for p, m in zip(done, media)
            ]
            if done:
                uploaded.append((task, members, note, done))
        states = {
            p["id"]: p
            for p in previews.wait_processed(session, [p for *_, d in uploaded for p in d], log)
        }
        for task, members, note, done in uploaded:
            for record in note["previews"]:
                record["status"] = states[record["id"]].get("status") or "ready"
                if record["status"] == "broken":
                    problems.append(
                        f"{task.label}: Kitsu could not process {os.path.basename(record['path'])}"
                        " (preview broken; a movie without an audio track and with B-frames "
                        "breaks on some Kitsu servers: see docs/review.md)"
                    )
                elif record["status"] == "processing":
                    problems.append(
                        f"{task.label}: Kitsu is still processing "
                        f"{os.path.basename(record['path'])} after {previews.PROCESSING_WAIT:g} s"
                    )
            first = note["previews"][0]
            if first["status"] != "ready":
                continue
            if settings.review.set_thumbnail:
                previews.set_thumbnail(
                    session, first["id"], settings.review.thumbnail_frame, task.label
                )
            if settings.review.add_to_playlist:
                name = _playlist_name(context, settings, task, members[0].version)
                previews.add_to_playlist(
                    session,
                    str(task.data.get("project_id")),
                    name,
                    str(task.data.get("entity_id")),
                    first["id"],
                    task.label,
                )
                note["playlist"] = name
            log.info("Review media on %s: %d preview(s) ready", task.label, len(done))
    if problems:
        raise ReviewFailed(
            "The notes were posted, but not all their review media: "
            + "; ".join(problems)
            + ". Attach the missing files by hand to the note in Kitsu (the task's page, "
            "'Add preview' on the comment), or publish again with the media."
        )
