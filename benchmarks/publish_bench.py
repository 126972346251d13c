"""Requests and wall time of real publishes, against a naive baseline, on the real Kitsu.

What it does (issue 9, "benchmarks/"):

* starts (or reuses) the loopback Kitsu server, Zou, with ``tools/start-zou.sh``
  (skipped when ``ZOU_URL`` is set: then that server and ``ZOU_ADMIN_EMAIL`` /
  ``ZOU_ADMIN_PASSWORD`` are used);
* seeds one fresh project per scenario as the admin, with gazu: one sequence ``SQ010``,
  one shot per task (``SH0010``, ``SH0020``, ...) and an ``Animation`` task on each,
  and one artist for the scenario (``tools/kitsu_seed.py``'s ``new_person``: a real
  account with the global role Artist, in the project's team, assigned to every task of
  the scenario), deactivated when the scenario is done (Zou counts active people
  against its user limit);
* runs each scenario through a :class:`fault_proxy.FaultProxy` on loopback, directly
  (no latency) and with 25 ms each way (a 50 ms round trip, a nearby cloud Kitsu), and
  counts every request the proxy forwards;
* each repetition runs **ours** (a real pyblish publish in this process through the
  real plugin directory, ``kitsu_publish.plugin_path()``, logged in with the scenario's
  artist account and password) and then the **baseline**, logged in with the same
  account, alternately (ABAB...), so that a slow moment of the machine hits both and
  the per-pair ratio holds;
* measures the import time of ``kitsu_publish`` in a fresh interpreter
  (``python -X importtime``, the median of 5), printed as ``import kitsu_publish: N ms``.

The baseline does what the existing AYON/OpenPype Kitsu integration does, written here
with gazu directly, through the same proxy: log in once per publish, then for every
instance read its task, look up the note status by short name and post one comment.
It always targets task ids (the AYON integration has them in its own database), also
in the scenario where ours is given project / entity / task type names.

Scenarios (``--scenarios``, comma separated; all by default):

==============  =================================================================
``1/1``         1 instance on 1 task
``10/1``        10 instances on 1 task
``50/10``       50 instances on 10 tasks (5 each)
``200/50``      200 instances on 50 tasks (4 each)
``50/10-names`` 50/10 with targets given as ``kitsuProject`` + ``kitsuEntity``
                (``SQ010/SH0010``) + ``kitsuTaskType`` instead of ``kitsuTaskId``
``review-10``   10 instances on 10 tasks, each with a 1 s MP4 in
                ``instance.data["kitsuReview"]``; run only when the library has an
                ``IntegrateKitsuReview`` plugin (and ffmpeg is installed), ours only
==============  =================================================================

Timing: ours is ``pyblish.util.publish`` (plugin discovery is done before the clock
starts, as a publisher does when it opens); the baseline is from creating its gazu
client to its last comment. Times are medians over the repetitions; the time ratio is
the median of the per-repetition ratios. Request counts come from the proxy's log;
routes have ids replaced by ``<id>``.

Run from the repository root. It takes 4 to 7 minutes on 2 busy cores, about half of
it in the 200/50 and review scenarios, which run once each, so ``--quick`` saves
little::

    .venv/py3.11/bin/python benchmarks/publish_bench.py
    .venv/py3.11/bin/python benchmarks/publish_bench.py --quick --scenarios 1/1,50/10
    .venv/py3.11/bin/python benchmarks/publish_bench.py --json /tmp/bench.json

Every publish is checked (no pyblish error, one posted note per task, one comment per
instance for the baseline); a check that fails stops the benchmark rather than report
numbers of a publish that did not do its work. Requests answered with an error status
(or not at all) are counted like the others and listed as such under the routes.

``--parallel`` (issue 20) compares ``[kitsu] max_parallel_requests`` instead: 50/10,
200/50 and review-10, each seeded once, at 0, 50 and 150 ms round trips; each
repetition publishes with 1, then 4 (and any other ``--limits``), then measures the
server's floor: the same writes sent directly with gazu, 4 at a time, logged in
beforehand (one comment per task, and for review-10 a preview on it, polled every
0.2 s until processed). It prints the medians, the median of the per-repetition ratios,
and whether issue 20's targets are met (at 150 ms, 200/50 at 4 within 0.4 of 1 and
50/10 within 0.6; review-10 at 4 never more than 1.10 of 1, within 1.25 of the floor).

``ours_requests()`` runs one scenario's publish of ours once, through a counting proxy
with no latency, and returns its requests by (method, route): the request-count test,
tests/integration/test_requests.py, calls it, so that the test and the benchmark count
with one piece of code.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tools")]  # this checkout, its test tooling

import gazu  # noqa: E402
import kitsu_seed  # noqa: E402
import pyblish.api  # noqa: E402
import pyblish.util  # noqa: E402
from fault_proxy import FaultProxy, RequestRecord  # noqa: E402

import kitsu_publish  # noqa: E402

LATENCY_EACH_WAY = 0.025  # seconds: a 50 ms round trip
NOTE_STATUS = "wfa"
TASK_TYPE = "Animation"
SEQUENCE = "SQ010"
COMMENT = "benchmark publish"
REVIEW_PLUGIN = "IntegrateKitsuReview"
FFMPEG_CLIP = [
    *("-f", "lavfi", "-i", "testsrc=size=64x64:rate=24", "-f", "lavfi", "-i", "anullsrc"),
    *("-t", "1", "-shortest", "-c:v", "libx264", "-bf", "0", "-c:a", "aac"),
]
SETTINGS = f"""\
[IntegrateKitsuNote]
set_status_note = true
note_status_shortname = "{NOTE_STATUS}"
"""
KITSU_ENV = (
    "KITSU_SERVER",
    "KITSU_LOGIN",
    "KITSU_PWD",
    "KITSU_TOKEN",
    "KITSU_TASK_ID",
    "KITSU_PROJECT",
    "KITSU_ENTITY",
    "KITSU_TASK_TYPE",
    "KITSU_PUBLISH_SETTINGS",
    "KITSU_PUBLISH_DRY_RUN",
    "PYBLISHPLUGINPATH",
)
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


@dataclass(frozen=True)
class Scenario:
    name: str
    instances: int
    tasks: int
    by_names: bool = False
    review: bool = False
    # repetitions (pairs ours + baseline), per latency each way: (full, --quick)
    reps: tuple[tuple[float, tuple[int, int]], ...] = (
        (0.0, (3, 1)),
        (LATENCY_EACH_WAY, (2, 1)),
    )

    def describe(self) -> str:
        target = "names" if self.by_names else "task ids"
        extra = ", one MP4 each" if self.review else ""
        plural = "s" if self.tasks != 1 else ""
        return f"{self.instances} instances on {self.tasks} task{plural}, by {target}{extra}"


SCENARIOS = {
    s.name: s
    for s in (
        Scenario("1/1", 1, 1, reps=((0.0, (3, 2)), (LATENCY_EACH_WAY, (3, 2)))),
        Scenario("10/1", 10, 1, reps=((0.0, (3, 2)), (LATENCY_EACH_WAY, (3, 1)))),
        Scenario("50/10", 50, 10),
        Scenario("200/50", 200, 50, reps=((0.0, (1, 1)), (LATENCY_EACH_WAY, (1, 1)))),
        Scenario(
            "50/10-names",
            50,
            10,
            by_names=True,
            reps=((0.0, (2, 1)), (LATENCY_EACH_WAY, (1, 1))),
        ),
        Scenario("review-10", 10, 10, review=True, reps=((0.0, (1, 1)),)),
    )
}


class BenchError(RuntimeError):
    """A publish did not do its work: its numbers would mean nothing."""


# --- the server and its seeded productions -------------------------------------------


def start_zou() -> kitsu_seed.Zou:
    """The loopback Kitsu: ZOU_URL's when set, else started (or reused) by start-zou.sh."""
    if not os.environ.get("ZOU_URL"):
        done = subprocess.run(
            ["bash", str(ROOT / "tools" / "start-zou.sh")],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=ROOT,
        )
        if done.returncode:
            raise BenchError(f"tools/start-zou.sh failed:\n{done.stdout[-3000:]}")
    return kitsu_seed.Zou.from_env()


