"""The farm hand-off: what an artist's publish gives the farm job, and how the farm job
posts in the artist's name.

On the artist's machine, :func:`hand_off` fills ``context.data["farmJobEnv"]`` (the key
AYON's Deadline submitters merge into the job's environment) with the Kitsu server,
the settings file, the host and the artist's Kitsu person id; never a password or a
token. On the farm, the job logs in with the farm's own credential (a bot's token in
``KITSU_TOKEN``) and, when ``KITSU_PUBLISH_ON_BEHALF_OF`` names a person, posts for
them (:func:`act_for`): Kitsu shows them as the author when the bot may post in
someone's name (a Production Manager on the project), else the note is the bot's and
its text names them (:func:`credited`).
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Mapping
from typing import Any

from .. import plan, profiles
from ..settings import DEFAULTS_SOURCE, ENV_SETTINGS
from ..state import ENV_ON_BEHALF_OF, PublishState, state_of
from ..template import md_escape
from .common import hosts

__all__ = ["FARM_JOB_ENV", "act_for", "credited", "hand_off", "say_who"]

#: The context key of the farm job's environment (AYON's; its submitters merge it).
FARM_JOB_ENV = "farmJobEnv"
_SERVER = "KITSU_SERVER"


def hand_off(context: Any, log: logging.Logger) -> None:
    """Put in ``farmJobEnv`` what the farm job needs to post this artist's notes."""
    state = state_of(context)
    session = state.session
    if session is None or not session.person_id:
        return
    env: dict[str, str] = {_SERVER: session.url, ENV_ON_BEHALF_OF: session.person_id}
    settings = state.settings
    file = state.options.settings_file or (settings.source if settings else "")
    if file and file != DEFAULTS_SOURCE:
        env[ENV_SETTINGS] = os.path.abspath(str(file))
    host = next((h for h in hosts(context) if h != profiles.PYBLISH_DEFAULT_HOST), "")
    if host:
        env[profiles.ENV_HOST] = host
    found = context.data.get(FARM_JOB_ENV)
    context.data[FARM_JOB_ENV] = {**(found if isinstance(found, Mapping) else {}), **env}
    log.info(
        "The farm job gets the Kitsu server, settings and your Kitsu id (%s): it posts "
        "its notes for you with the farm's own account",
        ", ".join(sorted(env)),
    )


def act_for(state: PublishState, log: logging.Logger) -> None:
    """On the farm: post for the person ``KITSU_PUBLISH_ON_BEHALF_OF`` names (read once)."""
    session, person_id = state.session, state.options.on_behalf_of
    if session is None or not person_id or person_id == session.person_id:
        return
    name = session.act_for(person_id)
    log.info("Posting the Kitsu notes for %s, as %s", name, session.user)


def credited(state: PublishState, notes: list[plan.NotePlan]) -> list[plan.NotePlan]:
    """The notes, each naming the person it is posted for when Kitsu will not show them
    as its author."""
    session = state.session
    if session is None or not state.options.on_behalf_of:
        return notes
    found = []
    for note in notes:
        delegation = session.delegation(note.task)
        if delegation is not None and not delegation.as_author:
            line = f"*Published on the farm for {md_escape(delegation.name)}.*"
            text = f"{note.text}\n\n{line}" if note.text else line
            note = dataclasses.replace(note, text=text)
        found.append(note)
    return found


def say_who(state: PublishState, note: plan.NotePlan, log: logging.Logger) -> None:
    """Validation says, per task, whose name the note will carry."""
    session = state.session
    delegation = session.delegation(note.task) if session is not None else None
    if delegation is None:
        return
    if delegation.as_author:
        log.info("%s: Kitsu will show %s as the author", note.task.label, delegation.name)
    else:
        log.info(
            "%s: the note will be posted as %s, which may not post in someone's name on "
            "this project (not a Production Manager); its text names %s",
            note.task.label,
            session.user if session is not None else "?",
            delegation.name,
        )
