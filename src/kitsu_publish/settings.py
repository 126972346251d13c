"""Load and validate the studio settings file, once, into frozen typed settings.

Two shapes are read:

- our own file (TOML or JSON) with the tables ``[kitsu]``, ``[IntegrateKitsuNote]`` and
  ``[IntegrateKitsuReview]``;
  unknown keys, wrong types and bad enum values are errors naming the file and the
  dotted key;
- an AYON/OpenPype settings export (JSON with ``publish.IntegrateKitsuNote``, optionally
  under a top-level ``kitsu`` table): other plugins' sections and the generic plugin
  keys are accepted, the old ``family_requirements`` list is read, and the comment
  template is legacy ``{key}`` syntax.

Every key is declared once, in the key definitions below (name, type, default, enum or
bounds, description): the loader reads them, and :func:`json_schema` turns them into the
JSON Schema shipped as ``settings.schema.json`` (``kitsu-publish schema``).

Whatever the file holds, loading either returns :class:`Settings` or raises
:class:`SettingsError`: the file must be a regular file of at most
``MAX_SETTINGS_BYTES`` (checked before reading, so a FIFO, a device or a huge file
never hangs or fills memory), decoded data may nest at most ``MAX_DEPTH`` tables and
lists deep, and integers must fit in 64 bits (as TOML requires).

Pure: no pyblish, no gazu.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import stat
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .errors import SettingsError, shorten

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

__all__ = [
    "ENV_SETTINGS",
    "MAX_DEPTH",
    "MAX_SETTINGS_BYTES",
    "SCHEMA_FILE",
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

ENV_SETTINGS = "KITSU_PUBLISH_SETTINGS"

EQUAL = "equal"
NOT_EQUAL = "not_equal"
CONDITIONS = (EQUAL, NOT_EQUAL)
SYNTAXES = ("jinja", "legacy")
REVISIONS = ("auto", "version")
DEFAULTS_SOURCE = "<default settings>"

MAX_SETTINGS_BYTES = 1024 * 1024
"""The largest settings file read (1 MiB); a studio settings file is a few KB."""
MAX_DEPTH = 32
"""The deepest nesting of tables and lists accepted in decoded settings data."""
MIN_INTEGER = -(2**63)
MAX_INTEGER = 2**63 - 1


@dataclass(frozen=True)
class Condition:
    """One ``equal`` / ``not_equal`` entry: a status short name or a product type."""

    condition: str
    value: str


# --- the keys: one declarative definition ---------------------------------------------
#
# Every key of every table is declared once, below: its name, type, default, enum or
# bounds, and description. The loader walks these definitions (``_Table.read``), and
# :func:`json_schema` generates the JSON Schema of the file from the same objects; the
# settings reference page of the documentation is generated from that schema. To add a
# key: declare it here and add its field to the dataclass it fills.

OWN = "own"
EXPORT = "export"


class _Same:
    """The ``export_default`` of a key that has the same default in an export."""


_SAME: Any = _Same()


class _Key:
    """One settings key: how the loader reads it and how JSON Schema describes it.

    ``field`` is the attribute of the dataclass it fills (its name when not given; None
    for a key that is accepted and ignored); ``only`` limits the key to our own files
    (``"own"``) or to AYON/OpenPype exports (``"export"``); where the key is not
    allowed, or is absent, its field gets ``default`` (``export_default`` in an export).
    """

    def __init__(
        self,
        name: str,
        description: str,
        *,
        default: Any = None,
        export_default: Any = _SAME,
        field: str | _Same | None = _SAME,
        only: str | None = None,
        listed: bool = True,
    ) -> None:
        self.name = name
        self.listed = listed  # named in "known keys here" messages
        self.description = description
        self.default = default
        self.export_default = default if export_default is _SAME else export_default
        self.field: str | None = name if isinstance(field, _Same) else field
        self.only = only

    def allowed(self, export: bool) -> bool:
        return self.only is None or self.only == (EXPORT if export else OWN)

    def default_for(self, export: bool) -> Any:
        return self.export_default if export else self.default

    def read(self, reader: _Reader, value: Any, key: str, export: bool) -> Any:
        raise NotImplementedError

    def type_schema(self, export: bool) -> dict[str, Any]:
        raise NotImplementedError

    def schema(self, export: bool) -> dict[str, Any]:
        """This key's JSON Schema: its type, bounds and enum, description, default."""
        result: dict[str, Any] = {"description": self.description}
        result.update(self.type_schema(export))
        default = _json_value(self.default_for(export))
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