@dataclass
class Production:
    project: str
    tasks: list[tuple[str, str]]  # (task id, entity path "SQ010/SH0010")
    person: kitsu_seed.Person  # the artist who publishes: in the team, assigned to every task


def seed(admin: Any, label: str, tasks: int) -> Production:
    """A fresh project with one shot and one Animation task per task wanted, and an
    artist (global role Artist, "user") in its team, assigned to all those tasks.

    The artist counts against Zou's user limit: ``retire`` it when done (``seeded``).
    """
    name = f"Bench {label} {uuid.uuid4().hex[:8]}"
    project = gazu.project.new_project(name, production_type="short", client=admin)
    task_type = next(
        t
        for t in gazu.task.all_task_types(client=admin)
        if t["name"] == TASK_TYPE and t.get("for_entity", "Shot") == "Shot"
    )
    todo = gazu.task.get_default_task_status(client=admin)
    sequence = gazu.shot.new_sequence(project, SEQUENCE, client=admin)
    made = []
    for n in range(tasks):
        shot_name = f"SH{(n + 1) * 10:04d}"
        shot = gazu.shot.new_shot(project, sequence, shot_name, client=admin)
        task = gazu.task.new_task(shot, task_type, task_status=todo, client=admin)
        made.append((task["id"], f"{SEQUENCE}/{shot_name}"))
    person = kitsu_seed.new_person(
        admin, "user", project=project, assign=[task_id for task_id, _ in made]
    )
    return Production(name, made, person)


