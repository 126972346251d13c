"""Run real pyblish publishes through the real plugin directory, and read what happened."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyblish.api
import pyblish.util

import kitsu_publish


@dataclass
class Outcome:
    """What a publish did, as pyblish recorded it."""

    context: Any
    records: list[logging.LogRecord] = field(default_factory=list)

    @property
    def results(self) -> list[dict[str, Any]]:
        return list(self.context.data.get("results", []))

    def errors(self) -> list[tuple[str, str]]:
        return [
            (r["plugin"].__name__, str(r["error"])) for r in self.results if r["error"] is not None
        ]

    def error_of(self, plugin: str) -> str:
        found = [message for name, message in self.errors() if name == plugin]
        assert found, f"{plugin} did not fail; errors: {self.errors()}"
        return found[0]

    def ran(self) -> list[str]:
        return [r["plugin"].__name__ for r in self.results]

    @property
    def notes(self) -> list[dict[str, Any]]:
        return list(self.context.data.get("kitsuNotes", []))


def render(task_id: str, **data: Any) -> dict[str, Any]:
    """The instance data of a render product going to one Kitsu task, as a collector leaves it."""
    return {
        "name": "renderMain",
        "productType": "render",
        "version": 1,
        "kitsuTaskId": task_id,
        **data,
    }


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", *args], check=True)


def picture_file(path: Path, pattern: str = "testsrc") -> Path:
    """A 64x64 picture made with ffmpeg (``pattern``: a lavfi source, e.g. rgbtestsrc)."""
    ffmpeg("-f", "lavfi", "-i", f"{pattern}=size=64x64:rate=1", "-frames:v", "1", str(path))
    return path


def movie_file(path: Path) -> Path:
    """A 1 s clip Kitsu processes: an audio track, no B-frames."""
    ffmpeg(
        "-f", "lavfi", "-i", "testsrc=size=64x64:rate=24", "-f", "lavfi", "-i", "anullsrc",
        "-t", "1", "-shortest", "-c:v", "libx264", "-bf", "0", "-pix_fmt", "yuv420p",
        "-c:a", "aac", str(path),
    )  # fmt: skip
    return path


def discover(extra: Iterable[type] = ()) -> list[type]:
    """The real plugin directory, discovered by pyblish, plus a test's own plugins."""
    pyblish.api.register_plugin_path(kitsu_publish.plugin_path())
    plugins = pyblish.api.discover() + list(extra)
    return pyblish.api.sort_plugins(plugins)


def publish(
    instances: Iterable[dict[str, Any]],
    context_data: dict[str, Any] | None = None,
    extra_plugins: Iterable[type] = (),
) -> Outcome:
    """Create the instances and run a whole pyblish publish through the real plugins."""
    context = pyblish.api.Context()
    context.data.update(context_data or {})
    for data in instances:
        instance = context.create_instance(data.get("name", "instance"))
        instance.data.update(data)
    pyblish.util.publish(context, plugins=discover(extra_plugins))
    records = [rec for result in context.data.get("results", []) for rec in result["records"]]
    return Outcome(context, records)


#: A farm job: one publish of one instance to a task id, in its own Python process,
#: through the installed plugins; prints its errors and kitsuNotes as JSON.
FARM_JOB = textwrap.dedent(
    """
    import json, sys
    import pyblish.api, pyblish.util
    import kitsu_publish

    pyblish.api.deregister_all_paths()
    kitsu_publish.register()
    context = pyblish.api.Context()
    context.data["comment"] = sys.argv[2]
    instance = context.create_instance("renderMain")
    instance.data.update(productType="render", version=1, kitsuTaskId=sys.argv[1])
    pyblish.util.publish(context)
    errors = [str(r["error"]) for r in context.data["results"] if r["error"]]
    print(json.dumps({"errors": errors, "notes": context.data.get("kitsuNotes", [])}))
    """
)


def farm_jobs(
    env: Mapping[str, str], jobs: Sequence[tuple[str, str]], timeout: float = 300
) -> list[dict[str, Any]]:
    """Run one farm-job process per (task id, comment), all at once; their JSON results."""
    running = [
        subprocess.Popen(
            [sys.executable, "-c", FARM_JOB, task_id, comment],
            env=dict(env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for task_id, comment in jobs
    ]
    results = []
    for job in running:
        out, err = job.communicate(timeout=timeout)
        assert job.returncode == 0, err[-2000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results
