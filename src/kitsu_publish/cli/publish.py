"""``kitsu-publish publish``: a headless publish through the real plugins, for farm jobs
and scripts; progress on stderr, one line per plugin; the notes on stdout."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import sys
import traceback
from collections.abc import Mapping
from typing import Any, TextIO

from .. import PLUGINS, plan, plugin_path
from ..errors import KitsuPublishError, TargetError
from ..model import Target
from ..state import state_of
from .common import UsageError, load_settings, read_data

__all__ = ["publish"]


def publish(
    parser: argparse.ArgumentParser, args: argparse.Namespace, target: Target | None
) -> int:
    """A headless publish through the real plugins; the exit code from pyblish's results."""
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
        context, instances = read_data(args.data)
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

    # a settings problem is a usage error (2), found before any login
    load_settings(args.settings)
    if not any(_has_target(data, context, i) for i, data in enumerate(instances)):
        raise UsageError(
            "no instance has a Kitsu target: give --task-id, or --project, --entity "
            "and --task-type (or kitsuTaskId ... in the data, or KITSU_TASK_ID ... in "
            "the environment)"
        )
    return _run_publish(context, instances, args)


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
        name = plan.instance_name(data, f"instance{index}")
        return plan.find_target(data, context, None, name) is not None
    except TargetError:
        return True  # a target, a broken one: the validators say what is wrong


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
    context_data: Mapping[str, Any], instances: list[dict[str, Any]], args: argparse.Namespace
) -> int:
    import pyblish.api
    import pyblish.util

    from .. import flow

    as_json, debug = args.json, args.debug

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
    from .. import register

    register()
    pyblish.api.register_callback("pluginProcessed", on_result)
    printed = io.StringIO()  # pyblish prints every error to stdout; stdout is for notes
    context = pyblish.api.Context()
    context.data.update(context_data)
    state = flow.prepare(context, dry_run=args.dry_run, settings_file=args.settings)
    dry_run = state.options.dry_run
    for index, data in enumerate(instances):
        instance = context.create_instance(
            str(data.get("name") or plan.instance_name(data, f"instance{index}"))
        )
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
    notes = state_of(context).notes  # the state the publish itself started
    if as_json:
        out = {
            "notes": [n.as_data() for n in notes],
            "errors": [_result_line(r) for r in errors],
        }
        print(json.dumps(out, indent=2, ensure_ascii=False, default=str))
    else:
        for note in notes:
            change = (
                f": status '{note.status_before}' -> '{note.status_after}'"
                if note.status_after is not None
                else ""
            )
            print(f"{note.outcome}: {note.task.label}{change}")
    if errors:
        stderr.write(f"FAILED: {len(errors)} error(s); see the lines with 'error:' above\n")
        return 1
    posted = sum(1 for n in notes if n.posted)
    if dry_run:
        stderr.write(f"dry run: {len(notes)} note(s) would be posted\n")
    else:
        stderr.write(f"done: {posted} note(s) posted\n")
    return 0
