"""Status profiles: the ``[[IntegrateKitsuNote.status_profiles]]`` list of tables.

A profile has filters (lists of names or regular expressions, matched in full and
case-insensitively) and results: any of the note table's ``set_status_note``,
``note_status_shortname``, ``status_change_conditions``, ``custom_comment_template``,
``checklist`` and ``mentions``. Each result key a profile sets replaces the note table's
(a profile's checklist replaces the table's list, it does not add to it); every key it
leaves out, down to the keys inside the two tables, comes from the note table. One
exception: a profile's ``custom_comment_template`` that gives ``comment_template`` and
not ``enabled`` is enabled (a template given is a template used).

This module reads and describes profiles (the :class:`Profiles` kind of key) and holds
the read value (:class:`Profile`); which profile applies to a task is decided by
:mod:`kitsu_publish.profiles`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .files import join
from .kinds import Boolean, Key, Table
from .reader import Reader

#: The filter keys, in the order a profile describes them.
FILTERS = ("host_names", "task_types", "task_names", "product_types", "product_names")

_FILTER_WORDS = {
    "host_names": "the publish's host (hostName, else pyblish's registered hosts, else "
    "KITSU_PUBLISH_HOST)",
    "task_types": "the Kitsu task's type name (Animation, Lighting)",
    "task_names": "the Kitsu task's name (Kitsu names a task 'main' unless told otherwise)",
    "product_types": "an instance's product type (productType, else family)",
    "product_names": "an instance's product name (productName, else name)",
}

_IMPLIED = " A comment_template given without enabled is enabled."

#: A filter's entries are names, not programs: long patterns are refused.
MAX_PATTERN_CHARS = 200


@dataclass(frozen=True)
class Profile:
    """One read status profile.

    ``filters``: the non-empty filters, ``(filter key, compiled patterns)``, in
    :data:`FILTERS` order. ``results``: the :class:`Settings` fields it sets;
    ``template``: the :class:`CommentTemplate` fields it sets.
    """

    position: int
    filters: tuple[tuple[str, tuple[re.Pattern[str], ...]], ...] = ()
    results: tuple[tuple[str, Any], ...] = ()
    template: tuple[tuple[str, Any], ...] = ()
    farm: bool | None = None  # the farm filter: None is either

    @property
    def key(self) -> str:
        return f"status_profiles[{self.position}]"

    @property
    def score(self) -> int:
        """How specific it is: its non-empty filters, the farm filter included."""
        return len(self.filters) + (self.farm is not None)

    def describe(self) -> str:
        """How messages name it: ``status profile #2 (task_types ['Lighting'])``."""
        shown = [
            f"{name} [{', '.join(repr(p.pattern) for p in patterns)}]"
            for name, patterns in self.filters
        ]
        if self.farm is not None:
            shown.append(f"farm {str(self.farm).lower()}")
        text = "; ".join(shown) or "no filter: any task"
        return f"status profile #{self.position + 1} ({text})"

    def applied(self, settings: Any) -> Any:
        """``settings`` (a :class:`Settings`) with this profile's results."""
        changes = dict(self.results)
        if self.template:
            changes["template"] = dataclasses.replace(settings.template, **dict(self.template))
        return dataclasses.replace(settings, **changes)


class Patterns(Key):
    """A filter: a list of names or regular expressions -> compiled patterns."""

    def __init__(self, name: str) -> None:
        super().__init__(
            name,
            f"Matches {_FILTER_WORDS[name]}: a list of names or regular expressions, each "
            "matching the whole value, case-insensitively. Empty or absent: any.",
            default=(),
        )

    def read(self, reader: Reader, value: Any, key: str) -> tuple[re.Pattern[str], ...]:
        if not isinstance(value, list):
            raise reader.expected(value, key, "a list of names or regular expressions")
        found = []
        for index, item in enumerate(value):
            item_key = f"{key}[{index}]"
            text = reader.string(item, item_key, non_empty=True).strip()
            if len(text) > MAX_PATTERN_CHARS:
                raise reader.fail(item_key, f"longer than {MAX_PATTERN_CHARS} characters")
            try:
                found.append(re.compile(text, re.IGNORECASE))
            except (re.error, RecursionError, OverflowError) as exc:
                raise reader.fail(
                    item_key, f"is not a valid regular expression ({_regex_error(exc)})"
                ) from None
        return tuple(found)

    def type_schema(self) -> dict[str, Any]:
        item = {"type": "string", "pattern": r"\S", "maxLength": MAX_PATTERN_CHARS}
        return {"type": "array", "items": item}


