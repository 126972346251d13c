"""From publish data to what would be posted: one :class:`NotePlan` per Kitsu task.

Pure: reads plain mappings (instance data, context data, the environment) and the
task facts that :mod:`kitsu_publish.kitsu` resolved; imports neither pyblish nor gazu.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Callable

from . import extras, profiles, review, rules, shots, template, text
from .errors import TargetError, shorten
from .model import Member, Target, TaskInfo
from .settings import Settings
from .settings.profiles import Profile

__all__ = [
    "TARGET_KEYS",
    "Entry",
    "Group",
    "NotePlan",
    "build_note",
    "find_target",
    "group_by_task",
    "instance_name",
    "is_active",
    "is_submitted",
    "member_of",
    "notes_of",
    "plan_notes",
    "tasks_of",
    "user_name",
]

#: (data key, environment variable) of every Kitsu target key, in priority order.
TARGET_KEYS: tuple[tuple[str, str], ...] = (
    ("kitsuTaskId", "KITSU_TASK_ID"),
    ("kitsuProject", "KITSU_PROJECT"),
    ("kitsuEntity", "KITSU_ENTITY"),
    ("kitsuTaskType", "KITSU_TASK_TYPE"),
)


@dataclass(frozen=True)
class NotePlan:
    """What is (or would be) posted to one task; ``settings``: the note's own (the
    deciding status profile's, else the note table's). ``checklist`` and ``links`` ride
    on the comment POST; ``mentions``: the names the text ends with (``@Name``);
    ``media_attached``: review media attached instead of previews (``media_reason``)."""

    task: TaskInfo
    members: tuple[Member, ...]
    decision: rules.Decision
    text: str
    profile: Profile | None = None
    settings: Settings = field(default_factory=Settings, compare=False, repr=False)
    checklist: tuple[extras.CheckItem, ...] = ()
    links: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    attachments: tuple[extras.Attachment, ...] = ()
    report: str = ""  # the publish report attached (attach_report); empty: none
    media_attached: tuple[extras.Attachment, ...] = ()
    media_reason: str = ""

    def extras(self) -> dict[str, Any]:
        """The comment's fields besides text and status, as Zou's route takes them
        (only those the note has)."""
        found: dict[str, Any] = {}
        if self.checklist:
            found["checklist"] = [item.as_data() for item in self.checklist]
        if self.links:
            found["links"] = list(self.links)
        return found

    def summary(self) -> str:
        names = ", ".join(m.name for m in self.members)
        return (
            f"{self.task.label}: "
            f"status '{self.decision.status_before}' -> '{self.decision.status_after}' "
            f"for [{names}]"
        )


def _text(value: Any, key: str, level: str, instance_name: str) -> str:
    """A target value as text; None and blanks are absent, other types are an error."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TargetError(
            f"{key} at {level} level must be text, found {type(value).__name__} {shorten(value)}",
            instance_name,
        )
    return value.strip()


def find_target(
    instance_data: Mapping[str, Any],
    context_data: Mapping[str, Any],
    environ: Mapping[str, str] | None = None,
    instance_name: str = "",
) -> Target | None:
    """The instance's Kitsu target, or None when nothing targets Kitsu.

    The first level with any target key wins (instance, context, environment); within a
    level a task id wins over names, and names must then be complete.
    """
    env = os.environ if environ is None else environ
    levels = (
        ("instance", lambda data_key, _env: instance_data.get(data_key)),
        ("context", lambda data_key, _env: context_data.get(data_key)),
        ("environment", lambda _data, env_key: env.get(env_key)),
    )
    for level, read in levels:
        values = {
            data_key: _text(read(data_key, env_key), data_key, level, instance_name)
            for data_key, env_key in TARGET_KEYS
        }
        if not any(values.values()):
            continue
        if values["kitsuTaskId"]:
            return Target(level, task_id=values["kitsuTaskId"])
        missing = [
            f"{data_key} ({env_key})" if level == "environment" else data_key
            for data_key, env_key in TARGET_KEYS[1:]
            if not values[data_key]
        ]
        if missing:
            raise TargetError(
                f"the Kitsu target at {level} level is incomplete: missing "
                f"{', '.join(missing)}. Give kitsuTaskId, or all of kitsuProject, "
                "kitsuEntity and kitsuTaskType at the same level",
                instance_name,
            )
        return Target(
            level,
            project=values["kitsuProject"],
            entity=values["kitsuEntity"],
            task_type=values["kitsuTaskType"],
        )
    return None


