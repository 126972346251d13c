"""Which status profile applies to a task's note, and the settings it gives.

Pure: the profiles (read by :mod:`kitsu_publish.settings`), the publish's hosts, the
task and its members in; the note's settings and the deciding profile out. No request
to Kitsu: the task's type and name were read when its target was found.

The rule (docs/semantics.md): a profile matches a task when at least one of the task's
members passes every non-empty filter of the profile (a filter passes when one of its
patterns matches the whole value, case-insensitively; ``host_names`` passes when it
matches one of the hosts). Of the matching profiles, the one with the most non-empty
filters wins; on a tie the first listed. No match: the note table applies.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .model import Member, TaskInfo
from .settings import Settings
from .settings.profiles import Profile

__all__ = [
    "ENV_HOST",
    "PYBLISH_DEFAULT_HOST",
    "choose",
    "has_farm_profiles",
    "hosts_of",
    "matches",
    "settings_for",
    "submission",
]

#: The host of a publish with no host of its own (a farm job, mayapy, hython).
ENV_HOST = "KITSU_PUBLISH_HOST"
#: What pyblish registers by itself, in every process.
PYBLISH_DEFAULT_HOST = "python"


def hosts_of(
    context_data: Mapping[str, Any], registered: Sequence[str], environ: Mapping[str, str]
) -> tuple[str, ...]:
    """The hosts ``host_names`` filters match, any one of them.

    ``context.data["hostName"]`` when set (AYON, OpenPype); else pyblish's registered
    hosts when a DCC integration registered one (pyblish-maya: ``maya``); else
    ``KITSU_PUBLISH_HOST`` with what pyblish registers by itself (``python``).
    """
    name = context_data.get("hostName")
    if isinstance(name, str) and name.strip():
        return (name.strip(),)
    found = tuple(str(h) for h in registered)
    if any(h != PYBLISH_DEFAULT_HOST for h in found):
        return found
    env = environ.get(ENV_HOST, "").strip()
    return (env, *found) if env else found


def _any_match(patterns: Iterable[re.Pattern[str]], values: Iterable[str]) -> bool:
    values = tuple(values)
    return any(p.fullmatch(v) for p in patterns for v in values)


def matches(profile: Profile, hosts: Sequence[str], task: TaskInfo, member: Member) -> bool:
    """Does this one member (with its task and the publish's hosts) pass every filter?"""
    values = {
        "host_names": hosts,
        "task_types": (task.task_type,),
        "task_names": (str(task.data.get("name") or ""),),
        "product_types": (member.product_type,),
        "product_names": (member.name,),
    }
    if profile.farm is not None and profile.farm != member.farm:
        return False
    return all(_any_match(patterns, values[name]) for name, patterns in profile.filters)


def choose(
    profiles: Sequence[Profile], hosts: Sequence[str], task: TaskInfo, members: Sequence[Member]
) -> Profile | None:
    """The profile that applies to the task, or None (the note table applies)."""
    best: Profile | None = None
    for profile in profiles:
        if best is not None and profile.score <= best.score:
            continue  # cannot win: a tie goes to the one listed first
        if any(matches(profile, hosts, task, m) for m in members):
            best = profile
    return best


def _for_the_farm(
    settings: Settings, hosts: Sequence[str], task: TaskInfo, members: Sequence[Member]
) -> Profile | None:
    """The ``farm = true`` profile that a task's farm instances match, if any."""
    farm = [m for m in members if m.farm]
    if not farm:
        return None
    return choose([p for p in settings.status_profiles if p.farm], hosts, task, farm)


def submission(
    settings: Settings, hosts: Sequence[str], task: TaskInfo, members: Sequence[Member]
) -> tuple[Member, ...]:
    """The members of a task's note: its farm instances too when a ``farm = true``
    profile matches them (the note is then the submission's), else only the others."""
    if _for_the_farm(settings, hosts, task, members) is not None:
        return tuple(members)
    return tuple(m for m in members if not m.farm)


def settings_for(
    settings: Settings, hosts: Sequence[str], task: TaskInfo, members: Sequence[Member]
) -> tuple[Settings, Profile | None]:
    """The settings of this task's note, and the profile they come from (None: the note
    table's own). A note with farm instances (see :func:`submission`) is the farm
    profile's."""
    profile = _for_the_farm(settings, hosts, task, members)
    if profile is None:
        profile = choose(settings.status_profiles, hosts, task, members)
    return (settings, None) if profile is None else (profile.applied(settings), profile)


def has_farm_profiles(settings: Settings) -> bool:
    """Does a profile post at submission (so that farm instances take part)?"""
    return any(p.farm for p in settings.status_profiles)
