"""Every error kitsu-publish raises, written for the artist or TD who reads it.

The tree::

    KitsuPublishError                 anything this library reports
    ├── SettingsError                 the settings file: which file, which dotted key
    ├── TemplateError                 the comment template does not render
    ├── TargetError                   an instance's Kitsu task cannot be resolved
    ├── ShotMismatch                  an instance differs from its Kitsu shot (shot checks)
    └── KitsuError                    talking to Kitsu failed
        ├── ConnectionFailed          unreachable, refused, timed out, not a Kitsu API
        ├── ServerFailed              the server answered 5xx (``status`` holds the code)
        ├── AuthenticationFailed      login or token refused, session ended
        ├── PermissionRefused         Kitsu's rules refuse this person this action
        ├── StatusNotFound            a task status short name Kitsu does not know
        ├── PostFailed                a comment was not (or not surely) stored
        ├── ReviewFailed              review media could not be put on a posted note
        └── AttachmentFailed          a note's files could not be attached (or checked)

Messages never carry a password or a token: they are built from our own words and
the names the user gave, never from a request body.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AttachmentFailed",
    "AuthenticationFailed",
    "ConnectionFailed",
    "KitsuError",
    "KitsuPublishError",
    "PermissionRefused",
    "PostFailed",
    "ReviewFailed",
    "ServerFailed",
    "SettingsError",
    "ShotMismatch",
    "StatusNotFound",
    "TargetError",
    "TemplateError",
    "nothing_posted",
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


class ShotMismatch(KitsuPublishError):
    """An instance's frame range, frame rate or resolution differs from its Kitsu shot
    (a shot check set to ``"error"``)."""


class KitsuError(KitsuPublishError):
    """Talking to the Kitsu server failed."""


class ConnectionFailed(KitsuError):
    """The Kitsu server cannot be reached in time."""


class ServerFailed(KitsuError):
    """The Kitsu server answered with an error of its own (HTTP 5xx)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        self.status = status
        super().__init__(message)


class AuthenticationFailed(KitsuError):
    """Kitsu refused the login or the token, or ended the session."""


class PermissionRefused(KitsuError):
    """Kitsu's permission rules refuse the logged-in person this action."""


class StatusNotFound(KitsuError):
    """A task status short name that this Kitsu does not have (``short_name``)."""

    def __init__(self, message: str, short_name: str = "") -> None:
        self.short_name = short_name
        super().__init__(message)


class PostFailed(KitsuError):
    """A comment was not stored, or whether it was is unknown (``outcome``)."""

    def __init__(self, message: str, outcome: str = "not posted") -> None:
        self.outcome = outcome  # "not posted" or "unknown"
        super().__init__(message)


NOTHING_POSTED = "Nothing was posted to Kitsu."


def nothing_posted(error: KitsuPublishError) -> KitsuPublishError:
    """The same error, its message closed by "Nothing was posted to Kitsu." (validators)."""
    if str(error).endswith(NOTHING_POSTED):
        return error
    copy = error.__class__.__new__(error.__class__)
    copy.__dict__.update(error.__dict__)
    Exception.__init__(copy, f"{error} {NOTHING_POSTED}")
    return copy


class ReviewFailed(KitsuError):
    """Review media could not be put on a posted note (or fail the checks before it)."""


class AttachmentFailed(KitsuError):
    """A note's attached files fail their checks, or were not put on the posted note
    (the note itself stays: it is never posted twice)."""