def member_of(instance_data: Mapping[str, Any], context_comment: Any, name: str) -> Member:
    """The facts of one instance a note needs; the comment is read now, not cached."""
    comment = instance_data.get("comment")
    if not (isinstance(comment, str) and comment.strip()):
        comment = context_comment if isinstance(context_comment, str) else ""
    product_type = instance_data.get("productType") or instance_data.get("family") or ""
    return Member(
        name=str(instance_data.get("productName") or instance_data.get("name") or name),
        product_type=str(product_type),
        version=_as_int(instance_data.get("version")),
        comment=comment.strip(),
        data=instance_data,
        farm=bool(instance_data.get("farm")),
    )


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = str(value).strip().lstrip("vV")
    return int(text) if text.isdecimal() else None


def group_by_task(
    pairs: Iterable[tuple[str, Member]], per_instance: bool = False
) -> list[tuple[str, tuple[Member, ...]]]:
    """Group (task id, member) pairs in publish order; one group per task.

    With ``per_instance`` every member is its own group (the old one-comment-per-instance
    behaviour).
    """
    if per_instance:
        return [(task_id, (member,)) for task_id, member in pairs]
    groups: dict[str, list[Member]] = {}
    for task_id, member in pairs:
        groups.setdefault(task_id, []).append(member)
    return [(task_id, tuple(members)) for task_id, members in groups.items()]


#: One active instance of a publish, as the plan needs it: its task (as read from
#: Kitsu), its raw data and its name.
Entry = tuple[TaskInfo, Mapping[str, Any], str]
#: The members of one note and their task.
Group = tuple[TaskInfo, tuple[Member, ...]]


def tasks_of(
    settings: Settings,
    entries: Iterable[Entry],
    context_comment: Any,
    hosts: Sequence[str] = (),
) -> list[Group]:
    """The publish's instances grouped by task (one group per task, or per instance with
    ``note_per_instance``), in publish order, each group with its task. Instances sent
    to the farm stay in a group only when a ``farm = true`` profile matches them
    (:func:`kitsu_publish.profiles.submission`); a group left empty is dropped."""
    tasks: dict[str, TaskInfo] = {}
    pairs = []
    for task, data, name in entries:
        tasks[task.id] = task
        pairs.append((task.id, member_of(data, context_comment, name)))
    found = []
    for task_id, members in group_by_task(pairs, settings.note_per_instance):
        kept = profiles.submission(settings, hosts, tasks[task_id], members)
        if kept:
            found.append((tasks[task_id], kept))
    return found


def plan_notes(
    settings: Settings,
    entries: Iterable[Entry],
    context_comment: Any,
    host: str = "",
    user: str = "",
    warn: Callable[[str], None] | None = None,
    hosts: Sequence[str] = (),
) -> list[NotePlan]:
    """Every note of a publish in one call: group by task, decide, render, check."""
    groups = tasks_of(settings, entries, context_comment, hosts)
    return notes_of(settings, groups, host, user, warn, hosts=hosts)


def notes_of(
    settings: Settings,
    groups: Iterable[Group],
    host: str = "",
    user: str = "",
    warn: Callable[[str], None] | None = None,
    tasks: Mapping[str, TaskInfo] | None = None,
    hosts: Sequence[str] = (),
    media: Sequence[review.Split | None] = (),
) -> list[NotePlan]:
    """One note per group of :func:`tasks_of`; ``tasks`` (by id, read fresh) replace the
    groups' tasks as collected; ``hosts``: what status profiles' host_names match;
    ``media``: each group's review media, as validation worked them out."""
    fresh, found = tasks or {}, list(groups)
    split = [*media, *[None] * (len(found) - len(media))]
    return [
        build_note(settings, fresh.get(t.id, t), m, host, user, warn, hosts, s)
        for (t, m), s in zip(found, split)
    ]


def instance_name(data: Mapping[str, Any], fallback: str) -> str:
    """How messages name an instance: its product name, its name, else ``fallback``."""
    return str(data.get("productName") or data.get("name") or fallback)


def is_active(data: Mapping[str, Any]) -> bool:
    """Does the instance take part in this publish's notes? Not switched off, not farm."""
    return data.get("publish", True) is not False and not data.get("farm")


def is_submitted(data: Mapping[str, Any]) -> bool:
    """Is the instance switched on and sent to the farm by this publish?"""
    return data.get("publish", True) is not False and bool(data.get("farm"))


def user_name(context_data: Mapping[str, Any]) -> str:
    """The ``user`` templates see: the context's, else the login name (or nothing)."""
    user = context_data.get("user")
    if user:
        return str(user)
    try:
        return getpass.getuser()
    except Exception:  # no login name in some farm environments
        return ""


