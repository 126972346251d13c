"""Shot checks: an instance's frame range, frame rate and resolution against its Kitsu
shot, from the records the publish already read (the task's entity and project).

Two modules: :mod:`.values` reads Kitsu's values for a task (:func:`kitsu_shot`), says
them in one line (:func:`describe`) and makes the template variables ``shot`` and
``project``; :mod:`.compare` compares one instance with them (:func:`check`) and words
each difference for the artist. Only the names below are public.

Pure: imports neither pyblish nor gazu.
"""

from __future__ import annotations

from .compare import CHECKS, FPS_TOLERANCE, Finding, Report, check, product_types_of, wanted
from .values import (
    KitsuShot,
    ProjectName,
    describe,
    kitsu_shot,
    offline_records,
    project_variable,
    shot_variable,
)

__all__ = [
    "CHECKS",
    "FPS_TOLERANCE",
    "Finding",
    "KitsuShot",
    "ProjectName",
    "Report",
    "check",
    "describe",
    "kitsu_shot",
    "offline_records",
    "product_types_of",
    "project_variable",
    "shot_variable",
    "wanted",
]
