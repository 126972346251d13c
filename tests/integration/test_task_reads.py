"""Tasks read in bulk are the tasks Kitsu's own task route gives (issue 9).

A publish reads its first task with ``tasks/<id>/full`` and the others with list
requests, putting each together from the records the publish has read. These tests
compare what comes out, for an artist and for an admin, with what ``tasks/<id>/full``
answers for the same task, on an asset, a shot and a shot of an episode; and check that
targets given by names find the same tasks as the one-by-one lookups.
"""

from __future__ import annotations

from typing import Any

import gazu
import kitsu_seed
import pytest

from kitsu_publish.errors import TargetError
from kitsu_publish.kitsu import names, tasks
from kitsu_publish.kitsu.session import Session, open_session
from kitsu_publish.model import Target
from kitsu_publish.settings import Settings

pytestmark = pytest.mark.zou

NESTED = ("project", "entity", "entity_type", "task_type", "task_status", "sequence", "episode")


def _session(zou: kitsu_seed.Zou, person: kitsu_seed.Person | None) -> Session:
    email, password = (person.email, person.password) if person else (zou.email, zou.password)
    env = {"KITSU_SERVER": zou.url, "KITSU_LOGIN": email, "KITSU_PWD": password}
    return open_session(Settings(), env)


def _same_as_full(built: dict[str, Any], full: dict[str, Any]) -> list[str]:
    """Where the task put together differs from ``tasks/<id>/full`` (empty: nowhere).

    Nested records are compared on the keys Kitsu's task route gives them (the
    context's projects carry a few more); people by id (the context lists them with
    fewer fields, as this person may see them).
    """
    differences = []
    plain = [k for k in full if k not in (*NESTED, "persons", "assigner", "is_subscribed")]
    differences += [k for k in plain if built.get(k) != full.get(k)]
    for key in NESTED:
        want, got = full.get(key), built.get(key)
        if (want is None) != (got is None):
            differences.append(key)
        elif want is not None:
            differences += [f"{key}.{k}" for k in want if want[k] != got.get(k)]
    ids = lambda people: sorted(p["id"] for p in people or ())  # noqa: E731
    if ids(built.get("persons")) != ids(full.get("persons")):
        differences.append("persons")
    if (built.get("assigner") or {}).get("id") != (full.get("assigner") or {}).get("id"):
        differences.append("assigner")
    return differences


@pytest.mark.parametrize("role", ["user", "admin"])
def test_tasks_read_together_are_the_tasks_kitsu_gives_one_by_one(zou, admin, role):
    production = kitsu_seed.seed(admin)
    ids = list(production.tasks.values())
    person = None
    if role != "admin":
        person = kitsu_seed.new_person(admin, role, project=production.project, assign=ids)
    try:
        session = _session(zou, person)
        try:
            tasks.read_tasks(session, ids)
            built = {i: dict(tasks.task(session, i).data) for i in ids}
            for task_id in ids:
                full = gazu.task.get_task(task_id, client=admin)
                assert _same_as_full(built[task_id], full) == [], task_id
                info = tasks.task_info(full)
                assert tasks.task(session, task_id) == info  # names and status as the labels use
        finally:
            session.close()
    finally:
        if person:
            kitsu_seed.retire(admin, person.id)


def test_targets_by_names_find_the_tasks_the_one_by_one_lookups_find(zou, admin):
    production = kitsu_seed.seed(admin)
    targets = {
        "asset:Modeling": Target(
            "instance", None, production.project, production.asset, "modeling"
        ),
        "shot:Animation": Target(
            "instance", None, production.project, production.shot_path, "Animation"
        ),
        "shot:Lighting": Target(
            "instance", None, production.project, production.shot_path, "Lighting"
        ),
        "ep:Animation": Target(
            "instance", None, production.project, production.episode_shot_path, "Animation"
        ),
    }
    together, alone = _session(zou, None), _session(zou, None)
    try:
        names.read_targets(together, targets.values())
        for key, target in targets.items():
            found = names.resolve(together, target)
            assert found.id == production.tasks[key]
            assert found == names.resolve(alone, target)
            assert _same_as_full(dict(found.data), dict(names.resolve(alone, target).data)) == []
        missing = Target("instance", None, production.project, "SQ020/SH999", "Animation")
        names.read_targets(together, [missing])
        with pytest.raises(TargetError, match="no shot named 'SH999'"):
            names.resolve(together, missing)
    finally:
        together.close()
        alone.close()


def test_fresh_reads_the_status_now_and_says_which_task_is_gone(zou, admin):
    production = kitsu_seed.seed(admin)
    ids = [production.tasks["shot:Animation"], production.tasks["shot:Lighting"]]
    session = _session(zou, None)
    try:
        tasks.read_tasks(session, ids)
        collected = [tasks.task(session, i) for i in ids]
        kitsu_seed.set_status(admin, ids[0], "wip")
        fresh = tasks.fresh(session, collected)
        assert fresh[ids[0]].status == "wip"
        assert fresh[ids[1]].status == collected[1].status
        assert fresh[ids[0]].entity == collected[0].entity
        gazu.task.remove_task(ids[1], client=admin)
        with pytest.raises(TargetError, match=f"no task with id {ids[1]}"):
            tasks.fresh(session, collected)
    finally:
        session.close()
