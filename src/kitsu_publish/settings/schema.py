"""The JSON Schema (draft 2020-12) of a settings file, generated from the key declarations.

It accepts our own files (``keys``) and AYON/OpenPype exports (``exports``), each key
described by its kind (``kinds``); ``kitsu-publish schema`` prints it, and the package
ships it as ``settings.schema.json`` for editors. What it cannot say: an export is read
from ``.json`` files only; nesting deeper than ``MAX_DEPTH`` and integers beyond 64 bits
are refused anywhere in the file, ignored sections included.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .exports import EXPORT_NOTE_TABLE, EXPORT_REFUSED, EXPORT_SERVER
from .keys import NOTE_TABLE, SETTINGS_FILE

#: The JSON Schema shipped in the package (``kitsu-publish schema`` regenerates it).
SCHEMA_FILE = Path(__file__).parent.with_name("settings.schema.json")

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a settings file: our own, or an AYON/OpenPype export."""
    own = SETTINGS_FILE.type_schema()
    own.update(type="object", title=SETTINGS_FILE.description)
    note = EXPORT_NOTE_TABLE.schema()
    note["type"] = "object"  # required in an export, and not null
    publish = {
        "description": "The addon's publish plugins: IntegrateKitsuNote is read, other "
        "plugins' sections are accepted and ignored.",
        "type": "object",
        "properties": {NOTE_TABLE.name: note},
        "required": [NOTE_TABLE.name],
    }
    credentials = {name: False for name in EXPORT_REFUSED}  # never in a settings file
    addon = {
        EXPORT_SERVER.name: EXPORT_SERVER.schema(),
        "publish": publish,
        **credentials,
    }
    export = {
        "title": "AYON/OpenPype Kitsu addon settings export",
        "type": "object",
        "properties": {**addon, NOTE_TABLE.name: False},
        "required": ["publish"],
    }
    nested_export = {
        "title": "AYON/OpenPype settings export with a kitsu table",
        "type": "object",
        "properties": {
            "kitsu": {
                "description": "The Kitsu addon's settings.",
                "type": "object",
                "properties": addon,
                "required": ["publish"],
            },
            "publish": {"not": {"type": "object"}},
            NOTE_TABLE.name: False,
            **credentials,
        },
        "required": ["kitsu"],
    }
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$comment": "Generated from the key declarations of kitsu_publish/settings/ by "
        "`kitsu-publish schema`; do not edit.",
        "title": "kitsu-publish settings",
        "description": "The studio settings of kitsu-publish (KITSU_PUBLISH_SETTINGS): our "
        "own TOML or JSON file, or an AYON/OpenPype Kitsu settings export (JSON).",
        "anyOf": [
            {"$ref": "#/$defs/settings"},
            {"$ref": "#/$defs/export"},
            {"$ref": "#/$defs/nestedExport"},
        ],
        "$defs": {"settings": own, "export": export, "nestedExport": nested_export},
    }


def json_schema_text() -> str:
    """:func:`json_schema` as the text of ``settings.schema.json``."""
    return json.dumps(json_schema(), indent=2) + "\n"