@contextlib.contextmanager
def seeded(admin: Any, label: str, tasks: int) -> Iterator[Production]:
    """``seed``, then the artist deactivated when the scenario is done."""
    production = seed(admin, label, tasks)
    try:
        yield production
    finally:
        kitsu_seed.retire(admin, production.person.id)


def instances_for(
    scenario: Scenario, production: Production, media: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """Instance data: instance n goes to task n % tasks."""
    made = []
    for n in range(scenario.instances):
        task_id, entity = production.tasks[n % scenario.tasks]
        data: dict[str, Any] = {"name": f"render{n:03d}", "productType": "render", "version": 1}
        if scenario.by_names:
            data.update(kitsuProject=production.project, kitsuEntity=entity)
            data.update(kitsuTaskType=TASK_TYPE)
        else:
            data["kitsuTaskId"] = task_id
        if media:
            data.update(productType="review", kitsuReview=[media[n % len(media)]])
        data["_task_id"] = task_id  # for the baseline; not a key the library reads
        made.append(data)
    return made


# --- the two publishers ----------------------------------------------------------------


def discover() -> list[type]:
    """The library's plugins, as a publisher discovers them (only this plugin path)."""
    pyblish.api.deregister_all_paths()
    pyblish.api.deregister_all_plugins()
    pyblish.api.register_plugin_path(kitsu_publish.plugin_path())
    return pyblish.api.sort_plugins(pyblish.api.discover())


@contextlib.contextmanager
def artist_env(url: str, person: kitsu_seed.Person, settings: Path) -> Iterator[None]:
    """The environment of an artist's publish: this server (the proxy) and their login."""
    saved = {name: os.environ.pop(name, None) for name in KITSU_ENV}
    os.environ.update(
        KITSU_SERVER=url,
        KITSU_LOGIN=person.email,
        KITSU_PWD=person.password,
        KITSU_PUBLISH_SETTINGS=str(settings),
    )
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def publish_ours(instances: list[dict[str, Any]], tasks: int) -> float:
    """One real pyblish publish; its wall time (seconds). Raises BenchError on failure."""
    plugins = discover()
    context = pyblish.api.Context()
    context.data["comment"] = COMMENT
    for data in instances:
        instance = context.create_instance(data["name"])
        instance.data.update({k: v for k, v in data.items() if not k.startswith("_")})
    started = time.perf_counter()
    pyblish.util.publish(context, plugins=plugins)
    seconds = time.perf_counter() - started
    errors = [
        f"{r['plugin'].__name__}: {r['error']}"
        for r in context.data.get("results", [])
        if r["error"] is not None
    ]
    if errors:
        raise BenchError("our publish failed: " + "; ".join(errors)[:2000])
    posted = [n for n in context.data.get("kitsuNotes", []) if n.get("posted")]
    if len(posted) != tasks:
        raise BenchError(f"our publish posted {len(posted)} notes, expected {tasks}")
    return seconds


def publish_baseline(
    url: str, person: kitsu_seed.Person, instances: list[dict[str, Any]]
) -> float:
    """The existing integration's requests, with gazu: login once (as the artist), then
    per instance read the task, look the status up by short name, post a comment."""
    started = time.perf_counter()
    client = gazu.client.create_client(url)
    gazu.log_in(person.email, person.password, client=client)
    posted = 0
    for data in instances:
        task = gazu.task.get_task(data["_task_id"], client=client)
        status = gazu.task.get_task_status_by_short_name(NOTE_STATUS, client=client)
        comment = gazu.task.add_comment(task, status, COMMENT, client=client)
        posted += bool(comment and comment.get("id"))
    seconds = time.perf_counter() - started
    with contextlib.suppress(Exception):
        client.session.close()
    if posted != len(instances):
        raise BenchError(f"the baseline posted {posted} comments, expected {len(instances)}")
    return seconds


# --- measuring --------------------------------------------------------------------------


def route_key(record: RequestRecord) -> tuple[str, str]:
    """(method, route): the path under /api/ with ids replaced by ``<id>``."""
    path = record.path
    if path.startswith("/api/"):
        path = path[len("/api/") :]
    return record.method, _UUID.sub("<id>", path) or "/"


def route(record: RequestRecord) -> str:
    return " ".join(route_key(record))


@dataclass
class Run:
    seconds: float
    requests: int
    routes: dict[str, int]
    # per route, the proxy's time from having the request to answering it, summed: the
    # server's time plus the injected latency (not the client's own time)
    route_seconds: dict[str, float]
    # requests answered 4xx/5xx or not at all, by route ("GET data/x -> 404"): listed,
    # not fatal, since a library may probe a route and fall back; the publish's own
    # checks say whether it did its work
    errors: dict[str, int]
    # every request by (method, route), as routes but keyed for a test to look up
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)


