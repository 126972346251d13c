"""The reader: typed access to decoded settings data, for the kinds of key.

Every failure is a :class:`SettingsError` naming the file and the dotted key as the user
wrote it: ``spelling`` turns a key of our own shape into the export's (an AYON/OpenPype
export is read in our shape, see ``exports``), and a found value is shown by its type
and a shortened ``repr``, never in full.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Any, Callable

from ..errors import SettingsError, shorten
from .files import join, key_text

CREDENTIALS_REFUSED = (
    "credentials never belong in the settings file: remove the key and set "
    "KITSU_LOGIN and KITSU_PWD, or KITSU_TOKEN, in the environment instead"
)


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


class Reader:
    """Typed access to decoded data; every failure names the file and the dotted key.

    ``spelling`` turns a dotted key of our own shape into the key as the user wrote it
    (an AYON/OpenPype export is read in our shape: see ``exports``).
    """

    def __init__(self, source: str, spelling: Callable[[str], str] | None = None) -> None:
        self.source = source
        self.spelling = spelling

    def fail(self, key: str, message: str) -> SettingsError:
        where = key if self.spelling is None else self.spelling(key)
        return SettingsError(self.source, where, message)

    def expected(self, value: Any, key: str, what: str) -> SettingsError:
        return self.fail(key, f"expected {what}, found {_type_name(value)} {shorten(value)}")

    def table(self, value: Any, key: str) -> Mapping[str, Any]:
        if not isinstance(value, dict):
            raise self.expected(value, key or "(top level)", "a table")
        return value

    def check_keys(
        self, table: Mapping[str, Any], key: str, allowed: Sequence[str], listed: Sequence[str]
    ) -> None:
        """Refuse unknown keys; the message lists the ``listed`` ones."""
        for name in table:
            if name in allowed:
                continue
            hint = difflib.get_close_matches(key_text(name), listed, cutoff=0.6)
            suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
            known = ", ".join(repr(a) for a in listed)
            raise self.fail(
                join(key, key_text(name)), f"unknown key (known keys here: {known}){suggestion}"
            )

    def refuse_credentials(self, table: Mapping[str, Any], key: str, names: Sequence[str]) -> None:
        """Credentials never belong in a settings file; name the key, never the value."""
        for name in names:
            if name in table:
                raise self.fail(join(key, name), CREDENTIALS_REFUSED)

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
