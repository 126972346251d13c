"""The requests of our publish stay within issue 9's budget, whatever the number of instances.

Counts only, never times: each scenario is seeded afresh (a project, one shot and
Animation task per task, and an artist assigned to them, who publishes), published once
through the real plugins by the benchmark's own machinery
(``benchmarks/publish_bench.py``'s ``ours_requests``: a counting
``tools/fault_proxy.py`` proxy with no latency), and its requests are counted by
(method, route). The same code counts the requests in the benchmark's tables.

The shot checks (``[ValidateKitsuShot]``) read only what the publish has read: the same
publish with them off and on, each on a production seeded alike with the shots' cut in
Kitsu, sends the same requests, within the same budgets.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
from collections import Counter
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import kitsu_seed
import pytest

import kitsu_publish.shots

pytestmark = pytest.mark.zou

ROOT = Path(__file__).resolve().parents[2]

#: Issue 9's acceptance numbers.
TOTAL_1_1 = 6  # 1/1: every request, password login and logout included
COMMENT_WRITE = ("POST", "actions/tasks/<id>/comment")
#: scenario: (comment writes, exactly; other requests, at most)
BUDGETS = {
    "50/10": (10, 8),
    "200/50": (50, 8),  # the budget does not grow with the instances
    "50/10-names": (10, 12),
}


def _load_bench() -> ModuleType:
    """benchmarks/publish_bench.py, imported once (it is not a package)."""
    name = "publish_bench"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, ROOT / "benchmarks" / "publish_bench.py"
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # before running it: its dataclasses look it up
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
    return sys.modules[name]


bench = _load_bench()


def listing(counts: Counter[tuple[str, str]]) -> str:
    """The Counter of (method, route), most first: what a failed budget shows."""
    lines = [f"{sum(counts.values())} requests, by route:"]
    lines += [f"  {n:4d}  {method} {path}" for (method, path), n in counts.most_common()]
    return "\n".join(lines)


@pytest.fixture
def requests_of(admin, zou, tmp_path):
    """The requests of one publish of ours in a scenario, by (method, route)."""
    settings = tmp_path / "kitsu.toml"
    settings.write_text(bench.SETTINGS, encoding="utf-8")

    def count(scenario: str) -> Counter[tuple[str, str]]:
        return bench.ours_requests(admin, zou, scenario, settings)

    return count


def test_one_instance_on_one_task_takes_at_most_six_requests(requests_of):
    counts = requests_of("1/1")

    total = sum(counts.values())
    assert total <= TOTAL_1_1, f"1/1: {total} requests, budget {TOTAL_1_1}\n{listing(counts)}"


@pytest.mark.parametrize("scenario", list(BUDGETS))
def test_one_comment_write_per_task_and_a_fixed_budget_for_the_rest(scenario, requests_of):
    writes_wanted, others_limit = BUDGETS[scenario]

    counts = requests_of(scenario)

    writes = counts[COMMENT_WRITE]
    others = sum(counts.values()) - writes
    problems = []
    if writes != writes_wanted:
        problems.append(f"{writes} comment writes, expected {writes_wanted}")
    if others > others_limit:
        problems.append(f"{others} other requests, budget {others_limit}")
    assert not problems, f"{scenario}: {'; '.join(problems)}\n{listing(counts)}"


#: The shot checks, every one an error: a publish that passes has run them all.
SHOT_CHECKS = """
[ValidateKitsuShot]
enabled = true
frame_range = "error"
fps = "error"
resolution = "error"
"""
#: What each instance says of its render: the cut its shot has in Kitsu (seeded below).
RENDERED = {
    "frameStart": 1001,
    "frameEnd": 1100,
    "handleStart": 8,
    "handleEnd": 8,
    "fps": 25,
    "resolutionWidth": 1920,
    "resolutionHeight": 1080,
}


@pytest.mark.parametrize("scenario", ["50/10", "50/10-names"])
def test_the_shot_checks_add_no_request(scenario, admin, zou, tmp_path, monkeypatch):
    """The same publish with the shot checks off and on (each on a production seeded
    alike, shots with their cut in Kitsu): the same requests, within the budget."""
    found = bench.SCENARIOS[scenario]
    once = dataclasses.replace(found, reps=((0.0, (1, 1)),))
    reports: list[kitsu_publish.shots.Report] = []  # what each shot check found
    check = kitsu_publish.shots.check

    def recorded(*args: Any) -> kitsu_publish.shots.Report:
        reports.append(check(*args))
        return reports[-1]

    monkeypatch.setattr(kitsu_publish.shots, "check", recorded)
    counts: dict[str, Counter[tuple[str, str]]] = {}
    for name, extra in (("off", ""), ("on", SHOT_CHECKS)):
        settings = tmp_path / f"{name}.toml"
        settings.write_text(bench.SETTINGS + extra, encoding="utf-8")
        with bench.seeded(admin, f"{scenario} shots {name}", once.tasks) as production:
            for task_id, _ in production.tasks:
                kitsu_seed.set_shot_data(
                    admin, task_id, nb_frames=100, frame_in=1001, frame_out=1100
                )
            instances = [{**data, **RENDERED} for data in bench.instances_for(once, production)]
            counts[name] = _requests(zou, production, settings, instances, once.tasks)
    assert len(reports) == once.instances  # every instance checked, once, when on
    assert {(r.findings, r.passed) for r in reports} == {
        ((), ("frame range", "frame rate", "resolution"))
    }
    on, off = counts["on"], counts["off"]
    assert on == off, f"checks off:\n{listing(off)}\nchecks on:\n{listing(on)}"
    writes_wanted, others_limit = BUDGETS[scenario]
    assert on[COMMENT_WRITE] == writes_wanted
    assert sum(on.values()) - writes_wanted <= others_limit, listing(on)


def _requests(
    zou: Any, production: Any, settings: Path, instances: list[dict[str, Any]], tasks: int
) -> Counter[tuple[str, str]]:
    """One publish of ours through a counting proxy with no latency, as the production's
    artist, with that settings file (as ``bench.run_scenario`` does it)."""
    address = urlsplit(zou.url)
    host, port = address.hostname or "127.0.0.1", address.port or 80
    with bench.FaultProxy(host, port) as proxy:
        url = proxy.url_for(address.path or "/api")
        with bench.artist_env(url, production.person, settings):
            run = bench.measured(proxy, partial(bench.publish_ours, instances, tasks))
    return run.counts
