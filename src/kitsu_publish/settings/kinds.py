"""The kinds of settings key: how a declared key reads its value and describes it.

Each kind of :class:`Key` (boolean, text, choice, seconds, frame, count, names,
ignored, conditions, table) reads a value from decoded data with a :class:`Reader`, and describes
the values it accepts in JSON Schema (:meth:`Key.schema`), so that the loader and the
schema can never disagree.

A new kind of key, say a list of tables (``[[IntegrateKitsuNote.status_profiles]]``),
is one more class here: its ``read`` calls an item :class:`Table`'s ``read`` with the
key ``f"{key}[{index}]"`` for each item, its ``type_schema`` is an array of that table.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Callable

from .files import MAX_INTEGER, join
from .reader import Reader

EQUAL = "equal"
NOT_EQUAL = "not_equal"
CONDITIONS = (EQUAL, NOT_EQUAL)


@dataclass(frozen=True)
class Condition:
    """One ``equal`` / ``not_equal`` entry: a status short name or a product type."""

    condition: str
    value: str


# --- the kinds ------------------------------------------------------------------------


class Key:
    """One settings key: how it is read, and how JSON Schema describes it.

    ``field`` is the attribute of the dataclass it fills (its name when not given; None
    for a key that is accepted and not read); an absent key fills it with ``default``.
    ``listed``: named in the "known keys here" of unknown-key messages.
    """

    def __init__(
        self,
        name: str,
        description: str,
        *,
        default: Any = None,
        field: str = "",
        listed: bool = True,
    ) -> None:
        self.name = name
        self.description = description
        self.default = default
        self.field: str | None = field or name
        self.listed = listed

    def replaced(self, **changes: Any) -> Any:
        """A copy with other attributes: the same key, described or defaulted otherwise."""
        new = copy.copy(self)
        for name, value in changes.items():
            getattr(new, name)  # AttributeError: no such attribute to change
            setattr(new, name, value)
        return new

    def read(self, reader: Reader, value: Any, key: str) -> Any:
        raise NotImplementedError

    def type_schema(self) -> dict[str, Any]:
        raise NotImplementedError

    def schema(self) -> dict[str, Any]:
        """This key's JSON Schema: its type, bounds and enum, description, default."""
        result: dict[str, Any] = {"description": self.description}
        result.update(self.type_schema())
        default = _json_value(self.default)
        if default is not None and self.field is not None:
            result["default"] = default
        return result