class _Boolean(_Key):
    def read(self, reader: _Reader, value: Any, key: str, export: bool) -> bool:
        return reader.boolean(value, key)

    def type_schema(self, export: bool) -> dict[str, Any]:
        return {"type": "boolean"}


class _Text(_Key):
    """A string; ``non_empty``: not blank, and stripped; ``nullable``: JSON null is absent."""

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

    def read(self, reader: _Reader, value: Any, key: str, export: bool) -> str | None:
        if value is None and self.nullable:
            return self.default_for(export)
        text = reader.string(value, key, non_empty=self.non_empty)
        if self.strip:
            text = text.strip()
        return (text or None) if self.empty_is_none else text

    def type_schema(self, export: bool) -> dict[str, Any]:
        result: dict[str, Any] = {"type": ["string", "null"] if self.nullable else "string"}
        if self.non_empty:
            result["pattern"] = r"\S"  # what str.strip() leaves must not be empty
        return result


class _Choice(_Key):
    def __init__(self, name: str, description: str, values: Sequence[str], **options: Any):
        super().__init__(name, description, **options)
        self.values = tuple(values)

    def read(self, reader: _Reader, value: Any, key: str, export: bool) -> str:
        return reader.choice(value, key, self.values)

    def type_schema(self, export: bool) -> dict[str, Any]:
        return {"type": "string", "enum": list(self.values)}


class _Seconds(_Key):
    """A number of seconds, more than 0 and at most ``maximum``; read as a float."""

    maximum = 600

    def read(self, reader: _Reader, value: Any, key: str, export: bool) -> float:
        return reader.seconds(value, key, self.maximum)

    def type_schema(self, export: bool) -> dict[str, Any]:
        return {"type": "number", "exclusiveMinimum": 0, "maximum": self.maximum}


class _Frame(_Key):
    """A frame number: an integer, 1 or more (and, as every integer, at most 64 bits)."""

    def read(self, reader: _Reader, value: Any, key: str, export: bool) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise reader.expected(value, key, "a frame number (1 or more)")
        return value

    def type_schema(self, export: bool) -> dict[str, Any]:
        return {"type": "integer", "minimum": 1, "maximum": MAX_INTEGER}


class _Ignored(_Key):
    """A key that is accepted and not read: AYON's generic plugin keys (any value), an
    editor's ``$schema`` (a string)."""

    def __init__(self, name: str, description: str, kind: str = "", **options: Any) -> None:
        super().__init__(name, description, field=None, **options)
        self.kind = kind  # the JSON type asked of the value ("": anything)

    def read(self, reader: _Reader, value: Any, key: str, export: bool) -> None:
        if self.kind == "string":
            reader.string(value, key)
        return None

    def type_schema(self, export: bool) -> dict[str, Any]:
        return {"type": self.kind} if self.kind else {}


class _Conditions(_Key):
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

    def read(self, reader: _Reader, value: Any, key: str, export: bool) -> tuple[Condition, ...]:
        return reader.conditions(value, key, self.value_keys)

    def type_schema(self, export: bool) -> dict[str, Any]:
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


class _Table(_Key):
    """A table of keys. ``build`` makes its value from the fields of its keys; without
    ``build`` its fields go into the table around it (``[kitsu]`` into :class:`Settings`).
    ``refuse``: credential keys, refused with their own message.
    """

    def __init__(
        self,
        name: str,
        description: str,
        keys: Sequence[_Key],
        *,
        build: Callable[..., Any] | None = None,
        refuse: Sequence[str] = (),
        **options: Any,
    ) -> None:
        options.setdefault("field", name if build else None)
        super().__init__(name, description, **options)
        self.keys = tuple(keys)
        self.build = build
        self.refuse = tuple(refuse)

    def key(self, name: str) -> _Key:
        return next(k for k in self.keys if k.name == name)

    def read(self, reader: _Reader, value: Any, key: str, export: bool) -> Any:
        """The table's fields (or its built value); a missing or null table is empty."""
        table = {} if value is None else reader.table(value, key)
        _refuse_credentials(reader, table, key, self.refuse)
        allowed = [k for k in self.keys if k.allowed(export)]
        reader.check_keys(
            table, key, [k.name for k in allowed], [k.name for k in allowed if k.listed]
        )
        values: dict[str, Any] = {}
        for item in self.keys:
            if not item.allowed(export):
                value = item.default_for(export)
            elif isinstance(item, _Table) or item.name in table:
                value = item.read(reader, table.get(item.name), _join(key, item.name), export)
            else:
                value = item.default_for(export)
            if isinstance(item, _Table) and item.build is None:
                for name, part in value.items():
                    _add_field(values, name, part)
            elif item.field is not None:
                _add_field(values, item.field, value)
        return values if self.build is None else self.build(**values)

    def type_schema(self, export: bool) -> dict[str, Any]:
        return {
            "type": ["object", "null"],
            "properties": {k.name: k.schema(export) for k in self.keys if k.allowed(export)},
            "additionalProperties": False,
        }