def measured(proxy: FaultProxy, call: Any) -> Run:
    proxy.clear()
    seconds = call()
    seen = proxy.requests_seen()
    errors = Counter(
        f"{route(r)} -> {r.status or 'no answer'}"
        for r in seen
        if r.status is None or r.status >= 400
    )
    counts = Counter(route_key(r) for r in seen)
    routes = Counter(route(r) for r in seen)
    spent: dict[str, float] = {}
    for r in seen:
        spent[route(r)] = spent.get(route(r), 0.0) + ((r.end or r.start) - r.start)
    return Run(
        seconds,
        len(seen),
        dict(sorted(routes.items())),
        {name: round(spent[name], 4) for name in sorted(spent)},
        dict(sorted(errors.items())),
        counts,
    )


@dataclass
class Result:
    scenario: Scenario
    latency: float
    ours: list[Run] = field(default_factory=list)
    baseline: list[Run] = field(default_factory=list)

    @property
    def round_trip_ms(self) -> int:
        return round(self.latency * 2000)

    def requests(self, runs: list[Run]) -> int | None:
        return runs[-1].requests if runs else None

    def seconds(self, runs: list[Run]) -> float | None:
        return statistics.median(r.seconds for r in runs) if runs else None

    def request_ratio(self) -> float | None:
        ours, base = self.requests(self.ours), self.requests(self.baseline)
        return ours / base if ours is not None and base else None

    def time_ratio(self) -> float | None:
        pairs = [o.seconds / b.seconds for o, b in zip(self.ours, self.baseline) if b.seconds]
        return statistics.median(pairs) if pairs else None

    def as_dict(self) -> dict[str, Any]:
        def side(runs: list[Run]) -> dict[str, Any] | None:
            if not runs:
                return None
            return {
                "requests": self.requests(runs),
                "requests_per_repetition": [r.requests for r in runs],
                "routes": runs[-1].routes,
                "route_seconds": runs[-1].route_seconds,
                "errors": runs[-1].errors,
                "seconds_median": round(self.seconds(runs) or 0.0, 4),
                "seconds": [round(r.seconds, 4) for r in runs],
            }

        def rounded(value: float | None) -> float | None:
            return None if value is None else round(value, 3)

        return {
            "scenario": self.scenario.name,
            "description": self.scenario.describe(),
            "instances": self.scenario.instances,
            "tasks": self.scenario.tasks,
            "by_names": self.scenario.by_names,
            "review": self.scenario.review,
            "latency_each_way_s": self.latency,
            "round_trip_ms": self.round_trip_ms,
            "repetitions": len(self.ours),
            "ours": side(self.ours),
            "baseline": side(self.baseline),
            "ratio_requests": rounded(self.request_ratio()),
            "ratio_time": rounded(self.time_ratio()),
        }


def progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def review_skip_reason(work: Path) -> tuple[str | None, list[str]]:
    """(why the review scenario cannot run, or None; the MP4 files made for it)."""
    names = {plugin.__name__ for plugin in discover()}
    if REVIEW_PLUGIN not in names:
        return (
            f"review media are not available (no {REVIEW_PLUGIN} plugin among the "
            "discovered plugins)",
            [],
        )
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        return "ffmpeg is not installed (it makes the MP4 clips)", []
    clips = []
    for n in range(SCENARIOS["review-10"].tasks):
        clip = work / f"clip{n:02d}.mp4"
        done = subprocess.run(
            [ffmpeg, "-y", "-loglevel", "error", *FFMPEG_CLIP, str(clip)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        if done.returncode:
            return f"ffmpeg failed: {done.stdout[-500:]}", []
        clips.append(str(clip))
    return None, clips


def run_scenario(
    scenario: Scenario,
    production: Production,
    zou: kitsu_seed.Zou,
    settings: Path,
    quick: bool,
    media: Sequence[str] = (),
    baseline: bool = True,
) -> list[Result]:
    """Each repetition of the scenario at each latency, through a proxy: ours, then the
    baseline (unless ``baseline`` is False or it is the review scenario)."""
    address = urlsplit(zou.url)
    host, port = address.hostname or "127.0.0.1", address.port or 80
    instances = instances_for(scenario, production, media)
    results = []
    for latency, (full, fewer) in scenario.reps:
        reps = fewer if quick else full
        result = Result(scenario, latency)
        with FaultProxy(host, port) as proxy:
            proxy.set_latency(latency)
            url = proxy.url_for(address.path or "/api")
            for rep in range(reps):
                with artist_env(url, production.person, settings):
                    ours = measured(proxy, partial(publish_ours, instances, scenario.tasks))
                result.ours.append(ours)
                line = (
                    f"  {scenario.name} {result.round_trip_ms} ms rep {rep + 1}/{reps}: "
                    f"ours {ours.requests} req {ours.seconds:.2f} s"
                )
                if baseline and not scenario.review:
                    call = partial(publish_baseline, url, production.person, instances)
                    base = measured(proxy, call)
                    result.baseline.append(base)
                    line += f", baseline {base.requests} req {base.seconds:.2f} s"
                progress(line)
        results.append(result)
    return results


def measure_scenario(
    admin: Any,
    zou: kitsu_seed.Zou,
    scenario: Scenario,
    settings: Path,
    quick: bool,
    media: Sequence[str] = (),
    baseline: bool = True,
) -> list[Result]:
    """Seed the scenario's production and artist, run it (``run_scenario``), and retire
    the artist."""
    with seeded(admin, scenario.name, scenario.tasks) as production:
        return run_scenario(scenario, production, zou, settings, quick, media, baseline)


def ours_requests(
    admin: Any, zou: kitsu_seed.Zou, scenario: Scenario | str, settings: Path
) -> Counter[tuple[str, str]]:
    """The requests of one publish of ours in that scenario, by (method, route).

    Seeded afresh, published once as the scenario's artist through a counting proxy with
    no latency, no baseline; raises BenchError when the publish did not do its work.
    """
    if isinstance(scenario, str):
        scenario = SCENARIOS[scenario]
    once = dataclasses.replace(scenario, reps=((0.0, (1, 1)),))
    [result] = measure_scenario(admin, zou, once, settings, quick=True, baseline=False)
    return result.ours[0].counts


def import_time_ms(runs: int = 5) -> int:
    """Import time of kitsu_publish in a fresh interpreter (``-X importtime``'s
    cumulative figure for it, the median of ``runs``), in milliseconds."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    found = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import kitsu_publish"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=env,
        )
        if done.returncode:
            raise BenchError(f"python -c 'import kitsu_publish' failed:\n{done.stderr[-2000:]}")
        # "import time:      self [us] | cumulative | imported package"
        cumulative = [
            int(line.split("|")[1])
            for line in done.stderr.splitlines()
            if line.startswith("import time:") and line.split("|")[-1].strip() == "kitsu_publish"
        ]
        if not cumulative:
            raise BenchError("python -X importtime did not list kitsu_publish")
        found.append(cumulative[-1] / 1000)
    return round(statistics.median(found))


# --- parallel writes -------------------------------------------------------------------

#: ``--parallel``: the scenarios, ``[kitsu] max_parallel_requests`` values (``--limits``)
#: and latencies each way (0, 50 and 150 ms round trips) compared, and the repetitions
#: per latency (full, --quick); ``--repeat N`` sets them all.
PARALLEL_SCENARIOS = ("50/10", "200/50", "review-10")
PARALLEL_LIMITS = (1, 4)
DEFAULT_LIMIT = 4  # the setting's default: the floor is measured at it
PARALLEL_LATENCIES = (0.0, 0.025, 0.075)
PARALLEL_REPS = {"50/10": (3, 1), "200/50": (2, 1), "review-10": (1, 1)}
#: Issue 20's targets at a 150 ms round trip: the most time at the default / at 1.
PARALLEL_TARGETS = {"200/50": 0.4, "50/10": 0.6}
#: review-10: the most time at the default / at 1 (at every latency, every repetition),
#: and / the server's floor.
REVIEW_SLOWER = 1.10
REVIEW_FLOOR = 1.25
FLOOR = "floor"
POLL_FLOOR = 0.2  # seconds between the floor's reads of its previews


def limited_settings(work: Path, limit: int) -> Path:
    """The benchmark's settings file with this ``max_parallel_requests``."""
    path = work / f"kitsu-parallel-{limit}.toml"
    path.write_text(f"{SETTINGS}\n[kitsu]\nmax_parallel_requests = {limit}\n", "utf-8")
    return path


def floor(
    url: str,
    person: kitsu_seed.Person,
    task_ids: Sequence[str],
    media: Sequence[str],
    limit: int,
) -> float:
    """The server's own floor: the same writes with nothing around them, sent directly
    with gazu, ``limit`` tasks at a time, as the same artist through the same proxy. Per
    task one comment, and with ``media`` one preview on it; then every preview polled
    (all in one request, every ``POLL_FLOOR`` s) until Kitsu has processed it. Its time
    (seconds) runs from the first comment to the last comment posted or preview ready;
    logging in and reading the status are not in it."""
    from concurrent.futures import ThreadPoolExecutor

    client = gazu.client.create_client(url)
    gazu.log_in(person.email, person.password, client=client)
    status = gazu.task.get_task_status_by_short_name(NOTE_STATUS, client=client)

    def one(n: int) -> str:
        comment = gazu.task.add_comment(task_ids[n], status, COMMENT, client=client)
        if not media:
            return ""
        path = media[n % len(media)]
        return str(gazu.task.add_preview(task_ids[n], comment, path, client=client)["id"])

    started = time.perf_counter()
    with ThreadPoolExecutor(limit) as pool:
        pending = set(pool.map(one, range(len(task_ids)))) - {""}
    broken = []
    while pending:
        query = urllib.parse.urlencode({"id": json.dumps(sorted(pending))})
        for preview in gazu.client.get(f"data/preview-files?{query}", client=client):
            if preview.get("status") in ("ready", "broken"):
                pending.discard(preview["id"])
                if preview["status"] == "broken":
                    broken.append(preview["id"])
        if pending:
            if time.perf_counter() - started > 600:
                raise BenchError(f"the floor's previews still processing after 600 s: {pending}")
            time.sleep(POLL_FLOOR)
    seconds = time.perf_counter() - started
    with contextlib.suppress(Exception):
        gazu.log_out(client=client)
    if broken:
        raise BenchError(f"Kitsu could not process {len(broken)} of the floor's previews")
    return seconds


@dataclass
class Compared:
    """One scenario at one latency: runs by label (``"1"``, ``"4"``: ours with that
    max_parallel_requests; ``"floor"``: the server's floor at the default), interleaved
    repetition by repetition."""

    scenario: Scenario
    latency: float
    runs: dict[str, list[Run]] = field(default_factory=dict)

    @property
    def round_trip_ms(self) -> int:
        return round(self.latency * 2000)

    def seconds(self, label: str) -> float | None:
        runs = self.runs.get(label) or []
        return statistics.median(r.seconds for r in runs) if runs else None

    def ratios(self, label: str, to: str) -> list[float]:
        """Per repetition, the time of ``label`` / the time of ``to``."""
        pairs = zip(self.runs.get(label) or [], self.runs.get(to) or [])
        return [a.seconds / b.seconds for a, b in pairs if b.seconds]

    def ratio(self, label: str, to: str) -> float | None:
        """The median of the per-repetition ratios."""
        found = self.ratios(label, to)
        return statistics.median(found) if found else None

    def worst(self, label: str, to: str) -> float | None:
        """The largest per-repetition ratio: "never slower" holds for every one."""
        return max(self.ratios(label, to), default=None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario.name,
            "round_trip_ms": self.round_trip_ms,
            "latency_each_way_s": self.latency,
            "runs": {
                label: {
                    "requests": [r.requests for r in runs],
                    "seconds": [round(r.seconds, 4) for r in runs],
                    "routes": runs[-1].routes if runs else {},
                    "route_seconds": runs[-1].route_seconds if runs else {},
                    "errors": runs[-1].errors if runs else {},
                }
                for label, runs in self.runs.items()
            },
            "ratios_to_1": {
                label: [round(x, 3) for x in self.ratios(label, "1")]
                for label in self.runs
                if label != "1"
            },
            "ratios_to_floor": [round(x, 3) for x in self.ratios(str(DEFAULT_LIMIT), FLOOR)],
        }


def compare_parallel(
    admin: Any,
    zou: kitsu_seed.Zou,
    scenario: Scenario,
    work: Path,
    reps: int,
    limits: Sequence[int] = PARALLEL_LIMITS,
    media: Sequence[str] = (),
) -> list[Compared]:
    """Seed the scenario once; at each latency, through one proxy per latency, ``reps``
    repetitions of: ours with each of ``limits`` in turn, then the server's floor at
    the default."""
    address = urlsplit(zou.url)
    host, port = address.hostname or "127.0.0.1", address.port or 80
    settings = {limit: limited_settings(work, limit) for limit in limits}
    results = []
    with seeded(admin, scenario.name, scenario.tasks) as production:
        instances = instances_for(scenario, production, media)
        task_ids = [task_id for task_id, _ in production.tasks]
        for latency in PARALLEL_LATENCIES:
            result = Compared(scenario, latency)
            with FaultProxy(host, port) as proxy:
                proxy.set_latency(latency)
                url = proxy.url_for(address.path or "/api")
                for rep in range(reps):
                    line = f"  {scenario.name} {result.round_trip_ms} ms rep {rep + 1}/{reps}:"
                    for limit in limits:
                        with artist_env(url, production.person, settings[limit]):
                            run = measured(proxy, partial(publish_ours, instances, scenario.tasks))
                        result.runs.setdefault(str(limit), []).append(run)
                        line += f" {limit} at a time {run.requests} req {run.seconds:.2f} s,"
                    call = partial(floor, url, production.person, task_ids, media, DEFAULT_LIMIT)
                    run = measured(proxy, call)
                    result.runs.setdefault(FLOOR, []).append(run)
                    progress(f"{line} floor {run.seconds:.2f} s")
            results.append(result)
    return results


def parallel_table(results: list[Compared], limits: Sequence[int] = PARALLEL_LIMITS) -> str:
    """Seconds (medians) of each limit, their ratio to one at a time, the floor, and the
    default's ratio to the floor."""
    if not results:
        return "(no scenario ran)"
    many = [str(n) for n in limits if n != 1]
    default = str(DEFAULT_LIMIT)
    head = ["scenario", "round trip", "reps", "requests"]
    head += [f"s, {n} at a time" for n in limits]
    head += [f"{n} / 1" for n in many]
    head += [f"s, floor ({default} at a time)", f"{default} / floor"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in results:
        runs = r.runs.get(default) or r.runs.get(str(limits[-1])) or []
        row = [r.scenario.name, f"{r.round_trip_ms} ms", str(len(runs))]
        row.append(str(runs[-1].requests) if runs else "–")
        row += [_num(r.seconds(str(n))) for n in limits]
        row += [_num(r.ratio(n, "1")) for n in many]
        row += [_num(r.seconds(FLOOR)), _num(r.ratio(default, FLOOR))]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def _verdict(value: float | None, target: float) -> str:
    met = "met" if value is not None and value <= target else "NOT met"
    return f"{_num(value)} (target <= {target:.2f}): {met}"


def parallel_targets(results: list[Compared]) -> str:
    """Issue 20's targets, each with what this run measured and whether it is met."""
    default = str(DEFAULT_LIMIT)
    lines = []
    for r in results:
        name, at = r.scenario.name, f"at {r.round_trip_ms} ms"
        if name in PARALLEL_TARGETS and r.round_trip_ms == 150 and "1" in r.runs:
            ratio = r.ratio(default, "1")
            lines.append(
                f"{name} {at}: {default} at a time / 1 at a time = "
                f"{_verdict(ratio, PARALLEL_TARGETS[name])}"
            )
        if r.scenario.review:
            lines.append(
                f"{name} {at}: {default} at a time / 1 at a time, worst repetition = "
                f"{_verdict(r.worst(default, '1'), REVIEW_SLOWER)}"
            )
            lines.append(
                f"{name} {at}: {default} at a time / the server's floor, worst repetition = "
                f"{_verdict(r.worst(default, FLOOR), REVIEW_FLOOR)}"
            )
    return "\n".join(lines)


# --- output -----------------------------------------------------------------------------


def _num(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def table(results: list[Result]) -> str:
    if not results:
        return "(no scenario ran)"
    lines = [
        "| scenario | round trip | reps | requests ours | requests baseline | ratio "
        "| seconds ours | seconds baseline | ratio |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.scenario.name} | {r.round_trip_ms} ms | {len(r.ours)} "
            f"| {r.requests(r.ours) or '–'} | {r.requests(r.baseline) or '–'} "
            f"| {_num(r.request_ratio())} | {_num(r.seconds(r.ours))} "
            f"| {_num(r.seconds(r.baseline))} | {_num(r.time_ratio())} |"
        )
    return "\n".join(lines)


def breakdown(results: list[Result]) -> str:
    """Requests by method and route, per scenario (once when both latencies agree)."""
    lines = []
    shown: dict[str, Result] = {}
    for r in results:
        previous = shown.get(r.scenario.name)
        same = previous is not None and all(
            (a[-1].routes if a else None) == (b[-1].routes if b else None)
            for a, b in ((previous.ours, r.ours), (previous.baseline, r.baseline))
        )
        if same:
            continue
        shown[r.scenario.name] = r
        suffix = "" if previous is None else f" (at {r.round_trip_ms} ms round trip)"
        lines.append(f"{r.scenario.name}: {r.scenario.describe()}{suffix}")
        for label, runs in (("ours", r.ours), ("baseline", r.baseline)):
            if not runs:
                continue
            counts = {len({run.requests for run in runs})}
            varies = "" if counts == {1} else " (varied between repetitions)"
            how = " (by task ids)" if label == "baseline" and r.scenario.by_names else ""
            lines.append(f"  {label}{how}: {runs[-1].requests} requests{varies}")
            for name, count in runs[-1].routes.items():
                lines.append(f"    {count:5d}  {name}")
            for name, count in runs[-1].errors.items():
                lines.append(f"    {count:5d}  {name} (error answer)")
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }


def _zou_version(url: str) -> str | None:
    with urllib.request.urlopen(url.rstrip("/") + "/", timeout=10) as answer:
        return json.load(answer).get("version")


def versions(zou: kitsu_seed.Zou) -> dict[str, Any]:
    found: dict[str, Any] = {
        "kitsu_publish": kitsu_publish.__version__,
        "gazu": gazu.__version__,
        "pyblish": pyblish.__version__,
    }
    with contextlib.suppress(Exception):
        found["zou"] = _zou_version(zou.url)
    with contextlib.suppress(Exception):
        head = subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        found["git"] = head.stdout.strip() or None
    return found


# --- main -------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Requests and wall time of real publishes against a naive baseline."
    )
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument(
        "--scenarios",
        default=",".join(SCENARIOS),
        help=f"comma-separated, from: {', '.join(SCENARIOS)} (default: all)",
    )
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument(
        "--parallel",
        action="store_true",
        help="compare max_parallel_requests "
        f"{' and '.join(map(str, PARALLEL_LIMITS))} and the server's floor (the same "
        "writes sent directly with gazu) at 0, 50 and 150 ms round trips, instead of ours "
        f"against the baseline; scenarios {', '.join(PARALLEL_SCENARIOS)} unless "
        "--scenarios says otherwise",
    )
    parser.add_argument(
        "--repeat", type=int, metavar="N", help="--parallel: N repetitions per latency"
    )
    parser.add_argument(
        "--limits",
        default=",".join(map(str, PARALLEL_LIMITS)),
        help="--parallel: the max_parallel_requests values compared, comma separated "
        f"(default {','.join(map(str, PARALLEL_LIMITS))}; 1 and {DEFAULT_LIMIT} always)",
    )
    args = parser.parse_args(argv)
    try:
        limits = sorted({1, DEFAULT_LIMIT, *(int(n) for n in args.limits.split(",") if n)})
    except ValueError:
        parser.error(f"--limits: whole numbers, comma separated, not {args.limits!r}")
    if args.parallel and args.scenarios == parser.get_default("scenarios"):
        args.scenarios = ",".join(PARALLEL_SCENARIOS)
    wanted = [name.strip() for name in args.scenarios.split(",") if name.strip()]
    unknown = [name for name in wanted if name not in SCENARIOS]
    if unknown or not wanted:
        parser.error(f"unknown scenario(s) {unknown}: choose from {', '.join(SCENARIOS)}")
    if args.repeat is not None and (not args.parallel or args.repeat < 1):
        parser.error("--repeat N (N >= 1) goes with --parallel")

    began = time.monotonic()
    zou = start_zou()
    admin = zou.client()
    versions_run = versions(zou)  # before: the code measured, not what a later edit left
    import_ms = import_time_ms()
    progress(f"import kitsu_publish: {import_ms} ms")
    results: list[Result] = []
    compared: list[Compared] = []
    skipped: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="kitsu-bench-") as tmp:
        work = Path(tmp)
        settings = work / "kitsu.toml"
        settings.write_text(SETTINGS, encoding="utf-8")

        # warm up both sides (imports, connections, the server's caches); not measured
        warm_scenario = Scenario("warm-up", 1, 1, reps=((0.0, (1, 1)),))
        measure_scenario(admin, zou, warm_scenario, settings, quick=True)

        for name in wanted:
            scenario = SCENARIOS[name]
            media: list[str] = []
            if scenario.review:
                reason, media = review_skip_reason(work)
                if reason is not None:
                    skipped[name] = reason
                    progress(f"{name}: skipped: {reason}")
                    continue
            progress(f"{name}: seeding {scenario.tasks} tasks and their artist")
            if args.parallel:
                full, fewer = PARALLEL_REPS.get(name, (1, 1))
                reps = args.repeat or (fewer if args.quick else full)
                found = compare_parallel(admin, zou, scenario, work, reps, limits, media)
                compared.extend(found)
            else:
                results.extend(measure_scenario(admin, zou, scenario, settings, args.quick, media))

    with contextlib.suppress(Exception):
        gazu.log_out(client=admin)
    took = time.monotonic() - began
    now = datetime.datetime.now(datetime.timezone.utc)
    info = machine()
    header = (
        f"{now:%Y-%m-%d %H:%M} UTC, {info['cpu']} ({info['cpus']} CPUs), "
        f"Python {info['python']}, benchmark took {took:.0f} s"
    )
    if args.json:  # first: a closed stdout (| head) must not lose it
        document = {
            "date": now.isoformat(timespec="seconds"),
            "machine": info,
            "versions": versions_run,
            "latency_each_way_s": LATENCY_EACH_WAY,
            "quick": args.quick,
            "seconds_total": round(took, 1),
            "import_kitsu_publish_ms": import_ms,
            "results": [r.as_dict() for r in results],
            "parallel": [c.as_dict() for c in compared],
            "skipped": skipped,
        }
        Path(args.json).write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    print(header)
    print(f"import kitsu_publish: {import_ms} ms")
    print()
    if args.parallel:
        print(parallel_table(compared, limits))
        print()
        print(parallel_targets(compared))
    else:
        print(table(results))
        print()
        print(breakdown(results))
    for name, reason in skipped.items():
        print(f"\n{name}: skipped: {reason}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"publish_bench: {exc}", file=sys.stderr)
        sys.exit(1)
