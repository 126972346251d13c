"""Read a settings file safely and decode it: whatever the path names, decoded data or a
:class:`SettingsError`, never a hang, a crash or memory filled.

The file must be a regular file of at most ``MAX_SETTINGS_BYTES`` (checked before
reading, so a FIFO, a device or a huge file never hangs or fills memory), UTF-8 text,
and TOML or JSON by its suffix. Decoded data (from a file, or handed to ``parse``) may
nest at most ``MAX_DEPTH`` tables and lists deep, its table keys are strings and its
integers fit in 64 bits (as TOML requires): :func:`check_data` walks it without
recursion, so that the validation after it is safe.

What the data means is not this module's business.
"""

from __future__ import annotations

import json
import math
import os
import stat
import sys
from pathlib import Path
from typing import Any

from ..errors import SettingsError, shorten

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

ENV_SETTINGS = "KITSU_PUBLISH_SETTINGS"

#: The largest settings file read (1 MiB); a studio settings file is a few KB.
MAX_SETTINGS_BYTES = 1024 * 1024
#: The deepest nesting of tables and lists accepted in decoded settings data.
MAX_DEPTH = 32
MIN_INTEGER = -(2**63)
MAX_INTEGER = 2**63 - 1

SUFFIXES = (".toml", ".json")


def read_file(path: str | os.PathLike[str]) -> tuple[str, Any]:
    """(the file's suffix, ``.toml`` or ``.json``; its decoded data) of one settings file.

    The data is not checked yet: see :func:`check_data`.
    """
    source = str(path)
    file = Path(path)
    suffix = file.suffix.lower()
    if suffix not in SUFFIXES:
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
    return suffix, data


# --- reading the bytes ------------------------------------------------------------------

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


# --- decoding ---------------------------------------------------------------------------

_TOO_LARGE_INTEGER = "integers in a settings file must fit in 64 bits"
_TOO_DEEP = (
    f"nested too deeply (at most {MAX_DEPTH} levels of tables and lists); "
    "is this really a settings file?"
)


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


# --- the decoded data -------------------------------------------------------------------


def check_data(data: Any, source: str) -> None:
    """Walk the data without recursion: bounded nesting, string keys, 64-bit integers.

    After this, validating the data (recursive ``repr`` in messages included) is safe.
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
        path = f"{path}[{part}]" if isinstance(part, int) else join(path, key_text(part))
    return path or "(top level)"


# --- dotted keys, as messages show them ---------------------------------------------------


def join(prefix: str, key: str) -> str:
    """``prefix.key``, or ``key`` at the top level."""
    return f"{prefix}.{key}" if prefix else key


def key_text(name: Any) -> str:
    """A key as messages show it: over-long keys are cut."""
    text = str(name)
    return text if len(text) <= 80 else text[:77] + "..."