def _add_field(values: dict[str, Any], name: str, value: Any) -> None:
    """Two keys filling one field (product_type_requirements, family_requirements) add up."""
    if isinstance(value, tuple) and isinstance(values.get(name), tuple):
        values[name] = values[name] + value
    else:
        values[name] = value


_SECONDS_RANGE = "seconds, more than 0 and at most 600"

KITSU_TABLE = _Table(
    "kitsu",
    "The Kitsu server and the time limits of every request to it. Credentials never "
    "belong here: set KITSU_LOGIN and KITSU_PWD, or KITSU_TOKEN, in the environment.",
    [
        _Text(
            "server",
            "The Kitsu API URL, with or without /api (https://kitsu.example.com/api). "
            "KITSU_SERVER wins when set. Default: none (KITSU_SERVER must then be set).",
            nullable=True,
            empty_is_none=True,
        ),
        _Seconds(
            "connect_timeout",
            f"HTTP connect timeout of every request to Kitsu ({_SECONDS_RANGE}).",
            default=5.0,
        ),
        _Seconds(
            "read_timeout",
            "HTTP read timeout of every request: the time waiting for the server to answer "
            f"({_SECONDS_RANGE}).",
            default=30.0,
        ),
        _Seconds(
            "request_timeout",
            "Wall-clock deadline of one request, from the first byte sent to the last byte "
            "read, retries included: a server that trickles its answer is cut off here "
            f"({_SECONDS_RANGE}).",
            default=60.0,
        ),
        _Seconds(
            "step_timeout",
            "Budget of all Kitsu requests of one publish step: logging in, finding the "
            f"tasks, checking the notes, posting them ({_SECONDS_RANGE}).",
            default=300.0,
        ),
    ],
    refuse=("password", "pwd", "token", "login", "user", "email"),
)

STATUS_CONDITIONS_TABLE = _Table(
    "status_change_conditions",
    "When the status changes: conditions on the task's current status and on the "
    "product types published to the task. Several 'equal' entries form an allow-list "
    "(any of them), several 'not_equal' entries a deny-list (none of them).",
    [
        _Conditions(
            "status_conditions",
            "Conditions on the task's current status short name.",
            ["short_name"],
            "A task status short name (compared case-insensitively, surrounding spaces ignored).",
        ),
        _Conditions(
            "product_type_requirements",
            "Conditions on the product types of the instances published to the task: "
            "the status changes when at least one of them passes.",
            ["product_type"],
            "A product type (compared case-insensitively, surrounding spaces ignored).",
        ),
        _Conditions(
            "family_requirements",
            "AYON/OpenPype exports only: the older name of product_type_requirements "
            "(items with 'family' or 'product_type'), read together with it.",
            ["family", "product_type"],
            "A product type (family); the first of 'family' and 'product_type' present is read.",
            field="product_type_requirements",
            only=EXPORT,
        ),
    ],
)

TEMPLATE_TABLE = _Table(
    "custom_comment_template",
    "The comment template. Disabled: the comment is the artists' comments (distinct "
    "ones, joined by a blank line).",
    [
        _Boolean(
            "enabled",
            "Render the comment from comment_template; false: post the artists' comments.",
            default=False,
        ),
        _Text(
            "comment_template",
            "The template: Jinja ({{ comment }}) or, with syntax = 'legacy' and in "
            "AYON/OpenPype exports, {key} placeholders ({comment}). Rendered once per task "
            "during validation.",
            default="{{ comment }}",
            export_default="{comment}",
            field="text",
        ),
        _Choice(
            "syntax",
            "Template syntax: 'jinja' (a sandbox, undefined names are errors) or 'legacy' "
            "({key} placeholders, a missing key renders empty with a warning). Exports "
            "always use 'legacy' and may not set it.",
            SYNTAXES,
            default="jinja",
            export_default="legacy",
            only=OWN,
        ),
    ],
    build=lambda **fields: CommentTemplate(**fields),
    field="template",
)

