"""Uploading review media onto a posted comment: previews, processing, thumbnail, playlist.

Talks to Kitsu through a :class:`~.session.Session` (its gazu client, its
time limits and error wording), with Zou's routes directly, so that it works the same
with every gazu version we support:

- ``POST actions/tasks/<task>/comments/<comment>/add-preview`` makes the comment's
  preview slot (``{"revision": n}`` to ask for a revision number);
- ``POST actions/tasks/<task>/comments/<comment>/preview-files/<preview>`` makes an
  extra slot in the same revision;
- ``POST pictures/preview-files/<preview>`` uploads the file (multipart, streamed, with
  progress in the log); Zou refuses a second upload into the same slot, so after a
  failed upload the empty slot is removed (``DELETE`` on the slot's route above) and the
  upload is retried once on a new slot. A movie whose processing fails may have its
  slot deleted by Kitsu itself (HTTP 500, ``PreviewProcessingFailedException``): the
  ``DELETE`` then finds no slot (404), and that is what the message says;
- ``GET data/preview-files?id=[...]`` until every status is final (``ready``,
  ``broken`` or ``missing``); a preview gone meanwhile is recorded ``deleted``;
- ``PUT actions/preview-files/<preview>/set-main-preview`` for the thumbnail, and
  ``POST actions/playlists/<playlist>/add-entity`` for a playlist.
"""

from __future__ import annotations

import logging
import mimetypes
import os
import time
import uuid
from collections.abc import Iterator
from typing import Any, Callable

from ..errors import KitsuError, ReviewFailed, ServerFailed
from ..review import DELETED, FINAL_STATUSES, deleted_by_kitsu, kind, single_preview_refused
from .session import Session

__all__ = ["ReviewFailed", "existing_revisions", "set_thumbnail", "upload", "wait_processed"]

#: Seconds an upload may take at least, and per MiB of file on top (a slow studio
#: uplink of 1 MiB/s); the request deadline of ``[kitsu] request_timeout`` is raised
#: to that for uploads.
UPLOAD_SECONDS_PER_MIB = 1.0
#: How long to wait for Kitsu to process uploaded movies, in all, and how often to ask.
PROCESSING_WAIT = 300.0
PROCESSING_POLL = 1.0
CHUNK = 1024 * 1024


