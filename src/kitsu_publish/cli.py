"""The ``kitsu-publish`` command: what a TD needs around the plugins.

    kitsu-publish plugin-path            print the pyblish plugin directory
    kitsu-publish check [FILE]           validate a settings file ($KITSU_PUBLISH_SETTINGS)
    kitsu-publish check --online [FILE]  ... and log in to Kitsu, check the note status exists
    kitsu-publish check --online [FILE] --task-id ID
                                         ... and whether Kitsu would take a note on that task
                                         from the logged-in person; list the statuses they
                                         may set there

Exit codes: 0 fine, 1 Kitsu unreachable or refusing, 2 invalid settings or usage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from . import __version__, access, plugin_path
from . import settings as settings_mod
from .errors import KitsuError, SettingsError, TargetError
from .plan import Target


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="kitsu-publish", description="Pyblish plugins that post notes to Kitsu."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("plugin-path", help="print the pyblish plugin directory")
    check = commands.add_parser("check", help="validate a settings file")
    check.add_argument(
        "file", nargs="?", help=f"settings file (default: ${settings_mod.ENV_SETTINGS})"
    )
    check.add_argument(
        "--online",
        action="store_true",
        help="also log in to Kitsu (KITSU_SERVER, KITSU_LOGIN/KITSU_PWD or KITSU_TOKEN)",
    )
    target = check.add_argument_group(
        "task (with --online): the permission preflight of a publish, for this person"
    )
    target.add_argument("--task-id", help="a Kitsu task id")
    target.add_argument("--project", help="project name (with --entity and --task-type)")
    target.add_argument("--entity", help="asset name, SEQ/SHOT or EP/SEQ/SHOT")
    target.add_argument("--task-type", help="task type name, e.g. Animation")
    args = parser.parse_args(argv)

    if args.command == "plugin-path":
        print(plugin_path())
        return 0
    names = (args.project, args.entity, args.task_type)
    if args.task_id and any(names):
        parser.error("give --task-id, or --project, --entity and --task-type, not both")
    if any(names) and not all(names):
        parser.error("--project, --entity and --task-type go together")
    task = Target("command line", args.task_id, *names) if args.task_id or any(names) else None
    if task is not None and not args.online:
        parser.error("--task-id / --project ... need --online")
    return _check(args.file, args.online, task)


def _check(file: str | None, online: bool, task: Target | None = None) -> int:
    try:
        settings = settings_mod.load_file(file) if file else settings_mod.load()
    except SettingsError as exc:
        print(f"invalid settings: {exc}", file=sys.stderr)
        return 2
    print(_describe(settings))
    if not online:
        return 0
    from . import kitsu

    try:
        session = kitsu.connect(settings)
        try:
            if settings.set_status_note:
                session.status(settings.note_status_shortname)
            print(f"Kitsu: {session.url} reachable, logged in as {session.user}")
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
    found = session.resolve(target)
    project_id = str(found.data.get("project_id") or "")
    role = session.project_role(project_id)
    print(f"task: {found.label} (status '{found.status}')")
    print(f"  you: {session.user}, {access.ROLE_NAMES.get(role, role)} on this project")
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