NOTE_TABLE = _Table(
    "IntegrateKitsuNote",
    "The note posted to each Kitsu task: whether the status changes, and the text.",
    [
        _Boolean(
            "enabled",
            "false: the Kitsu plugins do nothing: no target lookup, no login, no "
            "validation, nothing posted.",
            default=True,
        ),
        _Boolean(
            "set_status_note",
            "Change the task status when the conditions allow; false: post the comment "
            "with the current status.",
            default=True,
        ),
        _Text(
            "note_status_shortname",
            "Short name of the status to set (surrounding spaces are stripped). Checked "
            "against Kitsu, case-insensitively, in validation when set_status_note is true.",
            default="wfa",
            non_empty=True,
        ),
        STATUS_CONDITIONS_TABLE,
        TEMPLATE_TABLE,
        _Boolean(
            "note_per_instance",
            "true: one comment per instance instead of one per task (the older behaviour).",
            default=False,
        ),
        _Boolean(
            "require_comment",
            "true: a publish without an artist comment fails validation; false: it is "
            "posted, with a warning in the log.",
            default=False,
        ),
        _Ignored(
            "optional",
            "AYON/OpenPype exports only: a generic plugin key, accepted and ignored.",
            only=EXPORT,
        ),
        _Ignored(
            "active",
            "AYON/OpenPype exports only: a generic plugin key, accepted and ignored.",
            only=EXPORT,
        ),
    ],
)

REVIEW_TABLE = _Table(
    "IntegrateKitsuReview",
    "Review media (movies, pictures) uploaded onto the posted note.",
    [
        _Boolean(
            "enabled",
            "Check and upload each note's review media onto its comment; false: no media "
            "are checked or uploaded (the notes are still posted).",
            default=True,
        ),
        _Boolean(
            "normalize_movie",
            "Let Kitsu re-encode movies to its review format; false sends normalize=false.",
            default=True,
        ),
        _Choice(
            "revision",
            "The preview revision: 'auto' (Kitsu numbers it) or 'version' (the published "
            "version of the task's first instance; a revision the task already has fails "
            "validation).",
            REVISIONS,
            default="auto",
        ),
        _Boolean(
            "set_thumbnail",
            "Make the first preview the thumbnail of the task's entity.",
            default=False,
        ),
        _Frame(
            "thumbnail_frame",
            "With set_thumbnail: the frame of a movie to use (1 or more). Default: none.",
        ),
        _Text(
            "add_to_playlist",
            "A playlist name template (Jinja, like the comment template), e.g. "
            "'{{ date }} dailies': the entity with its preview is added to that playlist "
            "of the project, made when missing. Variables: date (YYYY-MM-DD), project, "
            "entity, task_type, version, user. Surrounding spaces are stripped; empty: no "
            "playlist.",
            default="",
            strip=True,
        ),
    ],
    build=lambda **fields: ReviewSettings(**fields),
    field="review",
)

#: Our own file: the top-level tables.
SETTINGS_FILE = _Table(
    "",
    "kitsu-publish settings",
    [
        KITSU_TABLE,
        NOTE_TABLE,
        REVIEW_TABLE,
        _Ignored(
            "$schema",
            "The JSON Schema of this file, for editors (e.g. the path of "
            "settings.schema.json); not read.",
            kind="string",
            listed=False,
        ),
    ],
)

#: An AYON/OpenPype export: ``server`` beside ``publish`` is read, and
#: ``publish.IntegrateKitsuNote`` (the note table, export variant).
EXPORT_SERVER = _Text(
    "server",
    "The Kitsu server URL (KITSU_SERVER wins when set).",
    nullable=True,
    empty_is_none=True,
)
EXPORT_REFUSED = ("password", "pwd", "token")


def _default(table: _Table, name: str) -> Any:
    return table.key(name).default


# --- the values: defaults from the key definitions ----------------------------------------


@dataclass(frozen=True)
class CommentTemplate:
    """The custom comment template; ``enabled = False`` means the plain comment."""

    enabled: bool = _default(TEMPLATE_TABLE, "enabled")
    text: str = _default(TEMPLATE_TABLE, "comment_template")
    syntax: str = _default(TEMPLATE_TABLE, "syntax")


