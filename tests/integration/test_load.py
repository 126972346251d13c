"""Twenty publishes at once, in separate processes, against one Zou: every task gets
exactly its comments, no more, no fewer."""

from __future__ import annotations

import collections
import os
import time

import kitsu_seed
import pytest
from harness import farm_jobs

pytestmark = pytest.mark.zou

PUBLISHES = 20


def test_twenty_parallel_publishes_give_every_task_exactly_its_comments(
    zou, admin, production, reliability
):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KITSU_", "PYBLISH"))}
    env.update(KITSU_SERVER=zou.url, KITSU_LOGIN=zou.email, KITSU_PWD=zou.password)
    tasks = list(production.tasks.values())
    jobs = [(tasks[n % len(tasks)], f"load publish {n}") for n in range(PUBLISHES)]

    started = time.monotonic()
    results = farm_jobs(env, jobs)
    seconds = time.monotonic() - started

    errors = [e for r in results for e in r["errors"]]
    assert errors == []
    assert [r["notes"][0]["outcome"] for r in results] == ["posted"] * PUBLISHES
    expected = collections.defaultdict(list)
    for task_id, comment in jobs:
        expected[task_id].append(comment)
    found = {t: sorted(c["text"] for c in kitsu_seed.comments(admin, t)) for t in tasks}
    assert found == {t: sorted(expected[t]) for t in tasks}
    stored = sum(len(texts) for texts in found.values())
    duplicates = stored - len({(t, c) for t, texts in found.items() for c in texts})
    reliability.add(
        "load",
        publishes=PUBLISHES,
        processes=PUBLISHES,
        tasks=len(tasks),
        comments=stored,
        errors=len(errors),
        duplicates=duplicates,
        seconds=round(seconds, 1),
    )
