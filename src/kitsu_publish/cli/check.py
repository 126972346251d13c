"""``kitsu-publish check`` and ``kitsu-publish schema``: the settings file, offline or
with a login and the permission preflight of one task."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import settings as settings_mod
from ..errors import KitsuError, SettingsError, TargetError
from ..model import Target

__all__ = ["check", "schema"]


def check(file: str | None, online: bool, task: Target | None = None) -> int:
    try:
        settings = settings_mod.load_file(file) if file else settings_mod.load()
    except SettingsError as exc:
        print(f"invalid settings: {exc}", file=sys.stderr)
        return 2
    print(_describe(settings))
    if not online:
        if settings.set_status_note:
            print(
                f"  note status '{settings.note_status_shortname}': not checked offline "
                "(use --online)"
            )
        return 0
    from .. import kitsu

    try:
        session = kitsu.connect(settings)
        try:
            if settings.set_status_note:
                session.status(settings.note_status_shortname)
            print(f"Kitsu: {session.url} reachable, logged in as {session.user}")
            if settings.set_status_note:
                print(f"  note status '{settings.note_status_shortname}': exists in Kitsu")
            if task is not None:
                return _preflight(session, settings, task)
        finally:
            session.close()
    except (KitsuError, TargetError) as exc:
        print(f"Kitsu check failed: {exc}", file=sys.stderr)
        return 1
    return 0


def _preflight(session: Any, settings: settings_mod.Settings, target: Target) -> int:
    """What a publish by this person to this task would meet in validation."""
    from ..kitsu import permissions

    found = session.resolve(target)
    project_id = str(found.data.get("project_id") or "")
    role = session.project_role(project_id)
    print(f"task: {found.label} (status '{found.status}')")
    print(f"  you: {session.user}, {permissions.ROLE_NAMES.get(role, role)} on this project")
    statuses = [
        settings.note_status_shortname if settings.set_status_note else found.status,
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


def _describe(settings: settings_mod.Settings) -> str:
    def conditions(items: Sequence[settings_mod.Condition]) -> str:
        return ", ".join(f"{c.condition} {c.value}" for c in items) or "none"

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
    return "\n".join(lines)


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
