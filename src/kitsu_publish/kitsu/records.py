"""The one store of what a publish has read from Kitsu: records by kind and id.

A publish asks Kitsu only for what is not here yet (see :mod:`.tasks`), so the request
count does not grow with the instances. Besides Kitsu's own records (statuses,
projects, task types, entities, entity types, people, departments) the store keeps
what the library worked out from them: whole tasks (``task``: a
:class:`~kitsu_publish.model.TaskInfo` by id), name lookups (``found``: by a lookup key)
and the person's role per project (``role``). A kind listed in :attr:`Records.complete`
was read whole (every status, every task type, ...), so a name missing from it is not
in Kitsu.

Pure: no gazu, no HTTP.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["KINDS", "Records"]

#: Kitsu's record kinds, and what the library derives from them.
KINDS = (
    "status",
    "project",
    "task_type",
    "entity",
    "entity_type",
    "person",
    "department",
    "task",
    "found",
    "role",
)


class Records:
    """Every record one publish has read, by kind and key."""

    def __init__(self) -> None:
        self.kinds: dict[str, dict[Any, Any]] = {kind: {} for kind in KINDS}
        self.complete: set[str] = set()  # kinds read whole

    def __getitem__(self, kind: str) -> dict[Any, Any]:
        return self.kinds[kind]

    def learn(self, kind: str, records: Any) -> None:
        """Keep Kitsu records (dicts with an ``id``); the first read of an id wins."""
        for record in records if isinstance(records, list) else ():
            if isinstance(record, dict) and record.get("id"):
                self.kinds[kind].setdefault(str(record["id"]), record)

    def learn_all(self, kind: str, records: Any) -> None:
        """Keep every record of a kind, read whole: its names are then all known."""
        self.learn(kind, records)
        self.complete.add(kind)

    def missing(self, kind: str, ids: Iterable[Any]) -> list[str]:
        """The ids of this kind not read yet, in order, once each."""
        return [str(i) for i in dict.fromkeys(ids) if i and str(i) not in self.kinds[kind]]

    def named(self, kind: str, key: str = "name") -> dict[str, dict[str, Any]]:
        """The records of a kind by lower-case ``key`` (name, short name)."""
        return {
            str(r[key]).lower(): r
            for r in self.kinds[kind].values()
            if isinstance(r.get(key), str)
        }
