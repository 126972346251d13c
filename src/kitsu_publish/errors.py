"""Every error kitsu-publish raises, written for the artist or TD who reads it.

The tree::

    KitsuPublishError                 anything this library reports
    ├── SettingsError                 the settings file: which file, which dotted key
    ├── TemplateError                 the comment template does not render
    ├── TargetError                   an instance's Kitsu task cannot be resolved
    └── KitsuError                    talking to Kitsu failed
        ├── ConnectionFailed          unreachable, refused, timed out
        ├── AuthenticationFailed      login or token refused
        ├── StatusNotFound            a task status short name Kitsu does not know
        └── PostFailed                Kitsu refused the comment

Messages never carry a password or a token: they are built from our own words and
the names the user gave, never from a request body.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AuthenticationFailed",
    "ConnectionFailed",
    "KitsuError",
    "KitsuPublishError",
    "PostFailed",
    "SettingsError",
    "StatusNotFound",
    "TargetError",
    "TemplateError",
    "shorten",
]


def shorten(value: Any, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters, for quoting user data in a message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class KitsuPublishError(Exception):
    """Base of every error raised by kitsu-publish."""


class SettingsError(KitsuPublishError):
    """The settings file cannot be read or does not validate."""

    def __init__(self, source: str, key: str, message: str) -> None:
        self.source = source
        self.key = key
        where = f"{source}: {key}: " if key else f"{source}: "
        super().__init__(where + message)


class TemplateError(KitsuPublishError):
    """The comment template does not render for a task's instances."""


class TargetError(KitsuPublishError):
    """An instance names a Kitsu target that cannot be resolved."""

    def __init__(self, message: str, instance: str | None = None) -> None:
        self.instance = instance
        prefix = f"instance '{instance}': " if instance else ""
        super().__init__(prefix + message)


class KitsuError(KitsuPublishError):
    """Talking to the Kitsu server failed."""


class ConnectionFailed(KitsuError):
    """The Kitsu server cannot be reached in time."""


class AuthenticationFailed(KitsuError):
    """Kitsu refused the login or the token."""


class StatusNotFound(KitsuError):
    """A task status short name that this Kitsu does not have."""


class PostFailed(KitsuError):
    """Kitsu refused or failed to store the comment."""
