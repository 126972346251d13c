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
import contextlib
import getpass
import io
import json
import logging
import os
import sys
import traceback
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from . import PLUGINS, __version__, plugin_path
from . import plan as plan_mod
from . import settings as settings_mod
from .errors import KitsuError, KitsuPublishError, SettingsError, TargetError, shorten
from .model import Member, Target, TaskInfo

#: The environment variable that makes the note integrator post nothing (see flow.py).
ENV_DRY_RUN = "KITSU_PUBLISH_DRY_RUN"
#: Instance or context data key read by ``render`` only: the task's current status.
STATUS_KEY = "kitsuTaskStatus"

USAGE_ERROR = 2


class UsageError(Exception):
    """Bad arguments, an unreadable data file or settings file: exit code 2."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "plugin-path":
            print(plugin_path())
            return 0
        if args.command == "schema":
            return _schema(args.output, args.path)
        if args.command == "check":
            task = _target(parser, args)
            if task is not None and not args.online:
                parser.error("--task-id / --project ... need --online")
            return _check(args.file, args.online, task)
        if args.command == "render":
            return _render(args.file, args.data, args.status, args.json)
        return _publish(parser, args)
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
    number = plan_mod._as_int(text)
    if number is None:
        raise argparse.ArgumentTypeError(f"not a version number: {text!r} (e.g. 3 or v003)")
    return number


def _load_settings(file: str | None) -> settings_mod.Settings:
    try:
        return settings_mod.load_file(file) if file else settings_mod.load()
    except SettingsError as exc:
        raise UsageError(f"invalid settings: {exc}") from None


# --- check ------------------------------------------------------------------------------


def _check(file: str | None, online: bool, task: Target | None = None) -> int:
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
    from . import kitsu

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
    from .kitsu import permissions

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


# --- schema -----------------------------------------------------------------------------


def _schema(output: str | None, path: bool) -> int:
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


# --- instance data files ----------------------------------------------------------------


def _read_data(file: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(context data, instance data list) from a --data file; UsageError when unusable."""
    try:
        with open(file, encoding="utf-8") as stream:
            data = json.load(stream)
    except OSError as exc:
        raise UsageError(f"{file}: cannot be read: {exc.strerror or exc}") from None
    except (ValueError, RecursionError) as exc:
        reason = (
            f"{exc.msg} (line {exc.lineno}, column {exc.colno})"
            if isinstance(exc, json.JSONDecodeError)
            else type(exc).__name__
        )
        raise UsageError(f"{file}: not valid JSON: {reason}") from None
    shape = 'expected a list of instance data tables, or {"context": {...}, "instances": [...]}'
    context: Any = {}
    instances = data
    if isinstance(data, dict):
        unknown = sorted(set(data) - {"context", "instances"})
        if unknown or "instances" not in data:
            raise UsageError(f"{file}: {shape}, found a table with keys {shorten(sorted(data))}")
        context = data.get("context") or {}
        instances = data["instances"]
    if not isinstance(instances, list):
        raise UsageError(f"{file}: {shape}, found {type(instances).__name__}")
    if not isinstance(context, dict):
        raise UsageError(f"{file}: context: expected a table, found {type(context).__name__}")
    for index, item in enumerate(instances):
        if not isinstance(item, dict):
            raise UsageError(
                f"{file}: instances[{index}]: expected a table of instance data, found "
                f"{type(item).__name__} {shorten(item)}"
            )
    return context, instances


def _instance_name(data: Mapping[str, Any], index: int) -> str:
    return str(data.get("productName") or data.get("name") or f"instance{index}")


def _active(data: Mapping[str, Any]) -> bool:
    """As in a publish: ``publish = False`` and farm instances take no part."""
    return data.get("publish", True) is not False and not data.get("farm")


# --- render -----------------------------------------------------------------------------