@dataclass(frozen=True)
class ReviewSettings:
    """The ``[IntegrateKitsuReview]`` table: review media on the note's comment."""

    enabled: bool = _default(REVIEW_TABLE, "enabled")
    normalize_movie: bool = _default(REVIEW_TABLE, "normalize_movie")
    revision: str = _default(REVIEW_TABLE, "revision")  # "auto" or "version"
    set_thumbnail: bool = _default(REVIEW_TABLE, "set_thumbnail")
    thumbnail_frame: int | None = _default(REVIEW_TABLE, "thumbnail_frame")
    add_to_playlist: str = _default(REVIEW_TABLE, "add_to_playlist")  # empty: no playlist


_CONDITIONS = STATUS_CONDITIONS_TABLE


@dataclass(frozen=True)
class Settings:
    """Validated settings. Build with :func:`load`; every field has its documented default."""

    source: str = DEFAULTS_SOURCE
    server: str | None = _default(KITSU_TABLE, "server")
    connect_timeout: float = _default(KITSU_TABLE, "connect_timeout")
    read_timeout: float = _default(KITSU_TABLE, "read_timeout")
    request_timeout: float = _default(KITSU_TABLE, "request_timeout")
    step_timeout: float = _default(KITSU_TABLE, "step_timeout")
    enabled: bool = _default(NOTE_TABLE, "enabled")
    set_status_note: bool = _default(NOTE_TABLE, "set_status_note")
    note_status_shortname: str = _default(NOTE_TABLE, "note_status_shortname")
    status_conditions: tuple[Condition, ...] = _default(_CONDITIONS, "status_conditions")
    product_type_requirements: tuple[Condition, ...] = _default(
        _CONDITIONS, "product_type_requirements"
    )
    template: CommentTemplate = field(default_factory=CommentTemplate)
    note_per_instance: bool = _default(NOTE_TABLE, "note_per_instance")
    require_comment: bool = _default(NOTE_TABLE, "require_comment")
    review: ReviewSettings = field(default_factory=ReviewSettings)


def load(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from the file named by ``KITSU_PUBLISH_SETTINGS``; defaults when unset."""
    env = os.environ if environ is None else environ
    path = env.get(ENV_SETTINGS, "").strip()
    return load_file(path) if path else Settings()


def load_file(path: str | os.PathLike[str]) -> Settings:
    """Read and validate one settings file (``.toml`` or ``.json``)."""
    source = str(path)
    file = Path(path)
    suffix = file.suffix.lower()
    if suffix not in (".toml", ".json"):
        raise SettingsError(
            source, "", f"unknown file type '{file.suffix}': expected a .toml or .json file"
        )
    raw = _read_bytes(file, source)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SettingsError(
            source,
            "",
            f"cannot be read: not UTF-8 text ({exc.reason} at byte {exc.start}); "
            "save the file with the UTF-8 encoding",
        ) from None
    # what reading in text mode did before: universal newlines
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    data = _decode_json(text, source) if suffix == ".json" else _decode_toml(text, source)
    return parse(data, source, exports=suffix == ".json")


# --- reading and decoding the file ----------------------------------------------------

_FILE_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _check_regular(source: str, mode: int, size: int) -> None:
    """Refuse anything but a regular file of at most MAX_SETTINGS_BYTES, before reading."""
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _FILE_KINDS if test(mode)), "a special file")
        raise SettingsError(
            source,
            "",
            f"cannot be read: not a regular file (it is {kind}); "
            f"set {ENV_SETTINGS} to a .toml or .json settings file",
        )
    if size > MAX_SETTINGS_BYTES:
        raise _too_large(source, f"{size} bytes")


def _too_large(source: str, size: str) -> SettingsError:
    return SettingsError(
        source,
        "",
        f"cannot be read: too large for a settings file ({size}; at most "
        f"{MAX_SETTINGS_BYTES} bytes); check that {ENV_SETTINGS} names the studio "
        "settings file",
    )


def _open_failure(source: str, exc: OSError) -> SettingsError:
    if isinstance(exc, FileNotFoundError):
        return SettingsError(
            source, "", f"file not found (set {ENV_SETTINGS} to an existing file)"
        )
    if isinstance(exc, PermissionError):
        return SettingsError(
            source, "", "cannot be read: permission denied (make the file readable by this user)"
        )
    return SettingsError(source, "", f"cannot be read: {exc.strerror or exc}")


def _read_bytes(file: Path, source: str) -> bytes:
    """The file's bytes: at most MAX_SETTINGS_BYTES, never blocking, never unbounded."""
    try:
        # stat first: a FIFO or a device is refused without even opening it
        info = os.stat(file)
        _check_regular(source, info.st_mode, info.st_size)
        flags = (
            os.O_RDONLY
            | getattr(os, "O_NONBLOCK", 0)  # a FIFO swapped in after the stat cannot block
            | getattr(os, "O_CLOEXEC", 0)
            | getattr(os, "O_BINARY", 0)
        )
        fd = os.open(file, flags)
    except OSError as exc:
        raise _open_failure(source, exc) from None
    except ValueError as exc:  # an embedded NUL, an unencodable name
        raise SettingsError(source, "", f"cannot be read: not a valid path ({exc})") from None
    try:
        info = os.fstat(fd)
        _check_regular(source, info.st_mode, info.st_size)
        # procfs-like files report a size of 0: read one byte more than allowed, no more
        chunks: list[bytes] = []
        remaining = MAX_SETTINGS_BYTES + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 64 * 1024))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    except BlockingIOError:
        raise SettingsError(
            source, "", "cannot be read: the file would block (it is not a plain file on disk)"
        ) from None
    except OSError as exc:
        raise _open_failure(source, exc) from None
    finally:
        os.close(fd)
    if remaining <= 0:
        raise _too_large(source, f"more than {MAX_SETTINGS_BYTES} bytes")
    return b"".join(chunks)


