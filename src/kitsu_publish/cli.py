"""The ``kitsu-publish`` command: what a TD needs around the plugins.

    kitsu-publish plugin-path            print the pyblish plugin directory
    kitsu-publish check [FILE]           validate a settings file ($KITSU_PUBLISH_SETTINGS)
    kitsu-publish check --online [FILE]  ... and log in to Kitsu, check the note status exists

Exit codes: 0 fine, 1 Kitsu unreachable or refusing, 2 invalid settings or usage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __version__, plugin_path
from . import settings as settings_mod
from .errors import KitsuError, SettingsError


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
    args = parser.parse_args(argv)

    if args.command == "plugin-path":
        print(plugin_path())
        return 0
    return _check(args.file, args.online)


def _check(file: str | None, online: bool) -> int:
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
        finally:
            session.close()
    except KitsuError as exc:
        print(f"Kitsu check failed: {exc}", file=sys.stderr)
        return 1
    print(f"Kitsu: {session.url} reachable, logged in as {session.user}")
    return 0


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
        f"  timeouts: connect {settings.connect_timeout:g} s, read {settings.read_timeout:g} s",
    ]
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