def _render(file: str | None, data_file: str, status: str | None, as_json: bool) -> int:
    """The notes a publish of this data would post, decided and rendered offline."""
    settings = _load_settings(file)
    context, instances = _read_data(data_file)
    if status is not None and not status.strip():
        raise UsageError("--status must not be empty")
    report: dict[str, Any] = {"notes": [], "errors": [], "skipped": []}

    def skip(name: str, why: str) -> None:
        report["skipped"].append({"instance": name, "reason": why})

    if not settings.enabled:
        print(
            f"Kitsu notes are disabled in {settings.source} (enabled = false): nothing "
            "would be posted",
            file=sys.stderr,
        )
        return 0
    tasks: dict[str, TaskInfo] = {}
    pairs: list[tuple[str, Member]] = []
    warnings: list[str] = []
    for index, data in enumerate(instances):
        name = _instance_name(data, index)
        if not _active(data):
            skip(name, "switched off (publish = false)" if not data.get("farm") else "farm")
            continue
        try:
            target = plan_mod.find_target(data, context, None, name)
        except TargetError as exc:
            report["errors"].append(str(exc))
            continue
        if target is None:
            skip(name, "no Kitsu target")
            continue
        task = _offline_task(target, data, context, status, name)
        if task.id not in tasks and "?" in (task.project, task.entity, task.task_type):
            warnings.append(
                f"task id {target.task_id}: the data does not name its project, entity and "
                "task type (kitsuProject, kitsuEntity, kitsuTaskType beside kitsuTaskId): "
                "they show as '?' here; a publish reads them from Kitsu"
            )
        tasks.setdefault(task.id, task)
        pairs.append((task.id, plan_mod.member_of(data, context.get("comment"), name)))
    if not pairs and not report["errors"]:
        raise UsageError(
            f"{data_file}: no instance has a Kitsu target (kitsuTaskId, or kitsuProject, "
            "kitsuEntity and kitsuTaskType): nothing would be posted"
        )
    host = str(context.get("host") or "")
    user = str(context.get("user") or _user())
    for task_id, members in plan_mod.group_by_task(pairs, settings.note_per_instance):
        task = tasks[task_id]
        try:
            note = plan_mod.build_note(settings, task, members, host, user, warnings.append)
        except KitsuPublishError as exc:
            report["errors"].append(str(exc))
            continue
        report["notes"].append(_note_record(task, note))
    if as_json:
        report["warnings"] = warnings
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        _print_notes(report["notes"], report["skipped"])
        for warning in warnings:
            print(f"warning: {warning}", file=sys.stderr)
    for error in report["errors"]:
        print(f"error: {error}", file=sys.stderr)
    return 1 if report["errors"] else 0


def _offline_task(
    target: Target,
    data: Mapping[str, Any],
    context: Mapping[str, Any],
    status: str | None,
    name: str,
) -> TaskInfo:
    """The task as the data names it: names from the target, status from --status or data."""
    if target.task_id:
        # names beside a task id are not needed by a publish; here they name the task
        project, entity, task_type = (
            _text_of(data.get(key)) or _text_of(context.get(key))
            for key in ("kitsuProject", "kitsuEntity", "kitsuTaskType")
        )
        key = target.task_id
    else:
        project, entity, task_type = (
            str(target.project),
            str(target.entity),
            str(target.task_type),
        )
        entity = "/".join(part.strip() for part in entity.strip().strip("/").split("/"))
        key = "\0".join((project, entity.lower(), task_type.lower()))
    found = status or _text_of(data.get(STATUS_KEY)) or _text_of(context.get(STATUS_KEY))
    if not found:
        raise UsageError(
            f"instance '{name}': the task's current status is not known offline: give "
            f"--status, or {STATUS_KEY} (a status short name) in the instance or context data"
        )
    return TaskInfo(
        id=key,
        project=project or "?",
        entity=entity or "?",
        task_type=task_type or "?",
        status=found.strip(),
        data={"id": target.task_id} if target.task_id else {},
    )


