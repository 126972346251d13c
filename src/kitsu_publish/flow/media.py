"""Review media: checked with the notes in validation, uploaded onto each posted note.

Validation works out, once per publish, each task's media and playlist name and keeps
them in the publish state; the review integrator uploads exactly what was checked.
"""

from __future__ import annotations

import datetime
import logging
import os
from functools import partial
from typing import Any

from .. import parallel, plan, review, template
from ..errors import KitsuPublishError, ReviewFailed, nothing_posted
from ..model import NoteRecord, TaskInfo
from ..settings import Settings
from ..state import PublishState, state_of
from .common import earlier_failures, kept_groups, media_key, review_media
from .notes import RELAYED

__all__ = ["integrate_review", "validate_review"]


def _enabled(state: PublishState) -> bool:
    settings = state.settings
    return bool(
        state.session is not None
        and settings is not None
        and settings.enabled
        and settings.review.enabled
    )


def _playlist_name(context: Any, settings: Settings, task: TaskInfo, version: Any) -> str:
    variables = {
        "date": datetime.date.today().isoformat(),
        "project": task.project,
        "entity": task.entity,
        "task_type": task.task_type,
        "version": version,
        "user": plan.user_name(context.data),
    }
    name = template.render_jinja(
        settings.review.add_to_playlist, variables, where=f"add_to_playlist, {task.label}"
    ).strip()
    if not name:
        raise ReviewFailed(f"add_to_playlist renders an empty playlist name for {task.label}")
    return name


def validate_review(context: Any, log: logging.Logger) -> None:
    """Every review file exists, is readable, is a type Kitsu takes, and fits; revisions."""
    state = state_of(context)
    if not _enabled(state):
        return
    session, settings = state.session, state.settings
    assert session is not None and settings is not None
    problems: list[str] = []
    state.playlists = {}
    with session.step("checking the review media"):
        with_media = []
        for group in kept_groups(context, settings):
            media = review_media(state, settings, group)
            if media is not None and media.previews:
                with_media.append((*group, media))
        taken: dict[str, set[int]] = {}
        if with_media and settings.review.revision == "version":
            taken = session.existing_revisions([t.id for t, _, _ in with_media])
        automated: set[str] = set()
        for task, members, media in with_media:
            # the attached ones are checked as the note's files (ValidateKitsuNote)
            problems.extend(p for p in map(review.check, media.previews) if p)
            count = len(media.previews) + len(media.attached)
            log.info("%s: %d review file(s)", task.label, count)
            if media.attached:
                log.info(
                    "%s: %s attached to the note instead of uploaded as previews: %s",
                    task.label,
                    ", ".join(os.path.basename(m.path) for m in media.attached),
                    media.reason,
                )
            rules = review.project_rules(task.data)
            too_many = review.too_many_media(media.previews, rules, task.label)
            problems.extend(p for p in [too_many] if p)
            if rules.preview_automated and settings.review.set_thumbnail:
                automated.add(rules.project)
            if settings.review.add_to_playlist:
                name = _playlist_name(context, settings, task, members[0].version)
                state.playlists[media_key(task.id, [m.name for m in members])] = name
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
    for project in sorted(automated):
        log.info(
            "Kitsu sets the thumbnails of project '%s' itself (%s): set_thumbnail makes no "
            "request there%s",
            project,
            review.PREVIEW_AUTOMATED,
            " and thumbnail_frame is not used" if settings.review.thumbnail_frame else "",
        )
    if problems:
        raise nothing_posted(ReviewFailed(" ".join(f"{p}." for p in problems)))


def integrate_review(context: Any, log: logging.Logger) -> None:
    """Upload each posted note's review media onto its comment, as one unit with it."""
    state = state_of(context)
    if not _enabled(state):
        return
    failed = [name for name in earlier_failures(context) if name != "IntegrateKitsuNote"]
    if failed:
        log.warning("Review media not uploaded: an earlier step failed (%s)", ", ".join(failed))
        return
    session = state.session
    assert session is not None
    problems: list[str] = []
    try:
        with session.step("uploading the review media"):
            _upload_all(context, state, problems, log)
    finally:
        context.data["kitsuNotes"] = [n.as_data() for n in state.notes]
    if problems:
        raise ReviewFailed(
            "The notes were posted, but not all their review media: "
            + "; ".join(problems)
            + ". Attach the missing files by hand to the note in Kitsu (the task's page, "
            "'Add preview' on the comment), or publish again with the media."
        )