def _regex_error(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, re.error) else type(exc).__name__


class Profiles(Key):
    """A list of profile tables -> a tuple of :class:`Profile`.

    ``results``: the note table's keys a profile may set (their declarations are
    reused: same checks, same descriptions).
    """

    def __init__(self, name: str, description: str, results: Sequence[Key]) -> None:
        super().__init__(name, description, default=())
        self.filters = tuple(Patterns(f) for f in FILTERS)
        self.farm = Boolean(
            "farm",
            "true: the profile is for the instances an artist's publish sends to the farm "
            "(its note is posted at submission, see docs/farm.md); false: only for the "
            "others. Absent: either.",
        )
        self.results = tuple(results)

    @property
    def item_keys(self) -> tuple[Key, ...]:
        return (*self.filters, self.farm, *self.results)

    def read(self, reader: Reader, value: Any, key: str) -> tuple[Profile, ...]:
        if not isinstance(value, list):
            raise reader.expected(value, key, "a list of tables (status profiles)")
        return tuple(
            self._profile(reader, item, f"{key}[{index}]", index)
            for index, item in enumerate(value)
        )

    def _profile(self, reader: Reader, value: Any, key: str, position: int) -> Profile:
        table = reader.table(value, key)
        names = [k.name for k in self.item_keys]
        reader.check_keys(table, key, names, names)
        filters = []
        for pattern_key in self.filters:
            if pattern_key.name in table:
                name = pattern_key.name
                patterns = pattern_key.read(reader, table[name], join(key, name))
                if patterns:
                    filters.append((name, patterns))
        farm = None
        if self.farm.name in table:
            farm = self.farm.read(reader, table[self.farm.name], join(key, self.farm.name))
        results: dict[str, Any] = {}
        template: dict[str, Any] = {}
        for item in self.results:
            if item.name not in table:
                continue
            item_key = join(key, item.name)
            if isinstance(item, Table):
                given = _given(reader, item, table[item.name], item_key)
                if item.build is None:  # its fields are the note table's own
                    results.update(given)
                else:
                    template.update(given)
            else:
                results[str(item.field)] = item.read(reader, table[item.name], item_key)
        if "text" in template and "enabled" not in template:
            template["enabled"] = True
        return Profile(
            position, tuple(filters), tuple(results.items()), tuple(template.items()), farm
        )

    def type_schema(self) -> dict[str, Any]:
        properties = {k.name: k.schema() for k in (*self.filters, self.farm)}
        for result in self.results:
            schema = result.schema()
            schema.pop("default", None)
            if isinstance(result, Table):
                for inner in schema["properties"].values():
                    inner.pop("default", None)
            schema["description"] = (
                f"{result.description} Absent: the [IntegrateKitsuNote] value"
                + (", key by key." if isinstance(result, Table) else ".")
                + (_IMPLIED if isinstance(result, Table) and result.build is not None else "")
            )
            properties[result.name] = schema
        item_schema = {"type": "object", "properties": properties, "additionalProperties": False}
        return {"type": "array", "items": item_schema}


def _given(reader: Reader, table: Table, value: Any, key: str) -> dict[str, Any]:
    """The fields of the keys present in a profile's sub-table (none: every key absent)."""
    fields = table.replaced(build=None).read(reader, value, key)
    present: Mapping[str, Any] = value if isinstance(value, dict) else {}
    return {
        str(k.field): fields[str(k.field)]
        for k in table.keys
        if k.name in present and k.field is not None
    }