class _IntegerTooLong(Exception):
    def __init__(self, digits: int) -> None:
        super().__init__(digits)
        self.digits = digits


def _json_int(text: str) -> int:
    """``parse_int`` for json: no int() of thousands of digits, on every Python."""
    digits = len(text.lstrip("-"))
    if digits > 19:  # 2**63 has 19 digits
        raise _IntegerTooLong(digits)
    return int(text)


_TOO_LARGE_INTEGER = "integers in a settings file must fit in 64 bits"
_TOO_DEEP = (
    f"nested too deeply (at most {MAX_DEPTH} levels of tables and lists); "
    "is this really a settings file?"
)


def _decode_json(text: str, source: str) -> Any:
    try:
        return json.loads(text, parse_int=_json_int)
    except json.JSONDecodeError as exc:
        raise SettingsError(
            source, "", f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except _IntegerTooLong as exc:
        raise SettingsError(
            source,
            "",
            f"not valid JSON: an integer of {exc.digits} digits; {_TOO_LARGE_INTEGER}",
        ) from None
    except Exception as exc:
        raise _decode_failure(source, "JSON", exc) from None


def _decode_toml(text: str, source: str) -> Any:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(source, "", f"not valid TOML: {exc}") from None
    except Exception as exc:
        raise _decode_failure(source, "TOML", exc) from None


def _decode_failure(source: str, kind: str, exc: Exception) -> SettingsError:
    """Decoders fail outside their own error type on hostile input: say what happened."""
    if isinstance(exc, RecursionError):
        reason = _TOO_DEEP
    elif isinstance(exc, MemoryError):
        reason = "out of memory while decoding"
    elif isinstance(exc, ValueError) and "integer string conversion" in str(exc):
        reason = f"an integer has too many digits; {_TOO_LARGE_INTEGER}"
    else:
        reason = f"{type(exc).__name__}: {shorten(str(exc), 200)}"
    return SettingsError(source, "", f"not valid {kind}: {reason}")


def parse(data: Any, source: str = "<settings>", exports: bool = True) -> Settings:
    """Validate already-decoded settings data (our own shape or an AYON/OpenPype export).

    ``exports=False`` (TOML files: exports are JSON) reads our own shape only.
    Any data at all either gives :class:`Settings` or raises :class:`SettingsError`.
    """
    try:
        _check_structure(data, source)
        return _parse(data, source, exports)
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


def _parse(data: Any, source: str, exports: bool) -> Settings:
    reader = _Reader(source)
    top = reader.table(data, "")
    export = _find_export(top) if exports else None
    if export is not None:
        if NOTE_TABLE.name in top:
            raise SettingsError(
                source,
                NOTE_TABLE.name,
                "this file is an AYON/OpenPype export (it has a 'publish' table) and also "
                "has our own 'IntegrateKitsuNote' table; use one shape or the other",
            )
        return _parse_export(reader, top, *export)
    return Settings(source=source, **SETTINGS_FILE.read(reader, top, "", export=False))


def _check_structure(data: Any, source: str) -> None:
    """Walk the data without recursion: bounded nesting, string keys, 64-bit integers.

    After this, the validation below (recursive ``repr`` in messages included) is safe.
    Shared or cyclic containers are fine: each is walked again only when seen deeper.
    """
    deepest: dict[int, int] = {}
    # (value, depth, parent entry, key or index): the dotted key is built only on error
    stack: list[tuple[Any, int, Any, Any]] = [(data, 0, None, None)]
    while stack:
        entry = stack.pop()
        value, depth = entry[0], entry[1]
        if isinstance(value, int) and not isinstance(value, bool):
            if not MIN_INTEGER <= value <= MAX_INTEGER:
                raise SettingsError(
                    source,
                    _path_of(entry),
                    f"an integer of {_digits(value)} digits; {_TOO_LARGE_INTEGER}",
                )
            continue
        if not isinstance(value, (dict, list, tuple, set, frozenset)):
            continue
        if depth >= MAX_DEPTH:
            raise SettingsError(source, _path_of(entry), _TOO_DEEP)
        if deepest.get(id(value), -1) >= depth:
            continue
        deepest[id(value)] = depth
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str):
                    raise SettingsError(
                        source,
                        _path_of(entry),
                        f"table keys must be strings, found a key of type {type(key).__name__}",
                    )
                stack.append((item, depth + 1, entry, key))
        else:  # a set has no order, but any index shows where the problem is
            for index, item in enumerate(value):
                stack.append((item, depth + 1, entry, index))


