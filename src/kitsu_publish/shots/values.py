"""Kitsu's values for a task's entity: the shot's cut, frame rate and resolution, and
the project's, read from the records the publish already has; and the template
variables ``shot`` and ``project``.

Kitsu keeps each shot's cut on the shot (``nb_frames``; ``data.frame_in``,
``data.frame_out``, ``data.fps``, ``data.resolution``) and the production's format on
the project (``fps``, ``resolution``, ``ratio``). :func:`kitsu_shot` reads them from a
task as the publish read it (the task's ``entity``, ``entity_type`` and ``project``);
values that are not what their key holds count as absent and are named for production.

Pure: imports neither pyblish nor gazu.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from ..model import TaskInfo

__all__ = [
    "KitsuShot",
    "ProjectName",
    "Unreadable",
    "describe",
    "frame_number",
    "frame_rate",
    "frames_text",
    "is_absent",
    "kitsu_shot",
    "offline_records",
    "plain_number",
    "project_variable",
    "rate_text",
    "resolution_of",
    "shot_variable",
    "size_text",
]

_MAX_FRAME = 10**9
_RESOLUTION = re.compile(r"\s*(\d{1,6})\s*[xX\u00d7*]\s*(\d{1,6})\s*")
_DIGITS = re.compile(r"\s*[+-]?\d{1,10}\s*")
_RATE = re.compile(r"\s*(\d{1,6}(?:\.\d{1,9})?)\s*(?:/\s*(\d{1,6}(?:\.\d{1,9})?)\s*)?")


class Unreadable(ValueError):
    """A value that is there but is not what its key holds."""


# --- reading values ---------------------------------------------------------------------


def is_absent(value: Any) -> bool:
    """None and blank text count as absent."""
    return value is None or (isinstance(value, str) and not value.strip())


def frame_number(value: Any) -> int | None:
    """A frame number or a count: an int, a whole float or digits; None when absent."""
    if is_absent(value):
        return None
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and _DIGITS.fullmatch(value):
        number = int(value.strip())
    if number is None or abs(number) >= _MAX_FRAME:
        raise Unreadable(value)
    return number


def frame_rate(value: Any) -> float | None:
    """A frame rate: a number, or text like ``25``, ``23.976`` or ``24000/1001``."""
    if is_absent(value):
        return None
    rate: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        rate = float(value)
    elif isinstance(value, str):
        match = _RATE.fullmatch(value)
        if match:
            top, bottom = float(match.group(1)), float(match.group(2) or 1)
            rate = top / bottom if bottom else None
    if rate is None or not math.isfinite(rate) or not 0 < rate <= 1000:
        raise Unreadable(value)
    return rate


def resolution_of(value: Any) -> tuple[int, int] | None:
    """A resolution written ``1920x1080``; None when absent."""
    if is_absent(value):
        return None
    match = _RESOLUTION.fullmatch(value) if isinstance(value, str) else None
    if match is None or not all(int(n) for n in match.groups()):
        raise Unreadable(value)
    return int(match.group(1)), int(match.group(2))


def plain_number(value: float) -> int | float:
    """A rate as people write it: 25, 23.976."""
    return int(value) if value.is_integer() else round(value, 3)


def rate_text(value: float) -> str:
    """A frame rate in a message: ``25``, ``23.976``."""
    return f"{plain_number(value)}"


def size_text(size: tuple[int, int]) -> str:
    return f"{size[0]}x{size[1]}"


def frames_text(count: int) -> str:
    return f"{count} frame" if count == 1 else f"{count} frames"


# --- Kitsu's side -----------------------------------------------------------------------


@dataclass(frozen=True)
class KitsuShot:
    """Kitsu's values for one task's entity, as the publish read them.

    ``unreadable``: values Kitsu holds that are not what their key holds (they count as
    absent), in words for production.
    """

    entity: str  # how messages name it: SQ010/SH020
    kind: str  # Kitsu's entity type name: Shot, or an asset type, Sequence, ...
    frame_in: int | None = None
    frame_out: int | None = None
    nb_frames: int | None = None
    shot_fps: float | None = None
    project_fps: float | None = None
    shot_resolution: tuple[int, int] | None = None
    project_resolution: tuple[int, int] | None = None
    ratio: str | None = None
    unreadable: tuple[str, ...] = ()

    @property
    def is_shot(self) -> bool:
        return self.kind.lower() == "shot"

    @property
    def cut(self) -> tuple[int, int] | None:
        """The cut's first and last frame (both included), when Kitsu has them.

        ``frame_in`` and ``frame_out`` when both are set; one of them with
        ``nb_frames`` gives the other.
        """
        first, last, length = self.frame_in, self.frame_out, self.nb_frames
        if first is not None and last is not None:
            return (first, last) if last >= first else None
        if length is None or length < 1:
            return None
        if first is not None:
            return first, first + length - 1
        if last is not None:
            return last - length + 1, last
        return None

    @property
    def length(self) -> int | None:
        """The cut's length in frames: from the cut, else ``nb_frames``."""
        cut = self.cut
        if cut is not None:
            return cut[1] - cut[0] + 1
        return self.nb_frames if self.nb_frames is not None and self.nb_frames > 0 else None

    @property
    def fps(self) -> tuple[float, str] | None:
        """The frame rate and whose it is (``shot``, ``project``): the shot's wins."""
        if self.shot_fps is not None:
            return self.shot_fps, "shot"
        if self.project_fps is not None:
            return self.project_fps, "project"
        return None

    @property
    def resolution(self) -> tuple[tuple[int, int], str] | None:
        """The resolution and whose it is (``shot``, ``project``): the shot's wins."""
        if self.shot_resolution is not None:
            return self.shot_resolution, "shot"
        if self.project_resolution is not None:
            return self.project_resolution, "project"
        return None