def _text_of(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some farm environments
        return ""


def _note_record(task: TaskInfo, note: plan_mod.NotePlan) -> dict[str, Any]:
    summary: dict[str, Any] = dict(task.summary())
    summary["id"] = str(task.data.get("id") or "") or None
    return {
        "task": summary,
        "instances": [
            {"name": m.name, "product_type": m.product_type, "version": m.version}
            for m in note.members
        ],
        "change": note.decision.change,
        "status_before": note.decision.status_before,
        "status_after": note.decision.status_after,
        "reason": note.decision.reason,
        "text": note.text,
    }


def _print_notes(notes: list[dict[str, Any]], skipped: list[dict[str, str]]) -> None:
    for index, record in enumerate(notes):
        task = record["task"]
        label = f"{task['project']} / {task['entity']} / {task['task_type']}"
        if task["id"]:
            label += f" (task id {task['id']})"
        before, after = record["status_before"], record["status_after"]
        change = (
            f"status '{before}' -> '{after}'" if record["change"] else f"status '{before}' kept"
        )
        instances = ", ".join(
            f"{i['name']} ({i['product_type'] or 'no product type'}"
            + (f", v{i['version']}" if i["version"] is not None else "")
            + ")"
            for i in record["instances"]
        )
        if index:
            print()
        print(f"== {label}: {change}")
        print(f"   instances: {instances}")
        print(f"   reason: {record['reason']}")
        print("   note:" if record["text"] else "   note: (empty)")
        for line in record["text"].splitlines():
            print(f"      {line}".rstrip())
    for item in skipped:
        print(f"skipped: {item['instance']}: {item['reason']}", file=sys.stderr)


# --- publish ----------------------------------------------------------------------------


def _publish(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """A headless publish through the real plugins; the exit code from pyblish's results."""
    target = _target(parser, args)
    if args.data:
        product = {
            "--product-type": args.product_type,
            "--name": args.name,
            "--version": args.version,
            "--review": args.review,
        }
        given = [flag for flag, value in product.items() if value is not None]
        if given:
            parser.error(f"{', '.join(given)}: not with --data (put them in the data file)")
        context, instances = _read_data(args.data)
        context = dict(context)
        if target is not None:
            context.update(_target_data(target))
    else:
        if not args.product_type:
            parser.error("give --product-type (and a task), or --data FILE.json")
        context = {}
        data: dict[str, Any] = {
            "productType": args.product_type,
            "productName": args.name or f"{args.product_type}Main",
            "family": args.product_type,
        }
        if args.version is not None:
            data["version"] = args.version
        if args.review:
            data["kitsuReview"] = list(args.review)
        if target is not None:
            data.update(_target_data(target))
        instances = [data]
    if args.comment is not None:
        context["comment"] = args.comment

    environ = {settings_mod.ENV_SETTINGS: args.settings} if args.settings else {}
    if args.dry_run:
        environ[ENV_DRY_RUN] = "1"
    with _environment(environ):
        _load_settings(None)  # a settings problem is a usage error (2), found before any login
        if not any(_has_target(data, context, i) for i, data in enumerate(instances)):
            raise UsageError(
                "no instance has a Kitsu target: give --task-id, or --project, --entity "
                "and --task-type (or kitsuTaskId ... in the data, or KITSU_TASK_ID ... in "
                "the environment)"
            )
        return _run_publish(context, instances, args.dry_run, args.json, args.debug)


def _target_data(target: Target) -> dict[str, str]:
    if target.task_id:
        return {"kitsuTaskId": target.task_id}
    return {
        "kitsuProject": str(target.project),
        "kitsuEntity": str(target.entity),
        "kitsuTaskType": str(target.task_type),
    }


def _has_target(data: Mapping[str, Any], context: Mapping[str, Any], index: int) -> bool:
    try:
        return plan_mod.find_target(data, context, None, _instance_name(data, index)) is not None
    except TargetError:
        return True  # a target, a broken one: the validators say what is wrong


@contextlib.contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the run, and put the old values back after it."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, old in saved.items():
            if old is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = old


#: The loggers of our plugins (pyblish names a plugin's logger ``pyblish.<class name>``)
#: and of the Kitsu session.
_OUR_LOGGERS = frozenset({f"pyblish.{name}" for name in PLUGINS} | {"pyblish.kitsu_publish"})


class _Progress(logging.Handler):
    """Our plugins' log records, one readable line each, on stderr.

    Without ``debug`` it sits on the ``pyblish`` logger at INFO and passes only our
    plugins' records: pyblish's own records (the tracebacks it logs for every failed
    plugin) stop here. With ``debug`` it sits on the root logger and shows everything.
    """

    def __init__(self, stream: TextIO, debug: bool) -> None:
        super().__init__(logging.DEBUG if debug else logging.INFO)
        self.stream = stream
        self.debug = debug

    def filter(self, record: logging.LogRecord) -> bool:
        if self.debug:
            # a failed plugin's traceback is printed with its result line (newer pyblish
            # also logs it from pyblish.plugin, older ones do not): once, on any version
            return not (record.name == "pyblish.plugin" and record.exc_info)
        return record.name in _OUR_LOGGERS

    def emit(self, record: logging.LogRecord) -> None:
        try:
            name = (
                record.name[len("pyblish.") :]
                if record.name.startswith("pyblish.")
                else (record.name or "root")
            )
            level = "" if record.levelno == logging.INFO else f"{record.levelname.lower()}: "
            text = record.getMessage()
            if self.debug and record.exc_info:
                text += "\n" + "".join(traceback.format_exception(*record.exc_info)).rstrip()
            first, *rest = text.splitlines() or [""]
            lines = [f"{name}: {level}{first}", *(f"    {line}" for line in rest)]
            self.stream.write("\n".join(lines) + "\n")
            self.stream.flush()
        except Exception:  # a log line must never break the publish
            self.handleError(record)


def _result_line(result: Mapping[str, Any]) -> str:
    plugin = result.get("plugin")
    name = getattr(plugin, "__name__", str(plugin))
    instance = result.get("instance")
    if instance is not None:
        name += f" ({instance})"
    error = result.get("error")
    if error is None:
        return f"{name}: ok"
    return f"{name}: error: {_one_line(error)}"


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if isinstance(error, KitsuPublishError) else f"{type(error).__name__}: {text}"


def _run_publish(
    context_data: Mapping[str, Any],
    instances: list[dict[str, Any]],
    dry_run: bool,
    as_json: bool,
    debug: bool,
) -> int:
    import pyblish.api
    import pyblish.util

    stderr = sys.stderr
    handler = _Progress(stderr, debug)
    logger = logging.getLogger() if debug else logging.getLogger("pyblish")
    logger.addHandler(handler)

    def on_result(result: Any = None, **_: Any) -> None:
        if result is None:
            return
        stderr.write(_result_line(result) + "\n")
        error = result.get("error")
        if debug and error is not None:
            stack = traceback.format_exception(type(error), error, error.__traceback__)
            stderr.write("".join(stack))
        stderr.flush()

    added_path = plugin_path() not in pyblish.api.registered_paths()
    from . import register

    register()
    pyblish.api.register_callback("pluginProcessed", on_result)
    printed = io.StringIO()  # pyblish prints every error to stdout; stdout is for notes
    context = pyblish.api.Context()
    context.data.update(context_data)
    for index, data in enumerate(instances):
        instance = context.create_instance(str(data.get("name") or _instance_name(data, index)))
        instance.data.update(data)
    mode = " (dry run: nothing is posted)" if dry_run else ""
    stderr.write(
        f"kitsu-publish: publishing {len(instances)} instance(s) through {plugin_path()}{mode}\n"
    )
    try:
        with contextlib.redirect_stdout(stderr if debug else printed):
            plugins = pyblish.api.discover(paths=[plugin_path()])
            pyblish.util.publish(context, plugins=plugins)
    except Exception as exc:  # pyblish itself failed: not a plugin result
        if debug:
            traceback.print_exc(file=stderr)
        stderr.write(f"error: the publish stopped: {_one_line(exc)}\n")
        return 1
    finally:
        pyblish.api.deregister_callback("pluginProcessed", on_result)
        logger.removeHandler(handler)
        if added_path:
            pyblish.api.deregister_plugin_path(plugin_path())

    results = list(context.data.get("results", []))
    errors = [r for r in results if r.get("error") is not None]
    notes = list(context.data.get("kitsuNotes", []))
    if as_json:
        out = {"notes": notes, "errors": [_result_line(r) for r in errors]}
        print(json.dumps(out, indent=2, ensure_ascii=False, default=str))
    else:
        for note in notes:
            task = TaskInfo(**note["task"]).label
            change = (
                f": status '{note['status_before']}' -> '{note['status_after']}'"
                if "status_after" in note
                else ""
            )
            print(f"{note['outcome']}: {task}{change}")
    if errors:
        stderr.write(f"FAILED: {len(errors)} error(s); see the lines with 'error:' above\n")
        return 1
    posted = sum(1 for n in notes if n.get("posted"))
    if dry_run:
        stderr.write(f"dry run: {len(notes)} note(s) would be posted\n")
    else:
        stderr.write(f"done: {posted} note(s) posted\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
