"""Review media: which files of a publish go onto which task's note, and are they fit.

Pure: reads instance data and the file system, imports neither pyblish nor gazu. The
uploading is :mod:`kitsu_publish.kitsu.previews`.

An instance's review media are, in order: its ``representations`` tagged
``kitsureview`` (the ``published_path``, else ``stagingDir`` joined with ``files``,
the first file of a sequence), then the paths listed in ``instance.data["kitsuReview"]``.
All media of one task go onto that task's one comment: the first as its preview, the
others as extra previews of the same revision; on a project that takes one preview per
revision, with ``[IntegrateKitsuReview] extra_media = "attach"``, the others are
attached to the note instead (:func:`split`).

Also here, in words for the artist: the Kitsu project settings that change what a
preview may do (:class:`ProjectRules`, read from the task's project record), and what
each end of Kitsu's processing means (:func:`processing_problem`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "DELETED",
    "FILE_EXTENSIONS",
    "FINAL_STATUSES",
    "MAX_UPLOAD_BYTES",
    "MOVIE_EXTENSIONS",
    "PICTURE_EXTENSIONS",
    "REVIEW_TAG",
    "Medium",
    "ProjectRules",
    "Split",
    "check",
    "deleted_by_kitsu",
    "kind",
    "media_of",
    "note_media",
    "processing_problem",
    "project_rules",
    "single_preview_refused",
    "split",
    "too_many_media",
    "unreadable",
]

REVIEW_TAG = "kitsureview"

#: What Kitsu (Zou 1.0.97) turns into previews: pictures and movies; other files of
#: these types it stores as they are (shown as a download). Anything else it refuses.
PICTURE_EXTENSIONS = frozenset({"jpe", "jpeg", "jpg", "png"})
MOVIE_EXTENSIONS = frozenset({"avi", "m4v", "mkv", "mov", "mp4", "webm", "wmv"})
FILE_EXTENSIONS = frozenset(
    {
        "ae", "ai", "blend", "clip", "comp", "diff", "exr", "fbx", "fla", "flv", "gif",
        "glb", "gltf", "hip", "kra", "ma", "mb", "mp3", "obj", "pdf", "psd", "rar",
        "sbbkp", "svg", "swf", "tga", "tif", "tiff", "usd", "usda", "usdc", "usdz", "wav",
        "zip",
    }
)  # fmt: skip

#: Zou's default request size limit (MAX_CONTENT_LENGTH, 10 GiB). A proxy in front of
#: a studio's Kitsu may allow less; Kitsu then answers 413, reported at upload.
MAX_UPLOAD_BYTES = 10 * 1024**3

#: The statuses a preview file ends in (Zou 1.0.97: ``processing`` until then).
#: ``missing``: its file is gone from Kitsu's storage (set by the server's maintenance).
FINAL_STATUSES = frozenset({"ready", "broken", "missing"})
#: What the publish records for a preview whose row Kitsu deleted while processing it
#: (not a status of Kitsu's: the preview is no more).
DELETED = "deleted"
#: The project settings, as Zou 1.0.97 names them.
SINGLE_PREVIEW = "is_single_preview_per_revision"
PREVIEW_AUTOMATED = "is_set_preview_automated"
#: ``[IntegrateKitsuReview] extra_media``: the extra media go on the note as attachments.
ATTACH = "attach"


@dataclass(frozen=True)
class Medium:
    """One review file of an instance, and where the path came from (for messages)."""

    path: str
    instance: str
    source: str  # "representation 'mov'" or "kitsuReview[0]"


def kind(path: str) -> str | None:
    """ "picture", "movie", "file" (stored as is) or None (Kitsu refuses it)."""
    extension = os.path.splitext(path)[1].lower().lstrip(".")
    if extension in PICTURE_EXTENSIONS:
        return "picture"
    if extension in MOVIE_EXTENSIONS:
        return "movie"
    if extension in FILE_EXTENSIONS:
        return "file"
    return None


def _first_file(files: Any) -> str:
    if isinstance(files, str):
        return files
    if isinstance(files, Sequence) and files and all(isinstance(f, str) for f in files):
        return sorted(files)[0]
    return ""  # none, or not all names: check() says the representation has no file


def media_of(instance_data: Mapping[str, Any], instance: str) -> list[Medium]:
    """The review media of one instance, in order, without duplicates."""
    found: list[Medium] = []
    for representation in instance_data.get("representations") or ():
        if not isinstance(representation, Mapping):
            continue
        tags = representation.get("tags") or ()
        if REVIEW_TAG not in tags:
            continue
        name = representation.get("name") or representation.get("ext") or "?"
        path = representation.get("published_path") or ""
        if not path:
            staging, first = (
                representation.get("stagingDir") or "",
                _first_file(representation.get("files")),
            )
            path = os.path.join(str(staging), first) if staging and first else ""
        found.append(Medium(str(path), instance, f"representation '{name}'"))
    listed = instance_data.get("kitsuReview") or ()
    if isinstance(listed, str):
        listed = [listed]
    for index, path in enumerate(listed if isinstance(listed, Iterable) else ()):
        found.append(Medium(str(path), instance, f"kitsuReview[{index}]"))
    unique: dict[str, Medium] = {}
    for index, medium in enumerate(found):
        unique.setdefault(os.path.normpath(medium.path) if medium.path else f"#{index}", medium)
    return list(unique.values())


def note_media(members: Iterable[Any]) -> list[Medium]:
    """The review media of a note: those of its local instances (``Member``s), in
    publish order. A farm instance's are not rendered yet: its farm job uploads them."""
    found: list[Medium] = []
    for member in members:
        if not member.farm:
            found.extend(media_of(member.data, member.name))
    return found