def _digits(value: int) -> str:
    """How many decimal digits, without str() of a huge int (limited, and quadratic)."""
    bits = abs(value).bit_length()
    if bits <= 10_000:  # about 3000 digits: exact, and quick
        return str(len(str(abs(value))))
    return f"about {int(math.log10(abs(value))) + 1}"


def _path_of(entry: tuple[Any, int, Any, Any]) -> str:
    parts: list[Any] = []
    while entry[2] is not None:
        parts.append(entry[3])
        entry = entry[2]
    path = ""
    for part in reversed(parts):
        path = f"{path}[{part}]" if isinstance(part, int) else _join(path, _key_text(part))
    return path or "(top level)"


# --- the two shapes -----------------------------------------------------------------


def _find_export(top: Mapping[str, Any]) -> tuple[Mapping[str, Any], str] | None:
    """(the table holding ``publish``, its dotted prefix) for an AYON/OpenPype export."""
    if isinstance(top.get("publish"), dict):
        return top, ""
    kitsu = top.get("kitsu")
    if isinstance(kitsu, dict) and isinstance(kitsu.get("publish"), dict):
        return kitsu, "kitsu"
    return None


def _parse_export(
    reader: _Reader, top: Mapping[str, Any], addon: Mapping[str, Any], prefix: str
) -> Settings:
    for table, key in {id(top): (top, ""), id(addon): (addon, prefix)}.values():
        _refuse_credentials(reader, table, key, EXPORT_REFUSED)
    publish_key = _join(prefix, "publish")
    publish = addon["publish"]
    if NOTE_TABLE.name not in publish:
        raise SettingsError(
            reader.source,
            publish_key,
            "this AYON/OpenPype export has no 'IntegrateKitsuNote' section",
        )
    server = EXPORT_SERVER.read(reader, addon.get("server"), _join(prefix, "server"), True)
    note_key = _join(publish_key, NOTE_TABLE.name)
    note = reader.table(publish[NOTE_TABLE.name], note_key)
    fields = NOTE_TABLE.read(reader, note, note_key, export=True)
    return Settings(source=reader.source, server=server, **fields)


def _refuse_credentials(
    reader: _Reader, table: Mapping[str, Any], key: str, names: Sequence[str]
) -> None:
    """Credentials never belong in a settings file; name the key, never the value."""
    for name in names:
        if name in table:
            raise SettingsError(
                reader.source,
                _join(key, name),
                "credentials never belong in the settings file: remove the key and set "
                "KITSU_LOGIN and KITSU_PWD, or KITSU_TOKEN, in the environment instead",
            )


# --- reading helpers ------------------------------------------------------------------


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _key_text(name: Any) -> str:
    """A key as messages show it: over-long keys are cut."""
    text = str(name)
    return text if len(text) <= 80 else text[:77] + "..."


