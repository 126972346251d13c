"""The requests of our publish stay within issue 9's budget, whatever the number of instances.

Counts only, never times: each scenario is seeded afresh (a project, one shot and
Animation task per task, and an artist assigned to them, who publishes), published once
through the real plugins by the benchmark's own machinery
(``benchmarks/publish_bench.py``'s ``ours_requests``: a counting
``tools/fault_proxy.py`` proxy with no latency), and its requests are counted by
(method, route). The same code counts the requests in the benchmark's tables.
"""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

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
