"""Targets to Kitsu tasks: by id, or by project, entity path and task type names.

:func:`read_targets` finds the tasks of many targets at once, in a few list requests
per project; :func:`resolve` gives each target its task, looking up alone (one gazu
call per name, with a "did you mean") only what the joint read did not find, so every
error says exactly which name is wrong. Lookups are kept in the session's record store
(kind ``found``): instances sharing a target cost one lookup.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Mapping
from typing import Any, Callable

from ..errors import KitsuError, TargetError
from ..model import Target, TaskInfo
from . import tasks
from .session import Session, did_you_mean

__all__ = ["read_targets", "resolve"]

_SHOT_FAMILY = frozenset(
    {"sequence", "episode", "shot", "scene", "edit", "concept", "conceptfolder"}
)


def resolve(session: Session, target: Target, instance: str = "") -> TaskInfo:
    """Find the task a target names: by id, or by project, entity and task type."""
    found = session.records["found"]
    key = _target_key(target)
    if key not in found:
        found[key] = _resolve(session, target, instance)
    return found[key]


def read_targets(session: Session, targets: Iterable[Target]) -> None:
    """Find the tasks of many targets at once, in a few list requests; best effort.

    Targets by id: :func:`.tasks.read_tasks`. Targets by names, per project: the
    project's sequences and episodes in one request, the shots of those sequences in
    one, the assets in one (by name when there is one), then every task of those
    entities and task types in one.
    """
    targets = list(targets)
    tasks.read_tasks(session, (t.task_id for t in targets if t.task_id))
    by_project: dict[str, list[Target]] = {}
    for target in targets:
        named = target.project and target.entity and target.task_type
        if named and not target.task_id and _target_key(target) not in session.records["found"]:
            by_project.setdefault(str(target.project), []).append(target)
    for name, group in by_project.items():
        with contextlib.suppress(TargetError):
            _read_named(session, _lookup(session, ("project", name), ""), group)


def _read_named(session: Session, project: Mapping[str, Any], targets: list[Target]) -> None:
    types = {}
    for target in targets:
        with contextlib.suppress(TargetError):
            types[str(target.task_type).lower()] = _task_type(session, str(target.task_type), "")
    paths = {t.entity: _path(t.entity or "") for t in targets}
    entities = _entities_by_path(session, project, [p for p in paths.values() if p])
    if not entities or not types:
        return
    rows = session.read_list(
        "data/tasks",
        "entity_id",
        [e["id"] for e in entities.values()],
        "reading the tasks",
        task_type_id=json.dumps([t["id"] for t in types.values()]),
        relations="true",
    )
    tasks.add_tasks(session, rows)
    known = session.records["task"]
    for target in targets:
        entity = entities.get(paths[target.entity] or ())
        task_type = types.get((target.task_type or "").lower())
        if entity is None or task_type is None:
            continue
        mine = [
            known[str(r["id"])]
            for r in rows
            if r.get("entity_id") == entity["id"]
            and r.get("task_type_id") == task_type["id"]
            and str(r["id"]) in known
        ]
        if mine:
            mine.sort(key=lambda t: (t.data.get("name") != "main", t.data.get("name") or ""))
            session.records["found"][_target_key(target)] = mine[0]


def _entities_by_path(
    session: Session, project: Mapping[str, Any], paths: list[tuple[str, ...]]
) -> dict[tuple[str, ...], dict[str, Any]]:
    """The entities these paths name (lower-case parts), where exactly one matches."""
    types = _entity_types(session)
    kind = {name: t["id"] for name, t in types.items()}
    found: dict[tuple[str, ...], dict[str, Any]] = {}
    shots = [p for p in paths if len(p) in (2, 3)]
    if shots and {"sequence", "episode", "shot"} <= set(kind):
        found.update(_shots(session, project, shots, kind))
    assets = sorted({p[0] for p in paths if len(p) == 1})
    asset_types = [t["id"] for name, t in types.items() if name not in _SHOT_FAMILY]
    if assets and asset_types:
        params = {"project_id": project["id"]}
        if len(assets) == 1:  # by name: a project may have thousands of assets
            params["name"] = assets[0]
        rows = session.read_list(
            "data/entities", "entity_type_id", asset_types, "listing the assets", **params
        )
        session.records.learn("entity", rows)
        for name in assets:
            asset = _one(rows, name, None)
            if asset is not None:
                found[(name,)] = asset
    return found


def _shots(
    session: Session,
    project: Mapping[str, Any],
    shots: list[tuple[str, ...]],
    kind: Mapping[str, Any],
) -> dict[tuple[str, ...], dict[str, Any]]:
    """The shots these (seq, shot) or (ep, seq, shot) paths name, in two list requests."""
    parents = session.read_list(
        "data/entities",
        "entity_type_id",
        [kind["sequence"], kind["episode"]],
        "listing the sequences",
        project_id=project["id"],
    )
    session.records.learn("entity", parents)
    episodes = {p["id"]: p for p in parents if p.get("entity_type_id") == kind["episode"]}
    sequences = {}
    for path in shots:
        episode = _one(episodes.values(), path[0], None) if len(path) == 3 else None
        if len(path) == 3 and episode is None:
            continue
        candidates = [
            p
            for p in parents
            if p.get("entity_type_id") == kind["sequence"]
            and (episode is None or p.get("parent_id") == episode["id"])
        ]
        sequence = _one(candidates, path[-2], None)
        if sequence is not None:
            sequences[path] = sequence
    children = session.read_list(
        "data/entities",
        "parent_id",
        [s["id"] for s in sequences.values()],
        "listing the shots",
        entity_type_id=kind["shot"],
    )
    session.records.learn("entity", children)
    found = {}
    for path, sequence in sequences.items():
        shot = _one(children, path[-1], sequence["id"])
        if shot is not None:
            found[path] = shot
    return found


def _entity_types(session: Session) -> dict[str, dict[str, Any]]:
    """Every entity type (Shot, Sequence, Character, ...), by lower-case name; read once."""
    records = session.records
    if "entity_type" not in records.complete:
        records.learn_all(
            "entity_type", session.get("data/entity-types", "reading the entity types")
        )
    return records.named("entity_type")


def _resolve(session: Session, target: Target, instance: str) -> TaskInfo:
    if target.task_id:
        return tasks.task(session, target.task_id, instance)
    assert target.project and target.entity and target.task_type
    project = _lookup(session, ("project", target.project), instance)
    entity = _entity(session, project, target.entity, instance)
    task_type = _task_type(session, target.task_type, instance)
    found = _cached(
        session,
        ("tasks", entity["id"], task_type["id"]),
        f"reading the {task_type['name']} tasks of {target.entity}",
        lambda gazu: gazu.task.all_tasks_for_entity_and_task_type(
            entity, task_type, client=session.client
        ),
    )
    if not found:
        raise TargetError(
            f"'{target.entity}' in project '{target.project}' has no {task_type['name']} task",
            instance,
        )
    found = sorted(found, key=lambda t: (t.get("name") != "main", t.get("name") or ""))
    return tasks.task(session, found[0]["id"], instance)


def _task_type(session: Session, name: str, instance: str) -> dict[str, Any]:
    import gazu

    records = session.records
    session.statuses()  # a non-admin's context has every task type
    if "task_type" not in records.complete:
        with session.calling("reading the task types"):
            records.learn_all("task_type", gazu.task.all_task_types(client=session.client))
    by_name = records.named("task_type")
    found = by_name.get(name.lower())
    if found is None:
        names = sorted(t["name"] for t in by_name.values())
        raise TargetError(
            f"Kitsu has no task type '{name}'{did_you_mean(name, names)} (known: "
            f"{', '.join(names)}); fix the task type where the publish got it "
            "(kitsuTaskType, your scene or the environment)",
            instance,
        )
    return found


def _entity(session: Session, project: dict[str, Any], path: str, instance: str) -> dict[str, Any]:
    parts = [p.strip() for p in path.strip("/").split("/")]
    if len(parts) == 1:
        return _lookup(session, ("asset", project["id"], parts[0]), instance, path)
    if len(parts) == 2:
        sequence = _lookup(session, ("sequence", project["id"], "", parts[0]), instance, path)
    elif len(parts) == 3:
        episode = _lookup(session, ("episode", project["id"], parts[0]), instance, path)
        sequence = _lookup(
            session, ("sequence", project["id"], episode["id"], parts[1]), instance, path
        )
    else:
        raise TargetError(
            f"entity '{path}' is neither an asset name, SEQ/SHOT nor EP/SEQ/SHOT",
            instance,
        )
    return _lookup(session, ("shot", sequence["id"], parts[-1]), instance, path)


def _lookup(
    session: Session, key: tuple[str, ...], instance: str, path: str = ""
) -> dict[str, Any]:
    kind, *args = key
    name = args[-1]
    client = session.client
    calls: dict[str, Callable[[Any], Any]] = {
        "project": lambda g: g.project.get_project_by_name(name, client=client),
        "asset": lambda g: g.asset.get_asset_by_name(args[0], name, client=client),
        "episode": lambda g: g.shot.get_episode_by_name(args[0], name, client=client),
        "sequence": lambda g: g.shot.get_sequence_by_name(
            args[0], name, episode=args[1] or None, client=client
        ),
        "shot": lambda g: g.shot.get_shot_by_name(args[0], name, client=client),
    }
    found_before = session.records["found"]
    if kind == "project" and key not in found_before:  # the context's open projects
        session.statuses()
        projects = session.records["project"].values()
        same = [p for p in projects if _same(p.get("name"), name)]
        if len(same) == 1:
            found_before[key] = same[0]
    found = _cached(session, key, f"looking up {kind} '{name}'", calls[kind])
    if not found:
        within = f" (in '{path}')" if path and path != name else ""
        within += did_you_mean(name, _siblings(session, kind, args[:-1]))
        unseen = (
            f" that {session.user} can see (not in its team?)"
            if kind == "project" and session.person.get("role") != "admin"
            else ""
        )
        raise TargetError(f"Kitsu has no {kind} named '{name}'{within}{unseen}", instance)
    return found


def _siblings(session: Session, kind: str, parents: list[str]) -> list[str]:
    """Names of the other entities of that kind, for a "did you mean" (best effort)."""
    import gazu

    client = session.client
    calls = {
        "asset": lambda: gazu.asset.all_assets_for_project(parents[0], client=client),
        "episode": lambda: gazu.shot.all_episodes_for_project(parents[0], client=client),
        "sequence": lambda: gazu.shot.all_sequences_for_project(parents[0], client=client),
        "shot": lambda: gazu.shot.all_shots_for_sequence(parents[0], client=client),
    }
    if kind not in calls:
        return []
    try:
        with session.calling(f"listing the {kind}s"):
            return [str(e.get("name")) for e in calls[kind]() or () if e.get("name")]
    except (KitsuError, TypeError, ValueError):
        return []


def _cached(session: Session, key: tuple[str, ...], what: str, call: Callable[[Any], Any]) -> Any:
    import gazu

    found = session.records["found"]
    if key not in found:
        with session.calling(what):
            found[key] = call(gazu)
    return found[key]


def _target_key(target: Target) -> tuple[str, ...]:
    return (
        "resolved",
        target.task_id or "",
        target.project or "",
        target.entity or "",
        (target.task_type or "").lower(),
    )


def _path(entity: str) -> tuple[str, ...]:
    """An entity path's parts, lower-case: (asset,), (seq, shot) or (ep, seq, shot)."""
    parts = tuple(p.strip().lower() for p in entity.strip("/").split("/"))
    return parts if 1 <= len(parts) <= 3 and all(parts) else ()


def _same(a: Any, b: Any) -> bool:
    """Names as Kitsu compares them in a lookup (case-insensitive)."""
    return isinstance(a, str) and isinstance(b, str) and a.lower() == b.lower()


def _one(records: Iterable[Mapping[str, Any]], name: str, parent_id: Any) -> dict[str, Any] | None:
    """The one record with this name (and parent, when given); None when 0 or several.

    Counted by id: a record a list gives twice is still one.
    """
    same = {
        r.get("id"): dict(r)
        for r in records
        if _same(r.get("name"), name) and (parent_id is None or r.get("parent_id") == parent_id)
    }
    return next(iter(same.values())) if len(same) == 1 else None
