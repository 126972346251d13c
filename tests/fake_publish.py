"""One whole pyblish publish through the real plugin directory against the fake Kitsu
(tests/fake_kitsu.py), for the fast tests of the flow, the farm hand-off and the shot
checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyblish.api
import pyblish.util

import kitsu_publish
from fake_kitsu import FakeWorld
from kitsu_publish import flow
from kitsu_publish.state import RunOptions

__all__ = ["errors", "publish"]


#: A 1x1 PNG: a review file or attachment the fake takes (it checks no image).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def product(name: str, task_id: str, **data: Any) -> dict[str, Any]:
    """An instance of product type render, version 3, on this task id."""
    return {"name": name, "productType": "render", "version": 3, "kitsuTaskId": task_id, **data}


def publish(
    world: FakeWorld,
    instances: list[dict[str, Any]],
    *,
    person: dict[str, Any] | None = None,
    comment: str = "did the thing",
    dry_run: bool = False,
    settings: str | None = None,
    tmp_path: Path | None = None,
    on_behalf_of: str | None = None,
) -> Any:
    """Publish these instances (their data) as ``person`` (an admin by default) with
    these settings (TOML, written to ``tmp_path``); the context, with its results."""
    file = None
    if settings is not None:
        assert tmp_path is not None, "settings need a tmp_path to be written to"
        file = tmp_path / "kitsu.toml"
        file.write_text(settings, encoding="utf-8")
    context = pyblish.api.Context()
    context.data["comment"] = comment
    options = RunOptions(
        dry_run=dry_run,
        connect=world.connect(person),
        settings_file=None if file is None else str(file),
        on_behalf_of=on_behalf_of,
    )
    flow.prepare(context, options)
    for data in instances:
        context.create_instance(data["name"]).data.update(data)
    pyblish.api.register_plugin_path(kitsu_publish.plugin_path())
    pyblish.util.publish(context, plugins=pyblish.api.discover())
    return context


def errors(context: Any) -> dict[str, BaseException]:
    """The errors of the publish, by plugin class name."""
    return {
        r["plugin"].__name__: r["error"] for r in context.data["results"] if r["error"] is not None
    }
