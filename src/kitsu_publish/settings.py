"""Load and validate the studio settings file, once, into frozen typed settings.

Two shapes are read:

- our own file (TOML or JSON) with the tables ``[kitsu]`` and ``[IntegrateKitsuNote]``;
  unknown keys, wrong types and bad enum values are errors naming the file and the
  dotted key;
- an AYON/OpenPype settings export (JSON with ``publish.IntegrateKitsuNote``, optionally
  under a top-level ``kitsu`` table): other plugins' sections and the generic plugin
  keys are accepted, the old ``family_requirements`` list is read, and the comment
  template is legacy ``{key}`` syntax.

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
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .errors import SettingsError, shorten

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

__all__ = [
    "ENV_SETTINGS",
    "MAX_DEPTH",
    "MAX_SETTINGS_BYTES",
    "CommentTemplate",
    "Condition",
    "ReviewSettings",
    "Settings",
    "load",
    "load_file",
    "parse",
]

ENV_SETTINGS = "KITSU_PUBLISH_SETTINGS"

EQUAL = "equal"
NOT_EQUAL = "not_equal"
CONDITIONS = (EQUAL, NOT_EQUAL)
SYNTAXES = ("jinja", "legacy")
DEFAULTS_SOURCE = "<default settings>"

MAX_SETTINGS_BYTES = 1024 * 1024
"""The largest settings file read (1 MiB); a studio settings file is a few KB."""
MAX_DEPTH = 32
"""The deepest nesting of tables and lists accepted in decoded settings data."""
MIN_INTEGER = -(2**63)
MAX_INTEGER = 2**63 - 1
"""Integers must fit in 64 bits: TOML requires it; JSON files get the same rule."""


@dataclass(frozen=True)
class Condition:
    """One ``equal`` / ``not_equal`` entry: a status short name or a product type."""

    condition: str
    value: str


@dataclass(frozen=True)
class CommentTemplate:
    """The custom comment template; ``enabled = False`` means the plain comment."""

    enabled: bool = False
    text: str = "{{ comment }}"
    syntax: str = "jinja"


REVISIONS = ("auto", "version")


@dataclass(frozen=True)
class ReviewSettings:
    """The ``[IntegrateKitsuReview]`` table: review media on the note's comment."""

    enabled: bool = True
    normalize_movie: bool = True
    revision: str = "auto"  # "auto": Kitsu numbers it; "version": the published version
    set_thumbnail: bool = False
    thumbnail_frame: int | None = None
    add_to_playlist: str = ""  # a playlist name template; empty: no playlist


@dataclass(frozen=True)
class Settings:
    """Validated settings. Build with :func:`load`; every field has its documented default."""

    source: str = DEFAULTS_SOURCE
    server: str | None = None
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    request_timeout: float = 60.0
    step_timeout: float = 300.0
    enabled: bool = True
    set_status_note: bool = True
    note_status_shortname: str = "wfa"
    status_conditions: tuple[Condition, ...] = ()
    product_type_requirements: tuple[Condition, ...] = ()
    template: CommentTemplate = field(default_factory=CommentTemplate)
    note_per_instance: bool = False
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
        if "IntegrateKitsuNote" in top:
            raise SettingsError(
                source,
                "IntegrateKitsuNote",
                "this file is an AYON/OpenPype export (it has a 'publish' table) and also "
                "has our own 'IntegrateKitsuNote' table; use one shape or the other",
            )
        return _parse_export(reader, top, *export)
    reader.check_keys(top, "", ("kitsu", "IntegrateKitsuNote", "IntegrateKitsuReview"))
    server, timeouts = _parse_connection(reader, top.get("kitsu"), "kitsu")
    note = reader.optional_table(top, "IntegrateKitsuNote", "")
    review = _parse_review(reader, reader.optional_table(top, "IntegrateKitsuReview", ""))
    base = Settings(source=source, server=server, review=review)
    return _parse_note(
        reader,
        note,
        "IntegrateKitsuNote",
        base=replace(base, **timeouts),  # type: ignore[arg-type]
        export=False,
    )


_REVIEW_KEY = "IntegrateKitsuReview"


