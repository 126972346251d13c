"""The key declarations: every table and key of our own settings file, and the frozen
dataclasses they fill.

Every key is declared once, below (the note's extras in ``extras``, the
``[IntegrateKitsuReview]`` table in ``review``): its name, kind, default, enum or
bounds, and description. The reader walks these declarations (:meth:`Table.read`, in
``kinds``); ``schema`` turns them into the JSON Schema shipped as
``settings.schema.json``, from which the settings reference of the documentation is
generated; an AYON/OpenPype export is translated into this shape before it is read
(``exports``). To add a key: declare it here and add its field to the dataclass it
fills.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from .extras import EXTRAS
from .kinds import (
    Boolean,
    Choice,
    Condition,
    Conditions,
    Count,
    Ignored,
    Names,
    Seconds,
    Table,
    Text,
)
from .profiles import Profile, Profiles
from .reader import Reader
from .review import REVIEW_TABLE, ReviewSettings

SYNTAXES = ("jinja", "legacy")
LEVELS = ("error", "warning", "off")
DEFAULTS_SOURCE = "<default settings>"

# --- the tables ---------------------------------------------------------------------------

_SECONDS_RANGE = "seconds, more than 0 and at most 600"
#: The most writes a publish may run at once (``[kitsu] max_parallel_requests``).
MAX_PARALLEL_REQUESTS = 16

KITSU_TABLE = Table(
    "kitsu",
    "The Kitsu server, the time limits of every request to it and how many writes run "
    "at once. Credentials never belong here: set KITSU_LOGIN and KITSU_PWD, or "
    "KITSU_TOKEN, in the environment.",
    [
        Text(
            "server",
            "The Kitsu API URL, with or without /api (https://kitsu.example.com/api). "
            "KITSU_SERVER wins when set. Default: none (KITSU_SERVER must then be set).",
            nullable=True,
            empty_is_none=True,
        ),
        Seconds(
            "connect_timeout",
            f"HTTP connect timeout of every request to Kitsu ({_SECONDS_RANGE}).",
            default=5.0,
        ),
        Seconds(
            "read_timeout",
            "HTTP read timeout of every request: the time waiting for the server to answer "
            f"({_SECONDS_RANGE}).",
            default=30.0,
        ),
        Seconds(
            "request_timeout",
            "Wall-clock deadline of one request, from the first byte sent to the last byte "
            "read, retries included: a server that trickles its answer is cut off here "
            f"({_SECONDS_RANGE}).",
            default=60.0,
        ),
        Seconds(
            "step_timeout",
            "Budget of all Kitsu requests of one publish step: logging in, finding the "
            f"tasks, checking the notes, posting them ({_SECONDS_RANGE}).",
            default=300.0,
        ),
        Count(
            "max_parallel_requests",
            "How many requests to Kitsu may run at once: the comment POSTs of different "
            "tasks, the review uploads of different tasks, and the first reads of a "
            "publish (its first task, its other tasks and the person's context), from 1 "
            f"to {MAX_PARALLEL_REQUESTS}. 1 sends one request after another.",
            MAX_PARALLEL_REQUESTS,
            default=4,
        ),
    ],
    refuse=("password", "pwd", "token", "login", "user", "email"),
)

PRODUCT_TYPE_REQUIREMENTS = Conditions(
    "product_type_requirements",
    "Conditions on the product types of the instances published to the task: "
    "the status changes when at least one of them passes.",
    ["product_type"],
    "A product type (compared case-insensitively, surrounding spaces ignored).",
)

STATUS_CONDITIONS_TABLE = Table(
    "status_change_conditions",
    "When the status changes: conditions on the task's current status and on the "
    "product types published to the task. Several 'equal' entries form an allow-list "
    "(any of them), several 'not_equal' entries a deny-list (none of them).",
    [
        Conditions(
            "status_conditions",
            "Conditions on the task's current status short name.",
            ["short_name"],
            "A task status short name (compared case-insensitively, surrounding spaces ignored).",
        ),
        PRODUCT_TYPE_REQUIREMENTS,
    ],
)

TEMPLATE_TABLE = Table(
    "custom_comment_template",
    "The comment template. Disabled: the comment is the artists' comments (distinct "
    "ones, joined by a blank line).",
    [
        Boolean(
            "enabled",
            "Render the comment from comment_template; false: post the artists' comments.",
            default=False,
        ),
        Text(
            "comment_template",
            "The template: Jinja ({{ comment }}) or, with syntax = 'legacy' and in "
            "AYON/OpenPype exports, {key} placeholders ({comment}). Rendered once per task "
            "during validation.",
            default="{{ comment }}",
            field="text",
        ),
        Choice(
            "syntax",
            "Template syntax: 'jinja' (a sandbox, undefined names are errors) or 'legacy' "
            "({key} placeholders, a missing key renders empty with a warning). Exports "
            "always use 'legacy' and may not set it.",
            SYNTAXES,
            default="jinja",
        ),
    ],
    build=lambda **fields: CommentTemplate(**fields),
    field="template",
)

SET_STATUS_NOTE = Boolean(
    "set_status_note",
    "Change the task status when the conditions allow; false: post the comment "
    "with the current status.",
    default=True,
)

NOTE_STATUS = Text(
    "note_status_shortname",
    "Short name of the status to set (surrounding spaces are stripped). Checked "
    "against Kitsu, case-insensitively, in validation when set_status_note is true.",
    default="wfa",
    non_empty=True,
)

STATUS_PROFILES = Profiles(
    "status_profiles",
    "Status profiles: per host, task type, task name, product type or product name, "
    "another status, other conditions or another template. Per task, the matching "
    "profile with the most filters applies (the first listed on a tie); no match: this "
    "table applies. A profile matches a task when one of its instances passes every "
    "non-empty filter.",
    [SET_STATUS_NOTE, NOTE_STATUS, STATUS_CONDITIONS_TABLE, TEMPLATE_TABLE, *EXTRAS],
)

NOTE_TABLE = Table(
    "IntegrateKitsuNote",
    "The note posted to each Kitsu task: whether the status changes, and the text.",
    [
        Boolean(
            "enabled",
            "false: the Kitsu plugins do nothing: no target lookup, no login, no "
            "validation, nothing posted.",
            default=True,
        ),
        SET_STATUS_NOTE,
        NOTE_STATUS,
        STATUS_CONDITIONS_TABLE,
        TEMPLATE_TABLE,
        *EXTRAS,
        Boolean(
            "note_per_instance",
            "true: one comment per instance instead of one per task (the older behaviour).",
            default=False,
        ),
        Boolean(
            "require_comment",
            "true: a publish without an artist comment fails validation; false: it is "
            "posted, with a warning in the log.",
            default=False,
        ),
        STATUS_PROFILES,
    ],
)


def _level(name: str, what: str, default: str) -> Choice:
    return Choice(
        name,
        f"{what}: 'error' (nothing is posted when it differs), 'warning' (posted, with "
        "a warning in the log) or 'off' (not checked).",
        LEVELS,
        default=default,
    )


SHOT_TABLE = Table(
    "ValidateKitsuShot",
    "Shot checks: each instance's frame range, frame rate and resolution against its "
    "Kitsu shot, from the records the publish has read (no request of its own). Assets, "
    "and shots without the data, are not checked. See docs/shot-checks.md.",
    [
        Boolean(
            "enabled",
            "Check the instances of the product_types below against their Kitsu shot.",
            default=False,
        ),
        _level(
            "frame_range",
            "frameStart and frameEnd against the shot's data.frame_in and data.frame_out "
            "(handles are outside the cut), or their length against nb_frames when Kitsu "
            "has only that",
            "error",
        ),
        _level(
            "fps",
            "fps against the shot's data.fps, else the project's fps",
            "error",
        ),
        _level(
            "resolution",
            "resolutionWidth x resolutionHeight against the shot's data.resolution, else "
            "the project's resolution",
            "warning",
        ),
        Names(
            "product_types",
            "The product types (families) checked: an instance is checked when its "
            "productType, family or one of its families is listed (case-insensitive).",
            default=("render", "review", "plate", "camera", "animation"),
        ),
    ],
    build=lambda **fields: ShotSettings(**fields),
    field="shot",
)

#: Our own file: the top-level tables.
SETTINGS_FILE = Table(
    "",
    "kitsu-publish settings",
    [
        KITSU_TABLE,
        NOTE_TABLE,
        REVIEW_TABLE,
        SHOT_TABLE,
        Ignored(
            "$schema",
            "The JSON Schema of this file, for editors (e.g. the path of "
            "settings.schema.json); not read.",
            kind="string",
            listed=False,
        ),
    ],
)


def _default(table: Table, name: str) -> Any:
    return table.key(name).default


# --- the values: their defaults are the declared ones -------------------------------------


@dataclass(frozen=True)
class CommentTemplate:
    """The custom comment template; ``enabled = False`` means the plain comment."""

    enabled: bool = _default(TEMPLATE_TABLE, "enabled")
    text: str = _default(TEMPLATE_TABLE, "comment_template")
    syntax: str = _default(TEMPLATE_TABLE, "syntax")


@dataclass(frozen=True)
class ShotSettings:
    """The ``[ValidateKitsuShot]`` table: the shot checks and how much each one weighs."""

    enabled: bool = _default(SHOT_TABLE, "enabled")
    frame_range: str = _default(SHOT_TABLE, "frame_range")  # "error", "warning" or "off"
    fps: str = _default(SHOT_TABLE, "fps")
    resolution: str = _default(SHOT_TABLE, "resolution")
    product_types: tuple[str, ...] = _default(SHOT_TABLE, "product_types")


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
    max_parallel_requests: int = _default(KITSU_TABLE, "max_parallel_requests")
    enabled: bool = _default(NOTE_TABLE, "enabled")
    set_status_note: bool = _default(NOTE_TABLE, "set_status_note")
    note_status_shortname: str = _default(NOTE_TABLE, "note_status_shortname")
    status_conditions: tuple[Condition, ...] = _default(_CONDITIONS, "status_conditions")
    product_type_requirements: tuple[Condition, ...] = _default(
        _CONDITIONS, "product_type_requirements"
    )
    template: CommentTemplate = field(default_factory=CommentTemplate)
    checklist: tuple[str, ...] = _default(NOTE_TABLE, "checklist")
    mentions: tuple[str, ...] = _default(NOTE_TABLE, "mentions")
    attach_report: bool = _default(NOTE_TABLE, "attach_report")
    note_per_instance: bool = _default(NOTE_TABLE, "note_per_instance")
    require_comment: bool = _default(NOTE_TABLE, "require_comment")
    review: ReviewSettings = field(default_factory=ReviewSettings)
    status_profiles: tuple[Profile, ...] = ()
    shot: ShotSettings = field(default_factory=ShotSettings)


def read(data: Any, source: str, spelling: Callable[[str], str] | None = None) -> Settings:
    """Validate decoded data of our own shape: :class:`Settings`, or :class:`SettingsError`
    naming ``source`` and the dotted key (as ``spelling`` writes it)."""
    reader = Reader(source, spelling)
    top = reader.table(data, "")  # a table, not even null: the file's top level
    return Settings(source=source, **SETTINGS_FILE.read(reader, top, ""))