def _upload_all(
    context: Any, state: PublishState, problems: list[str], log: logging.Logger
) -> None:
    session, settings = state.session, state.settings
    assert session is not None and settings is not None
    work: list[tuple[NoteRecord, list[review.Medium], int | None]] = []
    for record in state.notes:
        task = record.task
        key = media_key(task.id, record.instances)
        planned = state.planned.get(key)
        if planned is None:
            continue
        split = state.media.get(key)
        media = list(split.previews) if split is not None else []
        if not media:
            continue
        if state.options.dry_run:
            log.info("Dry run, not uploaded to %s: %s", task.label, [m.path for m in media])
            continue
        if not record.posted or record.comment_id is None:
            continue  # its note was not posted: the note integrator said so
        version = planned.members[0].version
        work.append((record, media, version if settings.review.revision == "version" else None))
    # The tasks' files go up to max_parallel_requests at a time, each task's in turn (its
    # extra files join its first file's revision); a failed upload stops only its task.
    total, first = sum(len(m) for _, m, _ in work), 1
    jobs = []
    for record, media, revision in work:
        jobs.append(partial(_upload_task, state, record, media, revision, (first, total), log))
        first += len(media)
    ran = parallel.run(jobs, settings.max_parallel_requests, loggers=(log, *RELAYED))
    uploaded: list[tuple[NoteRecord, list[dict[str, Any]]]] = []
    for (record, media, _), done in zip(work, ran):
        previews, problem = done.value if done.ok else ([], None)
        if problem:
            problems.append(problem)
        record.previews = [
            {"id": p["id"], "path": m.path, "revision": p.get("revision"), "status": "uploaded"}
            for p, m in zip(previews, media)
        ]
        if previews:
            uploaded.append((record, previews))
    for done in ran:
        if done.error is not None:  # not Kitsu's answer: a fault of the library
            raise done.error
    states = {p["id"]: p for p in session.wait_processed([p for _, d in uploaded for p in d], log)}
    for record, previews in uploaded:
        _finish(context, state, record, previews, states, problems, log)


def _upload_task(
    state: PublishState,
    record: NoteRecord,
    media: list[review.Medium],
    revision: int | None,
    numbers: tuple[int, int],
    log: logging.Logger,
) -> tuple[list[dict[str, Any]], str | None]:
    """Upload one task's files onto its note, in turn (in a worker thread when uploading
    in parallel): the previews made, and the problem that stopped them, if any."""
    session, settings = state.session, state.settings
    assert session is not None and settings is not None and record.comment_id is not None
    task = record.task
    first, total = numbers
    done: list[dict[str, Any]] = []
    try:
        for index, medium in enumerate(media):
            name, size = os.path.basename(medium.path), _size(medium.path)
            log.info(
                "Uploading %d of %d%s: %s to %s", first + index, total, size, name, task.label
            )
            done.append(
                session.upload(
                    task.id,
                    record.comment_id,
                    medium.path,
                    task.label,
                    log,
                    revision=revision if index == 0 else None,
                    reference=done[0]["id"] if done else None,
                    normalize_movie=settings.review.normalize_movie,
                )
            )
    except KitsuPublishError as exc:
        return done, f"{task.label}: {exc}"
    return done, None


def _size(path: str) -> str:
    """`` (42 MB)``: a file's size for the progress lines (nothing when unreadable)."""
    try:
        size = os.path.getsize(path)
    except OSError:
        return ""
    if size >= 10_000_000:
        return f" ({size / 1e6:.0f} MB)"
    if size >= 100_000:
        return f" ({size / 1e6:.1f} MB)"
    return f" ({max(1, round(size / 1000))} kB)"


def _finish(
    context: Any,
    state: PublishState,
    record: NoteRecord,
    done: list[dict[str, Any]],
    states: dict[str, dict[str, Any]],
    problems: list[str],
    log: logging.Logger,
) -> None:
    """After processing: each preview's state; the thumbnail and playlist of the first."""
    from ..kitsu.previews import PROCESSING_WAIT

    session, settings = state.session, state.settings
    assert session is not None and settings is not None and record.previews is not None
    task = record.task
    for preview in record.previews:
        preview["status"] = states[preview["id"]].get("status") or "ready"
        file = os.path.basename(preview["path"])
        problem = review.processing_problem(preview["status"], file, PROCESSING_WAIT)
        if problem:
            problems.append(f"{task.label}: {problem}")
    first = record.previews[0]
    if first["status"] != "ready":
        return
    if settings.review.set_thumbnail and not review.project_rules(task.data).preview_automated:
        session.set_thumbnail(first["id"], settings.review.thumbnail_frame, task.label)
    if settings.review.add_to_playlist:
        key = media_key(task.id, record.instances)
        name = state.playlists.get(key)
        if name is None:
            version = state.planned[key].members[0].version
            name = _playlist_name(context, settings, task, version)
        session.add_to_playlist(
            str(task.data.get("project_id")),
            name,
            str(task.data.get("entity_id")),
            first["id"],
            task.label,
        )
        record.playlist = name
    log.info("Review media on %s: %d preview(s) ready", task.label, len(done))
