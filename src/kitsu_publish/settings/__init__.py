"""Load and validate the studio settings file, once, into frozen typed settings.

Two shapes are read: our own file (TOML or JSON) with the tables ``[kitsu]``,
``[IntegrateKitsuNote]`` and ``[IntegrateKitsuReview]``, and an AYON/OpenPype settings
export (JSON with ``publish.IntegrateKitsuNote``, optionally under a top-level ``kitsu``
table). Unknown keys, wrong types and bad enum values are errors naming the file and the
dotted key, as the file writes it. Whatever the file holds, loading either returns
:class:`Settings` or raises :class:`SettingsError`.

The modules, one job each::

    files     read the file safely and decode it; bound the decoded data
    reader    typed access to decoded data, errors naming the file and the key
    kinds     the kinds of key: how a key reads its value and describes it in JSON Schema
    keys      the key declarations of our own file, and the Settings dataclasses
    exports   translate an AYON/OpenPype export into our own shape, before validation
    schema    the JSON Schema of the file, from the declarations

Pure: no pyblish, no gazu.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from ..errors import SettingsError
from .exports import EXPORT_NOTE_TABLE, translate
from .files import (
    ENV_SETTINGS,
    MAX_DEPTH,
    MAX_INTEGER,
    MAX_SETTINGS_BYTES,
    MIN_INTEGER,
    check_data,
    read_file,
)
from .keys import (
    DEFAULTS_SOURCE,
    NOTE_TABLE,
    SETTINGS_FILE,
    SYNTAXES,
    CommentTemplate,
    Settings,
    read,
)
from .kinds import CONDITIONS, EQUAL, NOT_EQUAL, Condition
from .review import EXTRA_MEDIA, REVISIONS, ReviewSettings
from .schema import JSON_SCHEMA_DIALECT, SCHEMA_FILE, json_schema, json_schema_text

__all__ = [
    "CONDITIONS",
    "DEFAULTS_SOURCE",
    "ENV_SETTINGS",
    "EQUAL",
    "EXPORT_NOTE_TABLE",
    "EXTRA_MEDIA",
    "JSON_SCHEMA_DIALECT",
    "MAX_DEPTH",
    "MAX_INTEGER",
    "MAX_SETTINGS_BYTES",
    "MIN_INTEGER",
    "NOTE_TABLE",
    "NOT_EQUAL",
    "REVISIONS",
    "SCHEMA_FILE",
    "SETTINGS_FILE",
    "SYNTAXES",
    "CommentTemplate",
    "Condition",
    "ReviewSettings",
    "Settings",
    "json_schema",
    "json_schema_text",
    "load",
    "load_file",
    "parse",
]


def load(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from the file named by ``KITSU_PUBLISH_SETTINGS``; defaults when unset."""
    env = os.environ if environ is None else environ
    path = env.get(ENV_SETTINGS, "").strip()
    return load_file(path) if path else Settings()


def load_file(path: str | os.PathLike[str]) -> Settings:
    """Read and validate one settings file (``.toml`` or ``.json``)."""
    suffix, data = read_file(path)
    return parse(data, str(path), exports=suffix == ".json")


def parse(data: Any, source: str = "<settings>", exports: bool = True) -> Settings:
    """Validate already-decoded settings data (our own shape or an AYON/OpenPype export).

    ``exports=False`` (TOML files: exports are JSON) reads our own shape only.
    Any data at all either gives :class:`Settings` or raises :class:`SettingsError`.
    """
    try:
        check_data(data, source)
        export = translate(data, source) if exports else None
        if export is None:
            return read(data, source)
        own, spelling = export
        return read(own, source, spelling)
    except SettingsError:
        raise
    except MemoryError:
        raise SettingsError(source, "", "out of memory while validating the settings") from None
    except Exception as exc:
        raise SettingsError(
            source,
            "",
            f"cannot be validated ({type(exc).__name__}); this is a bug in kitsu-publish, "
            "please report it with the settings file",
        ) from None