_TYPE_NAMES = {
    dict: "a table",
    list: "a list",
    str: "a string",
    bool: "a boolean (true or false)",
    int: "a number",
    float: "a number",
}


def _type_name(value: Any) -> str:
    return _TYPE_NAMES.get(type(value), type(value).__name__)


class _Reader:
    """Typed access to decoded data; every failure names the file and the dotted key."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, message: str) -> SettingsError:
        return SettingsError(self.source, key, message)

    def expected(self, value: Any, key: str, what: str) -> SettingsError:
        return self.fail(key, f"expected {what}, found {_type_name(value)} {shorten(value)}")

    def table(self, value: Any, key: str) -> Mapping[str, Any]:
        if not isinstance(value, dict):
            raise self.expected(value, key or "(top level)", "a table")
        return value

    def optional_table(self, parent: Mapping[str, Any], name: str, key: str) -> Mapping[str, Any]:
        value = parent.get(name)
        return {} if value is None else self.table(value, _join(key, name))

    def check_keys(
        self,
        table: Mapping[str, Any],
        key: str,
        allowed: Sequence[str],
        listed: Sequence[str] | None = None,
    ) -> None:
        """Refuse unknown keys; the message lists ``listed`` (default: all allowed)."""
        shown = list(allowed if listed is None else listed)
        for name in table:
            if name in allowed:
                continue
            hint = difflib.get_close_matches(_key_text(name), shown, n=1, cutoff=0.6)
            suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
            known = ", ".join(repr(a) for a in shown)
            raise self.fail(
                _join(key, _key_text(name)), f"unknown key (known keys here: {known}){suggestion}"
            )

    def boolean(self, value: Any, key: str) -> bool:
        if not isinstance(value, bool):
            raise self.expected(value, key, "true or false")
        return value

    def string(self, value: Any, key: str, non_empty: bool = False) -> str:
        if not isinstance(value, str):
            raise self.expected(value, key, "a string")
        if non_empty and not value.strip():
            raise self.fail(key, "must not be empty")
        return value

    def choice(self, value: Any, key: str, allowed: Sequence[str]) -> str:
        value = self.string(value, key)
        if value not in allowed:
            names = ", ".join(repr(a) for a in allowed)
            raise self.fail(key, f"{value!r} is not one of {names}")
        return value

    def seconds(self, value: Any, key: str, maximum: int) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.expected(value, key, "a number of seconds")
        if not 0 < value <= maximum:
            raise self.fail(key, f"expected seconds between 0 and {maximum}, found {value}")
        return float(value)

    def conditions(self, value: Any, key: str, value_keys: Sequence[str]) -> tuple[Condition, ...]:
        if not isinstance(value, list):
            raise self.expected(value, key, "a list of tables")
        result = []
        for index, item in enumerate(value):
            item_key = f"{key}[{index}]"
            entry = self.table(item, item_key)
            self.check_keys(entry, item_key, ("condition", *value_keys))
            if "condition" not in entry:
                raise self.fail(_join(item_key, "condition"), "missing: 'equal' or 'not_equal'")
            condition = self.choice(entry["condition"], _join(item_key, "condition"), CONDITIONS)
            present = [k for k in value_keys if k in entry]
            if not present:
                raise self.fail(item_key, f"missing key '{value_keys[-1]}'")
            name = self.string(entry[present[0]], _join(item_key, present[0]), non_empty=True)
            result.append(Condition(condition, name.strip()))
        return tuple(result)


# --- the JSON Schema of the file --------------------------------------------------------

SCHEMA_FILE = Path(__file__).with_name("settings.schema.json")
"""The JSON Schema shipped in the package (``kitsu-publish schema`` regenerates it)."""

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a settings file, from the key definitions above.

    It accepts our own files and AYON/OpenPype exports. What it cannot say: an export is
    read from ``.json`` files only; nesting deeper than ``MAX_DEPTH`` and integers beyond
    64 bits are refused anywhere in the file, ignored sections included.
    """
    own = SETTINGS_FILE.type_schema(export=False)
    own.update(type="object", title="kitsu-publish settings")
    note = NOTE_TABLE.schema(export=True)
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
        "server": EXPORT_SERVER.schema(export=True),
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
        "$comment": "Generated from kitsu_publish/settings.py by `kitsu-publish schema`; "
        "do not edit.",
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
