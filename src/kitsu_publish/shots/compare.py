"""The shot checks: one instance's frame range, frame rate and resolution compared
with its Kitsu shot, each difference worded so that the artist knows what to do.

How the values count (docs/shot-checks.md): Kitsu's cut is ``frame_in``-``frame_out``,
both included, without handles, so the instance's ``frameStart``/``frameEnd`` must be
the cut and its handles lie outside it; with only ``nb_frames`` in Kitsu, the length is
compared. The shot's frame rate and resolution win over the project's. Frame rates
within :data:`FPS_TOLERANCE` are the same.

Pure: imports neither pyblish nor gazu.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .values import (
    KitsuShot,
    Unreadable,
    describe,
    frame_number,
    frame_rate,
    frames_text,
    rate_text,
    size_text,
)

if TYPE_CHECKING:
    from ..settings.keys import ShotSettings

__all__ = ["CHECKS", "FPS_TOLERANCE", "Finding", "Report", "check", "product_types_of", "wanted"]

#: The checks, by settings key, with how messages name them.
CHECKS = {"frame_range": "frame range", "fps": "frame rate", "resolution": "resolution"}
#: Two frame rates closer than this are the same (23.976 and 23.98).
FPS_TOLERANCE = 0.01


@dataclass(frozen=True)
class Finding:
    """One difference between an instance and its Kitsu shot, worded for the artist."""

    check: str  # a key of CHECKS
    level: str  # "error" or "warning"
    message: str


@dataclass(frozen=True)
class Report:
    """What the shot checks found for one instance.

    ``skipped``: what was not checked and why (debug lines); ``notices``: Kitsu values
    that could not be read (warnings: production can fix them); ``passed``: the checks
    that ran and found nothing.
    """

    findings: tuple[Finding, ...] = ()
    skipped: tuple[str, ...] = ()
    notices: tuple[str, ...] = ()
    passed: tuple[str, ...] = ()

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.level == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.level == "warning")


def product_types_of(data: Mapping[str, Any]) -> list[str]:
    """The instance's product types: ``productType``, ``family`` and ``families``."""
    found = [data.get("productType"), data.get("family")]
    families = data.get("families")
    if isinstance(families, (list, tuple)):
        found.extend(families)
    return [f.strip() for f in found if isinstance(f, str) and f.strip()]


def wanted(product_types: tuple[str, ...], data: Mapping[str, Any]) -> bool:
    """Is the instance one of these product types (case-insensitive)?"""
    listed = {p.lower() for p in product_types}
    return any(p.lower() in listed for p in product_types_of(data))


def check(settings: ShotSettings, shot: KitsuShot, data: Mapping[str, Any], name: str) -> Report:
    """Compare one instance's data with its Kitsu shot, as ``settings`` (the
    ``[ValidateKitsuShot]`` table) asks: every check not ``"off"``, each difference a
    :class:`Finding` at the check's level."""
    if not wanted(settings.product_types, data):
        kinds = ", ".join(product_types_of(data)) or "none"
        return Report(
            skipped=(
                f"{name}: product type ({kinds}) is not in the shot checks' product_types "
                f"({', '.join(settings.product_types) or 'none'}): not checked",
            )
        )
    if not shot.is_shot:
        return Report(skipped=(f"{name}: {describe(shot)}",))
    findings: list[Finding] = []
    skipped: list[str] = []
    passed: list[str] = []
    for key, compare in (("frame_range", _frame_range), ("fps", _fps), ("resolution", _size)):
        level = getattr(settings, key)
        if level == "off":
            continue
        try:
            problem = compare(shot, data, name)
        except _Skip as skip:
            skipped.append(f"{name}: {CHECKS[key]} not checked ({skip})")
            continue
        if problem is None:
            passed.append(CHECKS[key])
        else:
            findings.append(Finding(key, level, problem))
    notices = tuple(
        f"{problem}, which the shot checks cannot read: ask production to fix it in Kitsu"
        for problem in shot.unreadable
    )
    return Report(tuple(findings), tuple(skipped), notices, tuple(passed))


class _Skip(Exception):
    """This check has nothing to compare (why, in words)."""


def _instance(data: Mapping[str, Any], key: str, parse: Any, name: str) -> Any:
    """An instance value; an unreadable one is a problem the artist's check raises."""
    try:
        return parse(data.get(key))
    except Unreadable:
        raise _Bad(f"{name}'s {key} is {data.get(key)!r}"[:200]) from None


class _Bad(Exception):
    """The instance's own value cannot be read: the finding is that."""


