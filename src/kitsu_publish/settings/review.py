"""The ``[IntegrateKitsuReview]`` table: review media on the posted note (read by
:mod:`kitsu_publish.flow.media`; the project settings they meet: docs/review.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .kinds import Boolean, Choice, Frame, Table, Text

__all__ = ["EXTRA_MEDIA", "REVIEW_TABLE", "REVISIONS", "ReviewSettings"]

REVISIONS = ("auto", "version")
#: What a note's extra review media do on a project of one preview per revision.
EXTRA_MEDIA = ("fail", "attach")

REVIEW_TABLE = Table(
    "IntegrateKitsuReview",
    "Review media (movies, pictures) uploaded onto the posted note.",
    [
        Boolean(
            "enabled",
            "Check and upload each note's review media onto its comment; false: no media "
            "are checked or uploaded (the notes are still posted).",
            default=True,
        ),
        Boolean(
            "normalize_movie",
            "Let Kitsu re-encode movies to its review format; false sends normalize=false.",
            default=True,
        ),
        Choice(
            "revision",
            "The preview revision: 'auto' (Kitsu numbers it) or 'version' (the published "
            "version of the task's first instance; a revision the task already has fails "
            "validation).",
            REVISIONS,
            default="auto",
        ),
        Boolean(
            "set_thumbnail",
            "Make the first preview the thumbnail of the task's entity.",
            default=False,
        ),
        Frame(
            "thumbnail_frame",
            "With set_thumbnail: the frame of a movie to use (1 or more). Default: none.",
        ),
        Text(
            "add_to_playlist",
            "A playlist name template (Jinja, like the comment template), e.g. "
            "'{{ date }} dailies': the entity with its preview is added to that playlist "
            "of the project, made when missing. Variables: date (YYYY-MM-DD), project, "
            "entity, task_type, version, user. Surrounding spaces are stripped; empty: no "
            "playlist.",
            default="",
            strip=True,
        ),
        Choice(
            "extra_media",
            "A note with more than one review file on a Kitsu project that takes one "
            "preview per revision (its setting is_single_preview_per_revision): 'fail' "
            "(validation fails, nothing is posted) or 'attach' (the first file is the "
            "preview, the others are attached to the note). No effect on other projects.",
            EXTRA_MEDIA,
            default="fail",
        ),
    ],
    build=lambda **fields: ReviewSettings(**fields),
    field="review",
)


def _default(name: str) -> Any:
    return REVIEW_TABLE.key(name).default


@dataclass(frozen=True)
class ReviewSettings:
    """The ``[IntegrateKitsuReview]`` table: review media on the note's comment."""

    enabled: bool = _default("enabled")
    normalize_movie: bool = _default("normalize_movie")
    revision: str = _default("revision")  # "auto" or "version"
    set_thumbnail: bool = _default("set_thumbnail")
    thumbnail_frame: int | None = _default("thumbnail_frame")
    add_to_playlist: str = _default("add_to_playlist")  # empty: no playlist
    extra_media: str = _default("extra_media")  # "fail" or "attach"