def build_note(
    settings: Settings,
    task: TaskInfo,
    members: Sequence[Member],
    host: str = "",
    user: str = "",
    warn: Callable[[str], None] | None = None,
    hosts: Sequence[str] = (),
    media: review.Split | None = None,
) -> NotePlan:
    """Choose the status profile, decide the status and render the text of one task's
    note (``settings``: the note table's, with its profiles; ``media``: its review
    media, some maybe attached to it).

    The artists' comments, joined or as the templates' ``comment``, keep their single
    line breaks in Kitsu (:func:`kitsu_publish.text.hard_breaks`). Raises
    :class:`TemplateError` when a member's comment or the note holds text Kitsu cannot
    store (:func:`kitsu_publish.text.check_text`); warns once when the note has
    hashtags that make Kitsu post it to other tasks too.
    """
    table = settings
    settings, profile = profiles.settings_for(table, hosts, task, members)
    decision = rules.decide(settings, task.status, (m.product_type for m in members))
    if profile is not None:
        decision = replace(decision, reason=f"{profile.describe()}: {decision.reason}")
    elif table.status_profiles:
        decision = replace(decision, reason=f"no status profile matches: {decision.reason}")
    names = ", ".join(m.name for m in members)
    owner = f"task {task.label}, instances {names}"
    for member in members:
        text.check_text(member.comment, "comment", f"instance '{member.name}'")
    if settings.template.enabled:
        note = template.render(
            settings.template.text,
            settings.template.syntax,
            _variables(task, members, decision, host, user, settings.template.syntax),
            warn,
            where=owner,
        )
        field_name = "rendered note"
    else:
        comments = dict.fromkeys(text.hard_breaks(m.comment) for m in members if m.comment)
        note = "\n\n".join(comments)
        field_name = "note (the instances' comments joined)"
    if settings.mentions:  # wanted mentions, never escaped: they end the note (see extras)
        note = "\n\n".join(filter(None, (note, extras.mention_line(settings.mentions))))
    text.check_text(note, field_name, owner)
    if warn is not None:
        _warn_hashtags(note, task, warn)
    more = extras.gather(settings, task.label, members, user, media)
    return NotePlan(task, tuple(members), decision, note, profile, settings, **more)


def _warn_hashtags(note: str, task: TaskInfo, warn: Callable[[str], None]) -> None:
    """One warning when Zou would copy the note to the entity's other tasks."""
    own = task.task_type.lower()
    tags = [tag for tag in text.hashtags(note) if tag != own]
    if not tags:
        return
    hint = "to show a '#' without this, use the md filter or write \\#<span></span>"
    if tags == ["all"]:
        warn(
            f"task {task.label}: the note contains #all, so Kitsu will also post it to "
            f"every other task of {task.entity}; {hint}"
        )
        return
    listed = ", ".join(f"#{tag}" for tag in tags)
    tasks = " and ".join(f"'{tag}'" for tag in tags)
    what = "task if it has one" if len(tags) == 1 else "tasks, those it has"
    warn(
        f"task {task.label}: the note contains {listed}, so it would also be posted to "
        f"the entity's {tasks} {what}; {hint}"
    )


def _variables(
    task: TaskInfo,
    members: Sequence[Member],
    decision: rules.Decision,
    host: str,
    user: str,
    syntax: str,
) -> dict[str, Any]:
    first = members[0]
    # Templates read plain copies: no live objects whose methods they could call.
    plain = [template.plain_data(m.data) for m in members]
    shot = shots.kitsu_shot(task)  # the project's name with its values; the shot's own
    variables: dict[str, Any] = {
        "comment": text.hard_breaks(first.comment),
        "version": first.version,
        "product_type": first.product_type,
        "family": first.product_type,
        "name": first.name,
        "project": shots.project_variable(task, shot),
        "shot": shots.shot_variable(shot),
        "entity": task.entity,
        "task_type": task.task_type,
        "status_before": decision.status_before,
        "status_after": decision.status_after,
        "host": host,
        "user": user,
        "instances": [
            {
                "name": m.name,
                "product_type": m.product_type,
                "family": m.product_type,
                "version": m.version,
                "comment": text.hard_breaks(m.comment),
                "farm": m.farm,
                "data": data,
            }
            for m, data in zip(members, plain)
        ],
        "data": plain[0],
    }
    if syntax == "legacy":
        # The old integrations looked keys up in instance.data; ours win where both exist.
        first_data = plain[0] if isinstance(plain[0], dict) else {}
        return {**first_data, **variables}
    return variables