def _frame_range(shot: KitsuShot, data: Mapping[str, Any], name: str) -> str | None:
    try:
        start = _instance(data, "frameStart", frame_number, name)
        end = _instance(data, "frameEnd", frame_number, name)
        before = _instance(data, "handleStart", frame_number, name) or 0
        after = _instance(data, "handleEnd", frame_number, name) or 0
    except _Bad as bad:
        return f"{bad}, not a frame number: fix it in your scene or ask your TD"
    if start is None or end is None:
        raise _Skip("no frameStart and frameEnd in its data")
    if end < start or before < 0 or after < 0:
        return (
            f"{name} has frameStart {start}, frameEnd {end}, handles {before} and {after}: "
            "not a frame range; fix it in your scene or ask your TD"
        )
    cut, length = shot.cut, shot.length
    if length is None:
        raise _Skip(
            f"Kitsu has no frame range for {shot.entity} (it needs data.frame_in and "
            "data.frame_out, or nb_frames)"
        )
    rendered = f"frames {start - before}-{end + after}"
    if before or after:
        rendered += f" ({start}-{end} with handles of {before} and {after})"
    fps = shot.fps
    rate = f", {rate_text(fps[0])} fps" if fps else ""
    ask = "or ask production to update the shot in Kitsu."
    if cut is None:
        count = end - start + 1
        if count == length:
            return None
        off = _more_or_fewer(count - length)
        return (
            f"{name} renders {frames_text(count)} ({rendered}), {off}: Kitsu's cut for "
            f"{shot.entity} is {frames_text(length)} long{rate} (Kitsu has only its length, "
            f"no frame in and out). Render {frames_text(length)}, {ask}"
        )
    if (start, end) == cut:
        return None
    hint = " between your handles" if before or after else ""
    return (
        f"{name} renders {rendered}; Kitsu's cut for {shot.entity} is {cut[0]}-{cut[1]} "
        f"({frames_text(length)}{rate}), so it {_offsets(start, end, cut)}. Render the cut "
        f"range{hint}, {ask}"
    )


def _more_or_fewer(difference: int) -> str:
    word = "too many" if difference > 0 else "too few"
    return f"{frames_text(abs(difference))} {word}"


def _offsets(start: int, end: int, cut: tuple[int, int]) -> str:
    words = []
    for verb, ours, theirs in (("starts", start, cut[0]), ("ends", end, cut[1])):
        if ours != theirs:
            when = "late" if ours > theirs else "early"
            words.append(f"{verb} {frames_text(abs(ours - theirs))} {when}")
    return " and ".join(words)


def _whose(source: str) -> tuple[str, str]:
    """(how the message names whose value it is, what production would update)."""
    if source == "shot":
        return "the shot's", "the shot"
    return "the project's: the shot has none", "the shot or the project"


def _fps(shot: KitsuShot, data: Mapping[str, Any], name: str) -> str | None:
    try:
        rate = _instance(data, "fps", frame_rate, name)
    except _Bad as bad:
        return f"{bad}, not a frame rate: fix it in your scene or ask your TD"
    if rate is None:
        raise _Skip("no fps in its data")
    kitsu = shot.fps
    if kitsu is None:
        raise _Skip(f"Kitsu has no frame rate for {shot.entity} (shot or project)")
    if abs(rate - kitsu[0]) < FPS_TOLERANCE:
        return None
    whose, update = _whose(kitsu[1])
    wanted_rate = rate_text(kitsu[0])
    return (
        f"{name} is at {rate_text(rate)} fps; Kitsu's frame rate for {shot.entity} is "
        f"{wanted_rate} fps ({whose}). Render at {wanted_rate} fps, or ask production "
        f"to update {update} in Kitsu."
    )


def _size(shot: KitsuShot, data: Mapping[str, Any], name: str) -> str | None:
    try:
        width = _instance(data, "resolutionWidth", frame_number, name)
        height = _instance(data, "resolutionHeight", frame_number, name)
    except _Bad as bad:
        return f"{bad}, not a number of pixels: fix it in your scene or ask your TD"
    if width is None or height is None:
        raise _Skip("no resolutionWidth and resolutionHeight in its data")
    if width < 1 or height < 1:
        return f"{name} is {width}x{height}, not a resolution: fix it in your scene or ask your TD"
    kitsu = shot.resolution
    if kitsu is None:
        raise _Skip(f"Kitsu has no resolution for {shot.entity} (shot or project)")
    if (width, height) == kitsu[0]:
        return None
    whose, update = _whose(kitsu[1])
    size = size_text(kitsu[0])
    return (
        f"{name} is {width}x{height}; Kitsu's resolution for {shot.entity} is {size} "
        f"({whose}). Render at {size}, or ask production to update {update} in Kitsu."
    )
