"""One publish's state: the run options, what collection found, what was planned and
posted, kept in one typed object on the pyblish context (``context.data["kitsuPublish"]``).

The public keys of the data contract (``kitsuTask``, ``kitsuComment``, ``kitsuNotes``,
``kitsuTaskUrl``, ``kitsuSettableStatuses``) are still written where they were; this
object replaces the library's private value/error key pairs. Pure: no pyblish, no gazu.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from .errors import KitsuPublishError
from .model import Member, NoteRecord, Target, TaskInfo
from .settings import Settings

if TYPE_CHECKING:
    from .kitsu.protocol import KitsuSession
    from .plan import NotePlan
    from .review import Split

__all__ = [
    "ENV_DRY_RUN",
    "ENV_ON_BEHALF_OF",
    "KEY",
    "Item",
    "PublishState",
    "RunOptions",
    "state_of",
]

#: The context data key of the publish state.
KEY = "kitsuPublish"
#: ``1``, ``true``, ``yes`` or ``on``: log the notes and media, post nothing.
ENV_DRY_RUN = "KITSU_PUBLISH_DRY_RUN"
#: A farm job's: the Kitsu person id of the artist its notes are posted for.
ENV_ON_BEHALF_OF = "KITSU_PUBLISH_ON_BEHALF_OF"

Connect = Callable[[Settings], "KitsuSession"]


def dry_run_from(environ: Mapping[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    return env.get(ENV_DRY_RUN, "").strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class RunOptions:
    """How this publish runs; the CLI and tests pass them, a DCC takes the environment.

    ``connect`` opens the door to Kitsu (default: :func:`kitsu_publish.kitsu.connect`);
    the fast tests give a fake Kitsu here. ``settings_file`` is read instead of the
    file ``KITSU_PUBLISH_SETTINGS`` names.
    """

    dry_run: bool = False
    connect: Connect | None = None
    settings_file: str | None = None  # instead of KITSU_PUBLISH_SETTINGS
    on_behalf_of: str | None = None  # a farm job's artist (KITSU_PUBLISH_ON_BEHALF_OF)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> RunOptions:
        env = os.environ if environ is None else environ
        person = env.get(ENV_ON_BEHALF_OF, "").strip() or None
        return cls(dry_run=dry_run_from(env), on_behalf_of=person)


@dataclass
class Item:
    """One instance's part: its target, its task, or why it has none."""

    target: Target | None = None
    error: KitsuPublishError | None = None
    task: TaskInfo | None = None


@dataclass
class PublishState:
    """Everything the Kitsu plugins keep between the steps of one publish."""

    options: RunOptions = field(default_factory=RunOptions.from_environment)
    settings: Settings | None = None
    settings_error: KitsuPublishError | None = None
    session: KitsuSession | None = None
    session_error: KitsuPublishError | None = None
    #: id(instance) -> (instance, its Item); the instance is kept so the id stays its own
    items: dict[int, tuple[Any, Item]] = field(default_factory=dict)
    #: the active instances grouped by task, as the last validation or integration saw them
    groups: list[tuple[TaskInfo, tuple[Member, ...]]] | None = None
    #: (task id, instance names) -> the note planned (or posted) by the note integrator
    planned: dict[tuple[str, tuple[str, ...]], NotePlan] = field(default_factory=dict)
    notes: list[NoteRecord] = field(default_factory=list)
    #: (task id, instance names) -> a note's review media (previews, and those attached
    #: to it), and its playlist name; worked out in validation
    media: dict[tuple[str, tuple[str, ...]], Split] = field(default_factory=dict)
    playlists: dict[tuple[str, tuple[str, ...]], str] = field(default_factory=dict)

    def item(self, instance: Any) -> Item:
        """The instance's Item (an empty one for an instance collection never saw)."""
        found = self.items.get(id(instance))
        if found is None or found[0] is not instance:
            found = (instance, Item())
            self.items[id(instance)] = found
        return found[1]

    def note(self, task_id: str) -> NoteRecord | None:
        return next((n for n in self.notes if n.task.id == task_id), None)


def state_of(context: Any) -> PublishState:
    """The publish's state on this context (an empty one before collection)."""
    state = context.data.get(KEY)
    if not isinstance(state, PublishState):
        state = PublishState()
        context.data[KEY] = state
    return state