def _json_value(value: Any) -> Any:
    """A default as JSON shows it: whole floats as integers, tuples as lists."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, tuple):
        return [_json_value(v) for v in value]
    return value


class Boolean(Key):
    def read(self, reader: Reader, value: Any, key: str) -> bool:
        if not isinstance(value, bool):
            raise reader.expected(value, key, "true or false")
        return value

    def type_schema(self) -> dict[str, Any]:
        return {"type": "boolean"}


class Text(Key):
    """A string; ``non_empty``: not blank, and stripped; ``nullable``: JSON null is absent;
    ``empty_is_none``: an empty string reads as None."""

    def __init__(
        self,
        name: str,
        description: str,
        *,
        non_empty: bool = False,
        strip: bool = False,
        empty_is_none: bool = False,
        nullable: bool = False,
        **options: Any,
    ) -> None:
        super().__init__(name, description, **options)
        self.non_empty = non_empty
        self.strip = strip or non_empty
        self.empty_is_none = empty_is_none
        self.nullable = nullable

    def read(self, reader: Reader, value: Any, key: str) -> str | None:
        if value is None and self.nullable:
            return self.default
        text = reader.string(value, key, non_empty=self.non_empty)
        if self.strip:
            text = text.strip()
        return (text or None) if self.empty_is_none else text

    def type_schema(self) -> dict[str, Any]:
        result: dict[str, Any] = {"type": ["string", "null"] if self.nullable else "string"}
        if self.non_empty:
            result["pattern"] = r"\S"  # what str.strip() leaves must not be empty
        return result


class Choice(Key):
    def __init__(self, name: str, description: str, values: Sequence[str], **options: Any):
        super().__init__(name, description, **options)
        self.values = tuple(values)

    def read(self, reader: Reader, value: Any, key: str) -> str:
        return reader.choice(value, key, self.values)

    def type_schema(self) -> dict[str, Any]:
        return {"type": "string", "enum": list(self.values)}


class Seconds(Key):
    """A number of seconds, more than 0 and at most ``maximum``; read as a float."""

    maximum = 600

    def read(self, reader: Reader, value: Any, key: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise reader.expected(value, key, "a number of seconds")
        if not 0 < value <= self.maximum:
            raise reader.fail(key, f"expected seconds between 0 and {self.maximum}, found {value}")
        return float(value)

    def type_schema(self) -> dict[str, Any]:
        return {"type": "number", "exclusiveMinimum": 0, "maximum": self.maximum}


class Frame(Key):
    """A frame number: an integer, 1 or more (and, as every integer, at most 64 bits)."""

    def read(self, reader: Reader, value: Any, key: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise reader.expected(value, key, "a frame number (1 or more)")
        return value

    def type_schema(self) -> dict[str, Any]:
        return {"type": "integer", "minimum": 1, "maximum": MAX_INTEGER}


class Count(Key):
    """A whole number from 1 to ``maximum`` (how many at once)."""

    def __init__(self, name: str, description: str, maximum: int, **options: Any) -> None:
        super().__init__(name, description, **options)
        self.maximum = maximum

    def read(self, reader: Reader, value: Any, key: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise reader.expected(value, key, f"a whole number from 1 to {self.maximum}")
        if not 1 <= value <= self.maximum:
            raise reader.fail(key, f"expected a number from 1 to {self.maximum}, found {value}")
        return value

    def type_schema(self) -> dict[str, Any]:
        return {"type": "integer", "minimum": 1, "maximum": self.maximum}


class Names(Key):
    """A list of names (non-blank strings, stripped) -> a tuple of them."""

    def read(self, reader: Reader, value: Any, key: str) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise reader.expected(value, key, "a list of names")
        return tuple(
            reader.string(item, f"{key}[{index}]", non_empty=True).strip()
            for index, item in enumerate(value)
        )

    def type_schema(self) -> dict[str, Any]:
        return {"type": "array", "items": {"type": "string", "pattern": r"\S"}}


class Ignored(Key):
    """A key that is accepted and not read: an editor's ``$schema`` (a string), AYON's
    generic plugin keys (any value)."""

    def __init__(self, name: str, description: str, kind: str = "", **options: Any) -> None:
        super().__init__(name, description, **options)
        self.field = None
        self.kind = kind  # the JSON type asked of the value ("": anything)

    def read(self, reader: Reader, value: Any, key: str) -> None:
        if self.kind == "string":
            reader.string(value, key)

    def type_schema(self) -> dict[str, Any]:
        return {"type": self.kind} if self.kind else {}


class Conditions(Key):
    """A list of ``{condition, <value key>}`` tables -> a tuple of :class:`Condition`.

    With several value keys (an export's ``family_requirements``: ``family`` or
    ``product_type``), the first one present is read.
    """

    def __init__(
        self,
        name: str,
        description: str,
        value_keys: Sequence[str],
        value_description: str,
        **options: Any,
    ) -> None:
        super().__init__(name, description, default=(), **options)
        self.value_keys = tuple(value_keys)
        self.value_description = value_description

    def read(self, reader: Reader, value: Any, key: str) -> tuple[Condition, ...]:
        if not isinstance(value, list):
            raise reader.expected(value, key, "a list of tables")
        allowed = ("condition", *self.value_keys)
        result = []
        for index, item in enumerate(value):
            item_key = f"{key}[{index}]"
            entry = reader.table(item, item_key)
            reader.check_keys(entry, item_key, allowed, allowed)
            condition_key = join(item_key, "condition")
            if "condition" not in entry:
                raise reader.fail(condition_key, "missing: 'equal' or 'not_equal'")
            condition = reader.choice(entry["condition"], condition_key, CONDITIONS)
            present = [k for k in self.value_keys if k in entry]
            if not present:
                raise reader.fail(item_key, f"missing key '{self.value_keys[-1]}'")
            name = reader.string(entry[present[0]], join(item_key, present[0]), non_empty=True)
            result.append(Condition(condition, name.strip()))
        return tuple(result)

    def type_schema(self) -> dict[str, Any]:
        condition = {
            "description": "'equal': an allow-list entry; 'not_equal': a deny-list entry",
            "type": "string",
            "enum": list(CONDITIONS),
        }
        value = {"description": self.value_description, "type": "string", "pattern": r"\S"}
        item: dict[str, Any] = {
            "type": "object",
            "properties": {"condition": condition},
            "required": ["condition"],
            "additionalProperties": False,
        }
        first, *others = self.value_keys
        if not others:
            item["properties"][first] = value
            item["required"].append(first)
            return {"type": "array", "items": item}
        # several value keys: the first one present is read, and must be a non-blank string
        for name in self.value_keys:
            item["properties"][name] = {"description": self.value_description}
        rule: dict[str, Any] = {}
        for name in reversed(self.value_keys):
            check = {"required": [name], "properties": {name: value}}
            rule = {"if": {"required": [name]}, "then": check, "else": rule} if rule else check
        item["allOf"] = [rule]
        return {"type": "array", "items": item}


class Table(Key):
    """A table of keys; a missing or null table reads as an empty one.

    ``build`` makes its value from the fields of its keys (and ``field`` names the
    field it fills); without ``build`` its fields go into the table around it
    (``[kitsu]`` into :class:`Settings`). ``refuse``: credential keys, refused with
    their own message.
    """

    def __init__(
        self,
        name: str,
        description: str,
        keys: Sequence[Key],
        *,
        build: Callable[..., Any] | None = None,
        refuse: Sequence[str] = (),
        **options: Any,
    ) -> None:
        super().__init__(name, description, **options)
        if build is None:
            self.field = None
        self.keys = tuple(keys)
        self.build = build
        self.refuse = tuple(refuse)

    def key(self, name: str) -> Key:
        return next(k for k in self.keys if k.name == name)

    def edited(self, replace: Mapping[str, Key | None], add: Sequence[Key] = ()) -> Table:
        """This table with keys replaced (None: removed) and keys added at the end."""
        keys = [replace.get(k.name, k) for k in self.keys]
        return self.replaced(keys=(*(k for k in keys if k is not None), *add))

    def read(self, reader: Reader, value: Any, key: str) -> Any:
        """The table's fields (or its built value)."""
        table = {} if value is None else reader.table(value, key)
        reader.refuse_credentials(table, key, self.refuse)
        reader.check_keys(
            table, key, [k.name for k in self.keys], [k.name for k in self.keys if k.listed]
        )
        values: dict[str, Any] = {}
        for item in self.keys:
            if isinstance(item, Table) or item.name in table:
                value = item.read(reader, table.get(item.name), join(key, item.name))
            else:
                value = item.default
            if item.field is not None:
                values[item.field] = value
            elif isinstance(item, Table):  # no field of its own: its fields join ours
                values.update(value)
        return values if self.build is None else self.build(**values)

    def type_schema(self) -> dict[str, Any]:
        return {
            "type": ["object", "null"],
            "properties": {k.name: k.schema() for k in self.keys},
            "additionalProperties": False,
        }
