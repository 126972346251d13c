"""``kitsu-publish check`` and ``kitsu-publish schema``: the settings file, offline or
with a login and the permission preflight of one task."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import settings as settings_mod
from ..errors import KitsuError, SettingsError, StatusNotFound, TargetError
from ..model import Member, Target, TaskInfo
from ..settings.profiles import Profile
from . import account, shots

__all__ = ["check", "schema"]


def check(file: str | None, online: bool, task: Target | None = None) -> int:
    try:
        settings = settings_mod.load_file(file) if file else settings_mod.load()
    except SettingsError as exc:
        print(f"invalid settings: {exc}", file=sys.stderr)
        return 2
    print(_describe(settings))
    wanted = _statuses(settings)
    if not online:
        for short_name, users in wanted.items():
            print(f"  note status '{short_name}'{_who(users)}: not checked offline (use --online)")
        return 0
    from .. import kitsu

    try:
        session = kitsu.connect(settings)
        try:
            missing = _missing_statuses(session, wanted)
            print(f"Kitsu: {session.url} reachable, logged in as {session.user}")
            for line in account.describe(session.identity()):
                print(line)
            for short_name, users in wanted.items():
                if short_name not in missing:
                    print(f"  note status '{short_name}'{_who(users)}: exists in Kitsu")
            if missing:
                for problem in missing.values():
                    print(f"Kitsu check failed: {problem}", file=sys.stderr)
                return 1
            if task is not None:
                return _preflight(session, settings, task)
        finally:
            session.close()
    except (KitsuError, TargetError) as exc:
        print(f"Kitsu check failed: {exc}", file=sys.stderr)
        return 1
    return 0


def _statuses(settings: settings_mod.Settings) -> dict[str, list[str]]:
    """Every status a note may be given (lower-cased), with who gives it: the note table
    and each status profile (no one named when there are no profiles)."""
    found: dict[str, list[str]] = {}
    if settings.set_status_note:
        found.setdefault(settings.note_status_shortname.lower(), []).append("the note table")
    for profile in settings.status_profiles:
        own = profile.applied(settings)
        if own.set_status_note:
            found.setdefault(own.note_status_shortname.lower(), []).append(
                f"profile #{profile.position + 1}"
            )
    if not settings.status_profiles:
        return {name: [] for name in found}  # only the table: no need to say who
    return found


def _who(users: list[str]) -> str:
    return f" ({', '.join(users)})" if users else ""


def _missing_statuses(session: Any, wanted: dict[str, list[str]]) -> dict[str, str]:
    """The statuses Kitsu does not have, each with its message naming who wants it."""
    missing = {}
    for short_name, users in wanted.items():
        try:
            session.status(short_name)
        except StatusNotFound as exc:
            missing[short_name] = (
                f"{exc}{_who(['wanted by ' + ', '.join(users)] if users else [])}"
            )
    return missing


def _preflight(session: Any, settings: settings_mod.Settings, target: Target) -> int:
    """What a publish by this person to this task would meet in validation."""
    from ..kitsu import permissions

    found = session.resolve(target)
    project_id = str(found.data.get("project_id") or "")
    role = session.project_role(project_id)
    print(f"task: {found.label} (status '{found.status}')")
    print(f"  shot in Kitsu: {shots.describe(found)}")
    print(f"  you: {session.user}, {permissions.ROLE_NAMES.get(role, role)} on this project")
    statuses = [
        settings.note_status_shortname if settings.set_status_note else found.status,
        *_profile_statuses(settings, found),
        found.status,
    ]
    refused = 0
    for short_name in dict.fromkeys(s.lower() for s in statuses):
        refusal = session.preflight(found, short_name)
        verdict = "ok" if refusal is None else f"REFUSED: {refusal.message}"
        refused += refusal is not None
        print(f"  a note with status '{short_name}': {verdict}")
    settable = session.settable_statuses(project_id)
    print("  statuses you may set: " + ", ".join(sorted(s["short_name"] for s in settable)))
    return 1 if refused else 0


def _profile_statuses(settings: settings_mod.Settings, task: TaskInfo) -> list[str]:
    """The statuses of the profiles that may apply to this task: those whose task filters
    match it (their host and product filters depend on the publish)."""
    from .. import profiles

    found = []
    for profile in settings.status_profiles:
        task_only = Profile(
            profile.position, tuple(f for f in profile.filters if f[0] in _TASK_FILTERS)
        )
        member = Member("", "", None, "", {})
        if not profiles.matches(task_only, (), task, member):
            continue
        own = profile.applied(settings)
        found.append(own.note_status_shortname if own.set_status_note else task.status)
    return found


_TASK_FILTERS = ("task_types", "task_names")


def _describe(settings: settings_mod.Settings) -> str:
    conditions = _conditions
    status = (
        f"-> '{settings.note_status_shortname}' when the conditions hold"
        if settings.set_status_note
        else "never changed (set_status_note = false)"
    )
    template = settings.template
    lines = [
        f"settings: {settings.source}",
        f"  enabled: {'yes' if settings.enabled else 'no'}",
        f"  status: {status}",
        f"  status conditions: {conditions(settings.status_conditions)}",
        f"  product-type requirements: {conditions(settings.product_type_requirements)}",
        f"  comment: {f'{template.syntax} template' if template.enabled else 'the artist comment'}"
        f", one note per {'instance' if settings.note_per_instance else 'task'}",
        f"  timeouts: connect {settings.connect_timeout:g} s, read {settings.read_timeout:g} s, "
        f"request {settings.request_timeout:g} s, step {settings.step_timeout:g} s",
    ]
    shot_checks = shots.settings_line(settings)
    if shot_checks is not None:
        lines.append(shot_checks)
    if settings.status_profiles:
        lines.append(
            f"  status profiles: {len(settings.status_profiles)} (per task, the matching one "
            "with the most filters; the first listed on a tie; none: the settings above)"
        )
    for profile in settings.status_profiles:
        lines.append(f"    {profile.describe()}: {_profile_results(settings, profile)}")
    return "\n".join(lines)


def _profile_results(settings: settings_mod.Settings, profile: Profile) -> str:
    """What a profile changes, in a few words; 'as above' when it changes nothing."""
    given = dict(profile.results)
    own = profile.applied(settings)
    words = []
    if "set_status_note" in given or "note_status_shortname" in given:
        words.append(
            f"status -> '{own.note_status_shortname}'"
            if own.set_status_note
            else "status never changed"
        )
    for field, label in (
        ("status_conditions", "status conditions"),
        ("product_type_requirements", "product-type requirements"),
    ):
        if field in given:
            words.append(f"{label}: {_conditions(given[field])}")
    if profile.template:
        template = own.template
        words.append(
            f"comment: {template.syntax} template {template.text!r}"[:120]
            if template.enabled
            else "comment: the artist comment"
        )
    return "; ".join(words) or "as above"


def _conditions(items: Sequence[settings_mod.Condition]) -> str:
    return ", ".join(f"{c.condition} {c.value}" for c in items) or "none"


def schema(output: str | None, path: bool) -> int:
    if path:
        print(settings_mod.SCHEMA_FILE)
        return 0
    text = settings_mod.json_schema_text()
    if output:
        Path(output).write_text(text, encoding="utf-8")
        print(f"wrote {output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
