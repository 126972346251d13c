"""Review media: which files of a publish go onto which task's note, and are they fit.

Pure: reads instance data and the file system, imports neither pyblish nor gazu. The
uploading is :mod:`kitsu_publish.previews`.

An instance's review media are, in order: its ``representations`` tagged
``kitsureview`` (the ``published_path``, else ``stagingDir`` joined with ``files``,
the first file of a sequence), then the paths listed in ``instance.data["kitsuReview"]``.
All media of one task go onto that task's one comment: the first as its preview, the
others as extra previews of the same revision.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "FILE_EXTENSIONS",
    "MAX_UPLOAD_BYTES",
    "MOVIE_EXTENSIONS",
    "PICTURE_EXTENSIONS",
    "REVIEW_TAG",
    "Medium",
    "check",
    "kind",
    "media_of",
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
    if isinstance(files, Sequence) and files and isinstance(files[0], str):
        return sorted(files)[0]
    return ""


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


def check(medium: Medium) -> str | None:
    """None when Kitsu can take the file, else the problem in words for the artist."""
    where = f"instance '{medium.instance}', {medium.source}"
    path = medium.path
    if not path:
        return f"{where}: the review file has no path (no published_path, stagingDir or files)"
    if not os.path.exists(path):
        return f"{where}: the review file {path} does not exist"
    if not os.path.isfile(path):
        return f"{where}: the review file {path} is not a file"
    if not os.access(path, os.R_OK):
        return f"{where}: the review file {path} cannot be read (permissions)"
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
