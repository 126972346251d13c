"""Putting files on a posted comment: one multipart POST to Zou's ``add-attachment``.

The comment is posted first (exactly once, :mod:`.comments`); its files follow in one
request, so a failed upload never posts the note again: it raises
:class:`~kitsu_publish.errors.AttachmentFailed` naming the files that are missing.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from typing import Any

from ..errors import AttachmentFailed, KitsuError
from ..model import TaskInfo
from .previews import CHUNK, UPLOAD_SECONDS_PER_MIB
from .session import Session

__all__ = ["attach"]


def attach(
    session: Session,
    task: TaskInfo,
    comment_id: str,
    paths: Sequence[str],
    report: tuple[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Attach these files (and ``report``: (file name, text)) to the posted comment;
    Kitsu's attachment records."""
    names = [os.path.basename(p) for p in paths] + ([report[0]] if report else [])
    size = sum(os.path.getsize(p) for p in paths if os.path.isfile(p)) + len(
        report[1] if report else ""
    )
    url = f"{session.url}/actions/tasks/{task.id}/comments/{comment_id}/add-attachment"
    token = (session.client.tokens or {}).get("access_token")
    headers = {"Authorization": f"Bearer {token}"}
    seconds = session.transport.request_timeout + UPLOAD_SECONDS_PER_MIB * size / CHUNK
    what = f"attaching {', '.join(names)} to the note on {task.label}"
    with contextlib.ExitStack() as files:
        try:
            parts: list[tuple[str, tuple[str, Any]]] = [
                (f"file{index}", (os.path.basename(path), files.enter_context(open(path, "rb"))))
                for index, path in enumerate(paths)
            ]
        except OSError as exc:  # gone or unreadable since validation
            why = f"{exc.filename}: {exc.strerror}"
            raise AttachmentFailed(_missing(task, names, why)) from None
        if report:
            parts.append((f"file{len(parts)}", (report[0], report[1].encode("utf-8"))))
        try:
            with session.transport.longer(seconds), session.calling(what):
                response = session.client.session.post(url, files=parts, headers=headers)
        except KitsuError as exc:
            raise AttachmentFailed(_missing(task, names, str(exc))) from None
    if response.status_code >= 400:
        raise AttachmentFailed(
            _missing(task, names, f"Kitsu answered HTTP {response.status_code}")
        )
    found = response.json()
    return [dict(a) for a in found] if isinstance(found, list) else []


def _missing(task: TaskInfo, names: list[str], why: str) -> str:
    return (
        f"the note on {task.label} was posted, but its files were not attached ({why}): "
        f"missing {', '.join(names)}. Attach them to the note in Kitsu; publishing again "
        "would post a second note"
    )