def unreadable(path: str, what: str, where: str) -> str | None:
    """None when ``path`` names a readable file, else why not, for the artist (``what``:
    "the review file", "the attachment"; ``where``: the instance and the source)."""
    if not path:
        return f"{where}: {what} has no path (no published_path, stagingDir or files)"
    if not os.path.exists(path):
        return f"{where}: {what} {path} does not exist"
    if not os.path.isfile(path):
        return f"{where}: {what} {path} is not a file"
    if not os.access(path, os.R_OK):
        return f"{where}: {what} {path} cannot be read (permissions)"
    return None


def check(medium: Medium) -> str | None:
    """None when Kitsu can take the file, else the problem in words for the artist."""
    where = f"instance '{medium.instance}', {medium.source}"
    path = medium.path
    problem = unreadable(path, "the review file", where)
    if problem is not None:
        return problem
    if kind(path) is None:
        known = ", ".join(sorted(PICTURE_EXTENSIONS | MOVIE_EXTENSIONS))
        return (
            f"{where}: Kitsu does not take files like {os.path.basename(path)} as review "
            f"media (pictures and movies: {known}; or a file type Kitsu stores as is)"
        )
    size = os.path.getsize(path)
    if size == 0:
        return f"{where}: the review file {path} is empty"
    if size > MAX_UPLOAD_BYTES:
        return (
            f"{where}: the review file {path} is {size / 1024**3:.1f} GiB, over Kitsu's "
            f"upload limit of {MAX_UPLOAD_BYTES // 1024**3} GiB"
        )
    return None


@dataclass(frozen=True)
class ProjectRules:
    """The settings of a Kitsu project that change what review media may do.

    ``single_preview_per_revision``: Kitsu refuses a second preview on one revision, so
    a note takes one review file. ``preview_automated``: Kitsu makes each task's new
    preview the thumbnail of its entity itself. Both are off on a new project, and on a
    Kitsu older than the setting (its project records do not have the key).
    """

    project: str = ""
    single_preview_per_revision: bool = False
    preview_automated: bool = False


def project_rules(task_data: Mapping[str, Any]) -> ProjectRules:
    """The rules of the task's project, from the project record the task carries (its
    ``tasks/<id>/full`` shape): no request. Only a JSON ``true`` switches a rule on."""
    project = task_data.get("project")
    if not isinstance(project, Mapping):
        return ProjectRules()
    return ProjectRules(
        str(project.get("name") or ""),
        project.get(SINGLE_PREVIEW) is True,
        project.get(PREVIEW_AUTOMATED) is True,
    )