class _Multipart:
    """A multipart/form-data body streamed from disk, with its length (no chunking)."""

    def __init__(self, path: str, progress: Callable[[int, int], None]) -> None:
        self.path = path
        self.progress = progress
        self.boundary = uuid.uuid4().hex
        name = os.path.basename(path).replace('"', "_")
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        self.head = (
            f"--{self.boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        ).encode()
        self.tail = f"\r\n--{self.boundary}--\r\n".encode()
        self.size = os.path.getsize(path)

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def __len__(self) -> int:
        return len(self.head) + self.size + len(self.tail)

    def __iter__(self) -> Iterator[bytes]:
        yield self.head
        sent = 0
        with open(self.path, "rb") as file:
            while True:
                chunk = file.read(CHUNK)
                if not chunk:
                    break
                sent += len(chunk)
                self.progress(sent, self.size)
                yield chunk
        yield self.tail


def _post(session: Session, path: str, data: dict[str, Any], what: str) -> dict[str, Any]:
    import gazu

    with session.calling(what):
        return dict(gazu.client.post(path, data, client=session.client))


def upload(
    session: Session,
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
    """Put one file on a comment: as its preview, or as an extra preview of ``reference``.

    A failed upload is retried once on a new preview slot, never the old one (also when
    Kitsu deleted the old one itself, which the message then says); the second failure
    raises :class:`ReviewFailed`.
    """
    name = os.path.basename(path)
    failure: Exception | None = None
    deleted = 0  # uploads whose slot Kitsu deleted itself
    for attempt in (1, 2):
        if reference is None:
            slot_path = f"actions/tasks/{task_id}/comments/{comment_id}/add-preview"
            data: dict[str, Any] = {"revision": revision} if revision else {}
        else:
            slot_path = f"actions/tasks/{task_id}/comments/{comment_id}/preview-files/{reference}"
            data = {}
        slot = _slot(session, slot_path, data, name, label)
        try:
            return _send(session, slot["id"], path, label, log, normalize_movie)
        except KitsuError as exc:
            failure = exc
            if not _remove_slot(session, task_id, comment_id, slot["id"], log):
                # Kitsu deleted the slot itself: its processing of the file failed
                deleted += 1
                status = exc.status if isinstance(exc, ServerFailed) else None
                if attempt == 1:
                    log.warning("%s", deleted_by_kitsu(name, label, status, retrying=True))
                failure = ReviewFailed(deleted_by_kitsu(name, label, status, twice=deleted == 2))
            elif attempt == 1:
                log.warning("Uploading %s to %s failed (%s); trying once more", name, label, exc)
    raise ReviewFailed(str(failure))


def _slot(
    session: Session, route: str, data: dict[str, Any], name: str, label: str
) -> dict[str, Any]:
    """A new preview slot on the comment; an extra one refused by the project's
    ``is_single_preview_per_revision`` is said so (validation checks it, but the setting
    may change in between)."""
    import gazu
    import gazu.exception as gx

    with session.calling(f"making a preview for {name} on {label}"):
        try:
            return dict(gazu.client.post(route, data, client=session.client))
        except gx.ParameterException as exc:
            if "per revision" in str(exc):
                raise ReviewFailed(single_preview_refused(name, label)) from None
            raise


def _remove_slot(
    session: Session, task_id: str, comment_id: str, preview_id: str, log: logging.Logger
) -> bool:
    """Remove an empty preview slot left by a failed upload, so the note shows none.

    False when Kitsu has no such slot any more (it deleted it itself).
    """
    import gazu
    import gazu.exception as gx

    path = f"actions/tasks/{task_id}/comments/{comment_id}/preview-files/{preview_id}"
    try:
        with session.calling("removing an empty preview slot"):
            try:
                gazu.client.delete(path, client=session.client)
            except gx.RouteNotFoundException:
                return False
    except KitsuError as exc:
        log.warning("An empty preview slot stays on the note (%s)", exc)
    return True


def _send(
    session: Session, preview_id: str, path: str, label: str, log: logging.Logger, normalize: bool
) -> dict[str, Any]:
    name = os.path.basename(path)
    size = os.path.getsize(path)
    started = time.monotonic()
    last = [started]

    def progress(sent: int, total: int) -> None:
        now = time.monotonic()
        if total > 8 * CHUNK and (now - last[0] >= 2 or sent == total):
            last[0] = now
            log.info("Uploading %s: %d of %d MiB", name, sent // CHUNK, total // CHUNK)

    body = _Multipart(path, progress)
    url = f"{session.url}/pictures/preview-files/{preview_id}"
    if kind(path) == "movie" and not normalize:
        url += "?normalize=false"
    token = (session.client.tokens or {}).get("access_token")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": body.content_type}
    seconds = session.transport.request_timeout + UPLOAD_SECONDS_PER_MIB * size / CHUNK
    with session.transport.longer(seconds), session.calling(f"uploading {name} to {label}"):
        response = session.client.session.post(url, data=body, headers=headers)
    if response.status_code == 413:
        raise ReviewFailed(
            f"Kitsu refused {name} as too big ({size / CHUNK:.0f} MiB): its upload limit "
            "(or that of a proxy in front of it) is lower; ask your Kitsu administrator"
        )
    if response.status_code >= 400:
        raise ReviewFailed(f"Kitsu refused {name} on {label} (HTTP {response.status_code})")
    log.info("Uploaded %s to %s in %.1f s", name, label, time.monotonic() - started)
    return dict(response.json())


def wait_processed(
    session: Session, previews: list[dict[str, Any]], log: logging.Logger
) -> list[dict[str, Any]]:
    """Wait (bounded) until Kitsu has processed every preview; return them as they are now.

    A preview is done when its status is final (:data:`~kitsu_publish.review.FINAL_STATUSES`:
    ``missing`` ends the wait as ``broken`` does) or its row is gone (``deleted``).
    """

    pending = {p["id"]: p for p in previews}
    done: dict[str, dict[str, Any]] = {}
    started = time.monotonic()
    last_log = started
    while pending:
        listed = {  # all in one request; one the list leaves out is read alone
            str(p["id"]): p
            for p in session.read_list(
                "data/preview-files", "id", list(pending), "reading the uploaded previews"
            )
        }
        for preview_id in list(pending):
            current = dict(listed.get(preview_id) or {})
            if not current:
                current = _read_alone(session, preview_id)
            status = current.get("status")
            if status in FINAL_STATUSES or status in (DELETED, None):
                done[preview_id] = current
                del pending[preview_id]
        if not pending:
            break
        now = time.monotonic()
        if now - started > PROCESSING_WAIT:
            for preview_id, preview in pending.items():
                done[preview_id] = {**preview, "status": "processing"}
            break
        if now - last_log >= 5:
            last_log = now
            log.info(
                "Kitsu is processing %d preview(s) (%.0f s so far)", len(pending), now - started
            )
        time.sleep(PROCESSING_POLL)
    return [done[p["id"]] for p in previews]


def _read_alone(session: Session, preview_id: str) -> dict[str, Any]:
    """A preview the list left out: read alone; recorded ``deleted`` when Kitsu has
    none any more (a movie whose processing failed)."""
    import gazu
    import gazu.exception as gx

    with session.calling("reading the state of an uploaded preview"):
        try:
            return dict(gazu.client.get(f"data/preview-files/{preview_id}", client=session.client))
        except gx.RouteNotFoundException:
            return {"id": preview_id, "status": DELETED}


def set_thumbnail(session: Session, preview_id: str, frame: int | None, label: str) -> None:
    """Make the preview the thumbnail of the task's entity."""
    import gazu

    data = {"frame_number": frame} if frame else {}
    with session.calling(f"setting the thumbnail of {label}"):
        gazu.client.put(
            f"actions/preview-files/{preview_id}/set-main-preview", data, client=session.client
        )


def existing_revisions(session: Session, task_ids: list[str]) -> dict[str, set[int]]:
    """The preview revisions already on each of these tasks (one request)."""
    found: dict[str, set[int]] = {task_id: set() for task_id in task_ids}
    for preview in session.read_list(
        "data/preview-files", "task_id", task_ids, "reading the previews of the tasks"
    ):
        if preview.get("revision") is not None and preview.get("task_id") in found:
            found[preview["task_id"]].add(int(preview["revision"]))
    return found


def add_to_playlist(
    session: Session, project_id: str, name: str, entity_id: str, preview_id: str, label: str
) -> dict[str, Any]:
    """Add the entity with this preview to the project's playlist ``name`` (made when missing)."""
    import gazu

    with session.calling(f"finding the playlist '{name}'"):
        found = gazu.client.fetch_all(
            f"projects/{project_id}/playlists", {"name": name}, client=session.client
        )
    playlist = next((p for p in found or () if p.get("name") == name), None)
    if playlist is None:
        playlist = _post(
            session,
            "data/playlists",
            {"name": name, "project_id": project_id},
            f"making the playlist '{name}'",
        )
    _post(
        session,
        f"actions/playlists/{playlist['id']}/add-entity",
        {"entity_id": entity_id, "preview_file_id": preview_id},
        f"adding {label} to the playlist '{name}'",
    )
    return playlist
