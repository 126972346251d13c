"""The shot checks of a publish: each instance against its Kitsu shot, in validation.

Reads only what collection kept (the instance's task, with its entity and project as
the publish read them): no request to Kitsu. :mod:`kitsu_publish.shots` compares; here
its report meets pyblish: what is skipped goes to DEBUG, a check set to ``"warning"``
to WARNING, one set to ``"error"`` fails the validator (the instance's one error).
"""

from __future__ import annotations

import logging
from typing import Any

from .. import plan, shots
from ..errors import ShotMismatch, nothing_posted
from ..state import state_of
from .common import name

__all__ = ["validate_shot"]


def validate_shot(instance: Any, log: logging.Logger) -> None:
    """Compare this (active) instance with its Kitsu shot, as ``[ValidateKitsuShot]`` asks."""
    state = state_of(instance.context)
    settings = state.settings
    if settings is None or not settings.enabled or not settings.shot.enabled:
        return
    if not plan.is_active(instance.data):
        return
    task = state.item(instance).task
    if task is None:  # no Kitsu target, or ValidateKitsuTargets says why there is no task
        return
    label = name(instance)
    shot = shots.kitsu_shot(task)
    report = shots.check(settings.shot, shot, instance.data, label)
    for line in report.skipped:
        log.debug("%s", line)
    for line in report.notices:
        log.warning("%s", line)
    for finding in report.warnings:
        log.warning("%s", finding.message)
    if report.passed:
        log.info("%s matches Kitsu's shot %s: %s", label, shot.entity, ", ".join(report.passed))
    if report.errors:
        raise nothing_posted(ShotMismatch(" ".join(f.message for f in report.errors)))
