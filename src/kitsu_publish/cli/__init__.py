"""The ``kitsu-publish`` command: what a TD needs around the plugins.

    kitsu-publish plugin-path            print the pyblish plugin directory
    kitsu-publish check [FILE]           validate a settings file ($KITSU_PUBLISH_SETTINGS)
    kitsu-publish check --online [FILE]  ... and log in to Kitsu, check the note status exists
    kitsu-publish check --online [FILE] --task-id ID
                                         ... and whether Kitsu would take a note on that task
                                         from the logged-in person; list the statuses they
                                         may set there
    kitsu-publish render [FILE] --data DATA.json [--status S]
                                         the notes a publish of that instance data would
                                         post: per task the decision, its reason and the
                                         text; offline (no server, no pyblish)
    kitsu-publish publish --task-id ID --product-type T [...]
    kitsu-publish publish --data DATA.json [...]
                                         a headless publish through the real plugins, for
                                         farm jobs and scripts (--dry-run posts nothing)
    kitsu-publish schema [-o FILE]       the JSON Schema of the settings file

Exit codes: 0 fine (``publish``: posted), 1 Kitsu unreachable or refusing, a note that
does not render, a failed validation or post, 2 invalid settings, data or usage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from .. import __version__, plan, plugin_path
from .. import settings as settings_mod
from ..model import Target
from ..state import ENV_DRY_RUN
from .check import check, schema
from .common import STATUS_KEY, USAGE_ERROR, UsageError
from .publish import publish
from .render import render

__all__ = ["ENV_DRY_RUN", "STATUS_KEY", "UsageError", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "plugin-path":
            print(plugin_path())
            return 0
        if args.command == "schema":
            return schema(args.output, args.path)
        if args.command == "check":
            task = _target(parser, args)
            if task is not None and not args.online:
                parser.error("--task-id / --project ... need --online")
            return check(args.file, args.online, task)
        if args.command == "render":
            return render(args.file, args.data, args.status, args.json)
        return publish(parser, args, _target(parser, args))
    except UsageError as exc:
        print(f"kitsu-publish {args.command}: {exc}", file=sys.stderr)
        return USAGE_ERROR


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kitsu-publish", description="Pyblish plugins that post notes to Kitsu."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("plugin-path", help="print the pyblish plugin directory")

    settings_help = f"settings file (default: ${settings_mod.ENV_SETTINGS}; unset: defaults)"
    check = commands.add_parser("check", help="validate a settings file")
    check.add_argument("file", nargs="?", help=settings_help)
    check.add_argument(
        "--online",
        action="store_true",
        help="also log in to Kitsu (KITSU_SERVER, KITSU_LOGIN/KITSU_PWD or KITSU_TOKEN)",
    )
    _target_arguments(
        check.add_argument_group(
            "task (with --online): the permission preflight of a publish, for this person"
        )
    )

    render = commands.add_parser(
        "render",
        help="show the notes a publish of some instance data would post (offline)",
        description="Show, per Kitsu task, the note a publish of this instance data would "
        "post: the status decision with its reason, and the rendered text. Offline: no "
        "server, no pyblish; the task names and status come from the data.",
    )
    render.add_argument("file", nargs="?", help=settings_help)
    render.add_argument(
        "--data",
        required=True,
        metavar="FILE.json",
        help='a JSON list of instance data tables, or {"context": {...}, "instances": [...]}',
    )
    render.add_argument(
        "--status",
        help=f"the tasks' current status short name (default: {STATUS_KEY} in the data)",
    )
    render.add_argument("--json", action="store_true", help="print the notes as JSON")

    publish = commands.add_parser(
        "publish",
        help="publish headless through the real plugins (farm jobs, scripts)",
        description="Publish through the kitsu-publish plugins without a DCC: one product "
        "from the options, or the instances of --data. Progress goes to stderr, one line "
        "per plugin; the notes to stdout. Exit code 0: posted (or dry run), 1: a "
        "validation or a post failed, 2: bad usage, data or settings.",
    )
    publish.add_argument("--settings", metavar="FILE", help=settings_help)
    _target_arguments(
        publish.add_argument_group(
            "task (without --data: the product's; with --data: the context's, for "
            "instances without a target of their own)"
        )
    )
    product = publish.add_argument_group("the product (without --data)")
    product.add_argument("--product-type", help="product type, e.g. render (required)")
    product.add_argument("--name", help="product name (default: <product type>Main)")
    product.add_argument("--version", type=_version_number, help="version, e.g. 3 or v003")
    product.add_argument(
        "--review",
        action="append",
        metavar="FILE",
        help='a review file for the note (instance.data["kitsuReview"]); may be repeated',
    )
    publish.add_argument("--comment", help="the artist comment (context.data['comment'])")
    publish.add_argument(
        "--data",
        metavar="FILE.json",
        help="several instances: a JSON list of instance data tables, or "
        '{"context": {...}, "instances": [...]}',
    )
    publish.add_argument(
        "--dry-run",
        action="store_true",
        help=f"log the notes, post nothing ({ENV_DRY_RUN}=1 for the run)",
    )
    publish.add_argument("--json", action="store_true", help="print kitsuNotes as JSON")
    publish.add_argument(
        "--debug", action="store_true", help="log everything, with tracebacks, to stderr"
    )

    schema = commands.add_parser(
        "schema", help="print the JSON Schema of the settings file (for editors)"
    )
    schema.add_argument("-o", "--output", metavar="FILE", help="write it to FILE instead")
    schema.add_argument(
        "--path", action="store_true", help="print the path of the schema file in the package"
    )
    return parser


def _target_arguments(group: Any) -> None:
    group.add_argument("--task-id", help="a Kitsu task id")
    group.add_argument("--project", help="project name (with --entity and --task-type)")
    group.add_argument("--entity", help="asset name, SEQ/SHOT or EP/SEQ/SHOT")
    group.add_argument("--task-type", help="task type name, e.g. Animation")


def _target(parser: argparse.ArgumentParser, args: argparse.Namespace) -> Target | None:
    names = (args.project, args.entity, args.task_type)
    if args.task_id and any(names):
        parser.error("give --task-id, or --project, --entity and --task-type, not both")
    if any(names) and not all(names):
        parser.error("--project, --entity and --task-type go together")
    return Target("command line", args.task_id, *names) if args.task_id or any(names) else None


def _version_number(text: str) -> int:
    number = plan._as_int(text)
    if number is None:
        raise argparse.ArgumentTypeError(f"not a version number: {text!r} (e.g. 3 or v003)")
    return number