def _parse_review(reader: _Reader, table: Mapping[str, Any]) -> ReviewSettings:
    """The ``[IntegrateKitsuReview]`` table (see docs/review.md)."""
    defaults = ReviewSettings()
    reader.check_keys(table, _REVIEW_KEY, [f.name for f in fields(ReviewSettings)])
    values: dict[str, Any] = {}
    for name in ("enabled", "normalize_movie", "set_thumbnail"):
        if name in table:
            values[name] = reader.boolean(table[name], _join(_REVIEW_KEY, name))
    if "revision" in table:
        values["revision"] = reader.choice(
            table["revision"], _join(_REVIEW_KEY, "revision"), REVISIONS
        )
    if "thumbnail_frame" in table:
        frame = table["thumbnail_frame"]
        key = _join(_REVIEW_KEY, "thumbnail_frame")
        if isinstance(frame, bool) or not isinstance(frame, int) or frame < 1:
            raise reader.expected(frame, key, "a frame number (1 or more)")
        values["thumbnail_frame"] = frame
    if "add_to_playlist" in table:
        values["add_to_playlist"] = reader.string(
            table["add_to_playlist"], _join(_REVIEW_KEY, "add_to_playlist")
        ).strip()
    return replace(defaults, **values)


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
        _refuse_credentials(reader, table, key, ("password", "pwd", "token"))
    publish_key = _join(prefix, "publish")
    publish = addon["publish"]
    if "IntegrateKitsuNote" not in publish:
        raise SettingsError(
            reader.source,
            publish_key,
            "this AYON/OpenPype export has no 'IntegrateKitsuNote' section",
        )
    server = addon.get("server")
    if server is not None:
        server = reader.string(server, _join(prefix, "server"))
    note = reader.table(publish["IntegrateKitsuNote"], _join(publish_key, "IntegrateKitsuNote"))
    return _parse_note(
        reader,
        note,
        _join(publish_key, "IntegrateKitsuNote"),
        base=Settings(source=reader.source, server=server or None),
        export=True,
    )


#: The [kitsu] time limits, in seconds (see docs/reliability.md for what each bounds).
_TIMEOUTS = ("connect_timeout", "read_timeout", "request_timeout", "step_timeout")


def _parse_connection(
    reader: _Reader, value: Any, key: str
) -> tuple[str | None, dict[str, float]]:
    defaults = Settings()
    if value is None:
        return None, {name: getattr(defaults, name) for name in _TIMEOUTS}
    table = reader.table(value, key)
    _refuse_credentials(reader, table, key, ("password", "pwd", "token", "login", "user", "email"))
    reader.check_keys(table, key, ("server", *_TIMEOUTS))
    server = table.get("server")
    if server is not None:
        server = reader.string(server, _join(key, "server"))
    return server or None, {
        name: reader.seconds(table.get(name, getattr(defaults, name)), key, name)
        for name in _TIMEOUTS
    }


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


_NOTE_KEYS = (
    "enabled",
    "set_status_note",
    "note_status_shortname",
    "status_change_conditions",
    "custom_comment_template",
    "note_per_instance",
)
_EXPORT_ONLY_NOTE_KEYS = ("optional", "active")


def _parse_note(
    reader: _Reader, note: Mapping[str, Any], key: str, base: Settings, export: bool
) -> Settings:
    reader.check_keys(note, key, _NOTE_KEYS + (_EXPORT_ONLY_NOTE_KEYS if export else ()))
    values: dict[str, Any] = {}
    for name in ("enabled", "set_status_note", "note_per_instance"):
        if name in note:
            values[name] = reader.boolean(note[name], _join(key, name))
    if "note_status_shortname" in note:
        values["note_status_shortname"] = reader.string(
            note["note_status_shortname"], _join(key, "note_status_shortname"), non_empty=True
        ).strip()

    conditions_key = _join(key, "status_change_conditions")
    conditions = reader.optional_table(note, "status_change_conditions", key)
    requirement_lists = ["product_type_requirements"]
    if export:
        requirement_lists.append("family_requirements")
    reader.check_keys(conditions, conditions_key, ["status_conditions", *requirement_lists])
    values["status_conditions"] = reader.conditions(
        conditions.get("status_conditions", []),
        _join(conditions_key, "status_conditions"),
        ("short_name",),
    )
    product_requirements: list[Condition] = []
    for list_name in requirement_lists:
        product_requirements.extend(
            reader.conditions(
                conditions.get(list_name, []),
                _join(conditions_key, list_name),
                ("family", "product_type")
                if list_name == "family_requirements"
                else ("product_type",),
            )
        )
    values["product_type_requirements"] = tuple(product_requirements)

    template_key = _join(key, "custom_comment_template")
    template = reader.optional_table(note, "custom_comment_template", key)
    reader.check_keys(
        template,
        template_key,
        ("enabled", "comment_template") if export else ("enabled", "comment_template", "syntax"),
    )
    default_template = CommentTemplate()
    values["template"] = CommentTemplate(
        enabled=reader.boolean(template.get("enabled", False), _join(template_key, "enabled")),
        text=reader.string(
            template.get("comment_template", "{comment}" if export else default_template.text),
            _join(template_key, "comment_template"),
        ),
        syntax="legacy"
        if export
        else reader.choice(
            template.get("syntax", default_template.syntax),
            _join(template_key, "syntax"),
            SYNTAXES,
        ),
    )
    return replace(base, **values)


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

    def check_keys(self, table: Mapping[str, Any], key: str, allowed: Sequence[str]) -> None:
        for name in table:
            if name in allowed:
                continue
            hint = difflib.get_close_matches(_key_text(name), list(allowed), n=1, cutoff=0.6)
            suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
            known = ", ".join(repr(a) for a in allowed)
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

    def seconds(self, value: Any, table_key: str, name: str) -> float:
        key = _join(table_key, name)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.expected(value, key, "a number of seconds")
        if not 0 < value <= 600:
            raise self.fail(key, f"expected seconds between 0 and 600, found {value}")
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