def kitsu_shot(task: TaskInfo) -> KitsuShot:
    """Kitsu's values for the task's entity, from the records the publish read with the
    task (its ``entity``, ``entity_type`` and ``project``)."""
    full = task.data
    entity = mapping(full.get("entity"))
    shot_data = mapping(entity.get("data"))
    project = mapping(full.get("project"))
    kind = str(mapping(full.get("entity_type")).get("name") or "")
    problems: list[str] = []

    def read(value: Any, where: str, parse: Any, owner: str) -> Any:
        try:
            return parse(value)
        except Unreadable:
            problems.append(f"{owner}'s {where} is {value!r}"[:200])
            return None

    shot = f"Kitsu's shot {task.entity}"
    own = f"Kitsu's project {task.project}"
    values = KitsuShot(
        entity=task.entity,
        kind=kind,
        frame_in=read(shot_data.get("frame_in"), "data.frame_in", frame_number, shot),
        frame_out=read(shot_data.get("frame_out"), "data.frame_out", frame_number, shot),
        nb_frames=read(entity.get("nb_frames"), "nb_frames", frame_number, shot),
        shot_fps=read(shot_data.get("fps"), "data.fps", frame_rate, shot),
        project_fps=read(project.get("fps"), "fps", frame_rate, own),
        shot_resolution=read(shot_data.get("resolution"), "data.resolution", resolution_of, shot),
        project_resolution=read(project.get("resolution"), "resolution", resolution_of, own),
        ratio=str(project["ratio"]) if not is_absent(project.get("ratio")) else None,
    )
    first, last = values.frame_in, values.frame_out
    if first is not None and last is not None and last < first:
        problems.append(f"{shot}'s data.frame_out {last} is before its data.frame_in {first}")
    return replace(values, unreadable=tuple(problems)) if problems else values


def mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def offline_records(given: Any, entity: str) -> dict[str, Any]:
    """The ``entity``, ``entity_type`` and ``project`` of a task for ``kitsu-publish
    render``, from the ``kitsuTask`` table of its data file (Kitsu's shape; only what
    the shot checks read is used). Without an ``entity_type``, a path with a ``/`` is
    a shot and one without an asset; an unknown path (a task id alone) is a shot."""
    task = mapping(given)
    kind = mapping(task.get("entity_type")).get("name")
    if not isinstance(kind, str) or not kind.strip():
        kind = "Asset" if entity not in ("", "?") and "/" not in entity else "Shot"
    return {
        "entity": dict(mapping(task.get("entity"))),
        "entity_type": {"name": kind},
        "project": dict(mapping(task.get("project"))),
    }


def describe(shot: KitsuShot) -> str:
    """Kitsu's values in one line, for the CLI and the action "Show the shot in Kitsu"."""
    if not shot.is_shot:
        what = f"an asset ({shot.kind})" if shot.kind else "not a shot"
        return f"{shot.entity} is {what}: no shot checks"
    cut, length = shot.cut, shot.length
    if cut is not None:
        frames = f"cut {cut[0]}-{cut[1]} ({frames_text(cut[1] - cut[0] + 1)})"
    elif length is not None:
        frames = f"cut of {frames_text(length)} (no frame in and out)"
    else:
        frames = "no frame range"
    fps, size = shot.fps, shot.resolution
    rate = f"{rate_text(fps[0])} fps (the {fps[1]}'s)" if fps else "no frame rate"
    shown = f"{size_text(size[0])} (the {size[1]}'s)" if size else "no resolution"
    line = f"{shot.entity}: {frames}, {rate}, {shown}"
    if shot.unreadable:
        line += " (not read: " + "; ".join(shot.unreadable) + ")"
    return line


# --- template variables -----------------------------------------------------------------


def shot_variable(shot: KitsuShot) -> dict[str, Any]:
    """The template variable ``shot``: the shot's own values (None for what Kitsu does
    not have, and for every value of an asset)."""
    own = shot.is_shot
    return {
        "frame_in": shot.frame_in if own else None,
        "frame_out": shot.frame_out if own else None,
        "nb_frames": shot.nb_frames if own else None,
        "fps": plain_number(shot.shot_fps) if own and shot.shot_fps is not None else None,
        "resolution": size_text(shot.shot_resolution)
        if own and shot.shot_resolution is not None
        else None,
    }


class ProjectName(str):
    """The template variable ``project``: the project's name, as text, that also has
    Kitsu's ``name``, ``fps``, ``resolution`` and ``ratio`` (None when not set)."""

    name: str
    fps: int | float | None
    resolution: str | None
    ratio: str | None

    def __new__(cls, name: str, shot: KitsuShot | None = None) -> ProjectName:
        made = super().__new__(cls, name)
        made.name = str(name)
        fps = None if shot is None else shot.project_fps
        size = None if shot is None else shot.project_resolution
        made.fps = None if fps is None else plain_number(fps)
        made.resolution = None if size is None else size_text(size)
        made.ratio = None if shot is None else shot.ratio
        return made


def project_variable(task: TaskInfo, shot: KitsuShot | None = None) -> ProjectName:
    """The template variable ``project`` of this task."""
    return ProjectName(task.project, shot if shot is not None else kitsu_shot(task))