def _one_per_revision(project: str) -> str:
    named = f" '{project}'" if project else ""
    return (
        f"its Kitsu project{named} takes one preview per revision (the production "
        f"setting {SINGLE_PREVIEW})"
    )


@dataclass(frozen=True)
class Split:
    """A note's review media: its ``previews`` (the first is the preview, the others
    extra previews of its revision), and those ``attached`` to the note instead, with
    the ``reason`` why (empty when none are)."""

    previews: tuple[Medium, ...] = ()
    attached: tuple[Medium, ...] = ()
    reason: str = ""


def split(media: Sequence[Medium], rules: ProjectRules, extra_media: str) -> Split:
    """A note's media as previews and attached files.

    With ``extra_media = "attach"`` on a project that takes one preview per revision,
    the first medium is the preview and the others are attached; else every medium is a
    preview (and :func:`too_many_media` judges them)."""
    if extra_media == ATTACH and rules.single_preview_per_revision and len(media) > 1:
        why = f"{_one_per_revision(rules.project)}, and extra_media = '{ATTACH}'"
        return Split((media[0],), tuple(media[1:]), why)
    return Split(tuple(media))


def too_many_media(media: Sequence[Medium], rules: ProjectRules, label: str) -> str | None:
    """None when Kitsu takes these media on one note, else why not, in words."""
    if not rules.single_preview_per_revision or len(media) < 2:
        return None
    files = "; ".join(
        f"{os.path.basename(m.path) or '?'} (instance '{m.instance}', {m.source})" for m in media
    )
    return (
        f"{label} has {len(media)} review files ({files}), and "
        f"{_one_per_revision(rules.project)}: Kitsu would refuse all but the first after "
        "the note is posted. Publish one review file for this task, ask your TD to set "
        f"extra_media = '{ATTACH}' in [IntegrateKitsuReview] (the first file is then the "
        "preview and the others are attached to the note), or ask your production "
        f"manager to switch {SINGLE_PREVIEW} off in the production's settings"
    )


def single_preview_refused(name: str, label: str) -> str:
    """Kitsu refused an extra preview on one revision (the setting changed since
    validation, or another preview landed on the revision meanwhile)."""
    return f"Kitsu refused {name} as an extra preview on {label}: {_one_per_revision('')}"


def deleted_by_kitsu(
    name: str, label: str, status: int | None, *, retrying: bool = False, twice: bool = False
) -> str:
    """Kitsu failed to process an upload and deleted its preview (Zou answers such a
    failure with HTTP 500, ``PreviewProcessingFailedException``, and removes the row)."""
    http = f" (HTTP {status})" if status else ""
    said = f"Kitsu could not process {name} on {label} and deleted its preview{http}"
    if retrying:
        return f"{said}; trying once more on a new preview"
    return (
        f"{said}{', on both tries' if twice else ''}: check that the file plays (a "
        "damaged or unusual movie), or ask your Kitsu administrator (the server's log "
        "names PreviewProcessingFailedException)"
    )


def processing_problem(status: str | None, name: str, waited: float) -> str | None:
    """What a preview's state after the wait means for the artist; None when ready."""
    if status == "broken":
        return (
            f"Kitsu could not process {name} (preview broken; a movie without an audio "
            "track and with B-frames breaks on some Kitsu servers: see docs/review.md)"
        )
    if status == "missing":
        return (
            f"Kitsu lost {name}: its preview is marked missing (the uploaded file is gone "
            "from Kitsu's storage; ask your Kitsu administrator to check the storage)"
        )
    if status == DELETED:
        return (
            f"Kitsu deleted the preview of {name} while processing it (the processing "
            "failed on the server; its log names why)"
        )
    if status == "processing":
        return f"Kitsu is still processing {name} after {waited:g} s"
    return None
