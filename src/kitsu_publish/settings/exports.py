"""Turn an AYON/OpenPype settings export into our own file's shape, before validation.

An export is JSON with ``publish.IntegrateKitsuNote``, optionally under a top-level
``kitsu`` table. Translated into our shape::

    server                                  -> [kitsu] server
    publish.IntegrateKitsuNote              -> [IntegrateKitsuNote]
      optional, active                         generic plugin keys: accepted, dropped
      status_conditions (OpenPype 3.15.3)      -> status_change_conditions.status_conditions
      status_change_conditions
        family_requirements                    appended to product_type_requirements,
          {condition, family|product_type}     the first of family, product_type read
      custom_comment_template                  syntax 'legacy' ({key}), '{comment}'
                                               when it has no comment_template

Other plugins' sections and other keys of the addon are not read. What cannot be
translated is refused here, naming the key as the export writes it: credential keys
beside ``publish`` or at the top level, our own ``IntegrateKitsuNote`` table at the top
level, a missing or non-table ``IntegrateKitsuNote``, unknown keys (``syntax``
included) and a ``family_requirements`` that is not a list. Everything else is
validated by the one reader of our own shape, which names the keys through the spelling
returned here (so an export with several errors reports these refusals first).

:data:`EXPORT_NOTE_TABLE` declares the export's note table (for those checks and the
JSON Schema).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Callable

from .files import join
from .keys import (
    KITSU_TABLE,
    NOTE_TABLE,
    PRODUCT_TYPE_REQUIREMENTS,
    STATUS_CONDITIONS_TABLE,
    STATUS_PROFILES,
    TEMPLATE_TABLE,
)
from .kinds import Conditions, Ignored, Table
from .reader import Reader

#: Credential keys refused beside ``publish`` (and at the top level).
EXPORT_REFUSED = ("password", "pwd", "token")

#: ``server`` beside ``publish``: read as ``[kitsu] server``.
EXPORT_SERVER = KITSU_TABLE.key("server").replaced(
    description="The Kitsu server URL (KITSU_SERVER wins when set)."
)

FAMILY_REQUIREMENTS = Conditions(
    "family_requirements",
    "AYON/OpenPype exports only: the older name of product_type_requirements "
    "(items with 'family' or 'product_type'), read together with it.",
    ["family", "product_type"],
    "A product type (family); the first of 'family' and 'product_type' present is read.",
)
GENERIC_KEYS = tuple(
    Ignored(name, "AYON/OpenPype exports only: a generic plugin key, accepted and ignored.")
    for name in ("optional", "active")
)
LEGACY_TEMPLATE = TEMPLATE_TABLE.key("comment_template").replaced(default="{comment}")
_STATUS_CONDITIONS = STATUS_CONDITIONS_TABLE.key("status_conditions")
#: OpenPype 3.15.3 (that release only) kept the status conditions in the note table.
FLAT_STATUS_CONDITIONS = _STATUS_CONDITIONS.replaced(
    description="OpenPype 3.15.3 exports only: the status conditions, read as "
    "status_change_conditions.status_conditions (give one or the other)."
)

#: ``publish.IntegrateKitsuNote`` of an export: our note table with the generic plugin
#: keys, ``family_requirements``, OpenPype 3.15.3's ``status_conditions``, and a legacy
#: template without ``syntax``; no status profiles (AYON and OpenPype have none).
EXPORT_NOTE_TABLE = NOTE_TABLE.edited(
    {
        STATUS_CONDITIONS_TABLE.name: STATUS_CONDITIONS_TABLE.edited({}, [FAMILY_REQUIREMENTS]),
        TEMPLATE_TABLE.name: TEMPLATE_TABLE.edited(
            {LEGACY_TEMPLATE.name: LEGACY_TEMPLATE, "syntax": None}
        ),
        STATUS_PROFILES.name: None,
    },
    (*GENERIC_KEYS, FLAT_STATUS_CONDITIONS),
)

_PRODUCT_TYPES = PRODUCT_TYPE_REQUIREMENTS.name
(_PRODUCT_TYPE,) = PRODUCT_TYPE_REQUIREMENTS.value_keys
#: where family_requirements go in our shape
_PRODUCT_TYPES_KEY = join(join(NOTE_TABLE.name, STATUS_CONDITIONS_TABLE.name), _PRODUCT_TYPES)
_SERVER_KEY = join(KITSU_TABLE.name, EXPORT_SERVER.name)
#: where OpenPype 3.15.3's status_conditions go in our shape
_STATUS_CONDITIONS_KEY = join(
    join(NOTE_TABLE.name, STATUS_CONDITIONS_TABLE.name), _STATUS_CONDITIONS.name
)
_BOUNDARY = re.compile(r"[.\[]")  # where a dotted key's prefixes end


def translate(data: Any, source: str) -> tuple[dict[str, Any], Callable[[str], str]] | None:
    """(our own shape of an export, the spelling of its keys); None: not an export."""
    found = _find_export(data)
    if found is None:
        return None
    addon, prefix = found
    reader = Reader(source)
    if NOTE_TABLE.name in data:
        raise reader.fail(
            NOTE_TABLE.name,
            "this file is an AYON/OpenPype export (it has a 'publish' table) and also "
            "has our own 'IntegrateKitsuNote' table; use one shape or the other",
        )
    for table, key in {id(data): (data, ""), id(addon): (addon, prefix)}.values():
        reader.refuse_credentials(table, key, EXPORT_REFUSED)
    publish_key = join(prefix, "publish")
    if NOTE_TABLE.name not in addon["publish"]:
        raise reader.fail(
            publish_key, "this AYON/OpenPype export has no 'IntegrateKitsuNote' section"
        )
    note_key = join(publish_key, NOTE_TABLE.name)
    note = reader.table(addon["publish"][NOTE_TABLE.name], note_key)
    translation = _Translation(reader)
    own: dict[str, Any] = {}
    if EXPORT_SERVER.name in addon:
        own[KITSU_TABLE.name] = {EXPORT_SERVER.name: addon[EXPORT_SERVER.name]}
        translation.spelled[_SERVER_KEY] = join(prefix, EXPORT_SERVER.name)
    own[NOTE_TABLE.name] = translation.note(note, note_key)
    return own, translation.spell


def _find_export(top: Any) -> tuple[Mapping[str, Any], str] | None:
    """(the table holding ``publish``, its dotted prefix) for an AYON/OpenPype export."""
    if not isinstance(top, dict):
        return None
    if isinstance(top.get("publish"), dict):
        return top, ""
    kitsu = top.get("kitsu")
    if isinstance(kitsu, dict) and isinstance(kitsu.get("publish"), dict):
        return kitsu, "kitsu"
    return None


class _Translation:
    """The note table of one export in our shape, and where each part came from.

    ``spelled`` maps a dotted key of our shape to the key the export wrote; a key is
    spelled by its longest mapped prefix.
    """

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.spelled: dict[str, str] = {}

    def spell(self, key: str) -> str:
        """Our dotted key as the export writes it."""
        ends = [match.start() for match in _BOUNDARY.finditer(key)]
        for end in reversed([*ends, len(key)]):
            written = self.spelled.get(key[:end])
            if written is not None:
                return written + key[end:]
        return key

    def note(self, note: Mapping[str, Any], key: str) -> dict[str, Any]:
        self.spelled[NOTE_TABLE.name] = key
        self.check_keys(EXPORT_NOTE_TABLE, note, key)
        generic = {k.name for k in GENERIC_KEYS}
        own = {name: value for name, value in note.items() if name not in generic}
        self.flat_conditions(own, key)
        conditions = own.get(STATUS_CONDITIONS_TABLE.name)
        if isinstance(conditions, dict):  # else: refused by the reader, or empty
            conditions_key = join(key, STATUS_CONDITIONS_TABLE.name)
            own[STATUS_CONDITIONS_TABLE.name] = self.conditions(conditions, conditions_key)
        template = note.get(TEMPLATE_TABLE.name)
        if template is None or isinstance(template, dict):  # else: refused by the reader
            own[TEMPLATE_TABLE.name] = {
                LEGACY_TEMPLATE.name: LEGACY_TEMPLATE.default,
                **(template or {}),
                "syntax": "legacy",  # an export's template is always {key} syntax
            }
        return own

    def flat_conditions(self, own: dict[str, Any], key: str) -> None:
        """OpenPype 3.15.3's ``status_conditions`` moved into status_change_conditions."""
        name = FLAT_STATUS_CONDITIONS.name
        if name not in own:
            return
        flat = own.pop(name)
        nested = own.get(STATUS_CONDITIONS_TABLE.name)
        if nested is not None and not isinstance(nested, dict):
            return  # refused by the reader
        if nested is not None and name in nested:
            raise self.reader.fail(
                join(key, name),
                f"given twice: here (OpenPype 3.15.3) and in {STATUS_CONDITIONS_TABLE.name}; "
                "keep one",
            )
        own[STATUS_CONDITIONS_TABLE.name] = {**(nested or {}), name: flat}
        self.spelled[_STATUS_CONDITIONS_KEY] = join(key, name)

    def check_keys(self, table: Table, value: Mapping[str, Any], key: str) -> None:
        """Refuse the keys an export's table does not have, in its tables too."""
        names = [k.name for k in table.keys]
        self.reader.check_keys(value, key, names, [k.name for k in table.keys if k.listed])
        for item in table.keys:
            if isinstance(item, Table) and isinstance(value.get(item.name), dict):
                self.check_keys(item, value[item.name], join(key, item.name))

    def conditions(self, table: Mapping[str, Any], key: str) -> dict[str, Any]:
        """status_change_conditions, family_requirements after product_type_requirements."""
        own = dict(table)
        if FAMILY_REQUIREMENTS.name not in own:
            return own
        family = own.pop(FAMILY_REQUIREMENTS.name)
        family_key = join(key, FAMILY_REQUIREMENTS.name)
        if not isinstance(family, list):
            raise self.reader.expected(family, family_key, "a list of tables")
        items = own.get(_PRODUCT_TYPES, [])
        if not isinstance(items, list):
            return own  # refused by the reader
        items = list(items)
        for index, item in enumerate(family):
            at, written = f"{_PRODUCT_TYPES_KEY}[{len(items)}]", f"{family_key}[{index}]"
            self.spelled[at] = written
            items.append(self.family_item(item, at, written))
        own[_PRODUCT_TYPES] = items
        return own

    def family_item(self, item: Any, at: str, written: str) -> Any:
        """``{condition, family|product_type}`` as ``{condition, product_type}``."""
        if not isinstance(item, dict):
            return item  # refused by the reader
        allowed = ("condition", *FAMILY_REQUIREMENTS.value_keys)
        self.reader.check_keys(item, written, allowed, allowed)
        own = {name: item[name] for name in ("condition",) if name in item}
        present = next((k for k in FAMILY_REQUIREMENTS.value_keys if k in item), None)
        if present is not None:
            own[_PRODUCT_TYPE] = item[present]
            self.spelled[join(at, _PRODUCT_TYPE)] = join(written, present)
        return own
