"""What each pyblish plugin does, so that the plugin files stay thin.

One module per stage: :mod:`.collect` (settings, targets and login, tasks; the
session's lifetime), :mod:`.validate` (everything checked before anything is written),
:mod:`.notes` (posting one comment per task), :mod:`.media` (review media),
:mod:`.shots` (the shot checks), and :mod:`.common` for what they share. The pure core
does the thinking, the :mod:`kitsu_publish.kitsu` package the talking; what the steps
keep between them is the publish state (:mod:`kitsu_publish.state`).

:func:`prepare` lets a caller (the CLI, a test) choose the run options of a publish
instead of the environment.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ..state import ENV_DRY_RUN, KEY, PublishState, RunOptions
from .collect import close_session, collect_session, collect_settings, collect_targets
from .common import kitsu_instances
from .media import integrate_review, validate_review
from .notes import integrate_notes
from .shots import validate_shot
from .validate import validate_connection, validate_note, validate_target

__all__ = [
    "ENV_DRY_RUN",
    "RunOptions",
    "close_session",
    "collect_session",
    "collect_settings",
    "collect_targets",
    "integrate_notes",
    "integrate_review",
    "kitsu_instances",
    "prepare",
    "validate_connection",
    "validate_note",
    "validate_review",
    "validate_shot",
    "validate_target",
]


def prepare(
    context: Any,
    options: RunOptions | None = None,
    *,
    dry_run: bool = False,
    settings_file: str | None = None,
) -> PublishState:
    """Run the next publish of ``context`` with these options (else the environment's).

    ``dry_run`` adds to the environment's ``KITSU_PUBLISH_DRY_RUN``, never removes it.
    """
    if options is None:
        found = RunOptions.from_environment()
        options = dataclasses.replace(
            found, dry_run=dry_run or found.dry_run, settings_file=settings_file
        )
    state = PublishState(options)
    context.data[KEY] = state
    return state
