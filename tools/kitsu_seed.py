"""Seed a throwaway Kitsu (Zou) with a small production, and read it back.

Used by the integration tests and the demo. It talks to the server as the admin with
its own gazu client; it is test tooling, not part of the library (the library's only
door to gazu is ``kitsu_publish.kitsu``).
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gazu

ZOU_ENV_FILE = Path(os.environ.get("ZOU_ROOT", "/tmp/kitsu-zou")) / "zou.env"


@dataclass
class Zou:
    """Where the throwaway server is and how to log in as its admin."""

    url: str
    email: str
    password: str

    @classmethod
    def from_env(cls) -> Zou:
        """From ZOU_URL/ZOU_ADMIN_EMAIL/ZOU_ADMIN_PASSWORD, or the file start-zou.sh writes."""
        values = dict(os.environ)
        if "ZOU_URL" not in values and ZOU_ENV_FILE.is_file():
            for line in ZOU_ENV_FILE.read_text().splitlines():
                key, _, value = line.removeprefix("export ").partition("=")
                values.setdefault(key.strip(), value.strip())
        return cls(values["ZOU_URL"], values["ZOU_ADMIN_EMAIL"], values["ZOU_ADMIN_PASSWORD"])

    def client(self) -> Any:
        client = gazu.client.create_client(self.url)
        gazu.log_in(self.email, self.password, client=client)
        return client


@dataclass
class Production:
    """Ids of one seeded project: an asset, a sequence shot and an episode shot."""

    project: str
    asset: str  # asset name
    shot_path: str  # SEQ/SHOT
    episode_shot_path: str  # EP/SEQ/SHOT
    tasks: dict[str, str]  # "asset:Modeling", "shot:Animation", "shot:Lighting", "ep:Animation"


def seed(client: Any, name: str = "") -> Production:
    """Create a project (tv show) with one asset, one shot, one episode shot, and tasks."""
    name = name or f"Test {uuid.uuid4().hex[:8]}"
    project = gazu.project.new_project(name, production_type="tvshow", client=client)
    asset_type = gazu.asset.get_asset_type_by_name("Character", client=client)
    if asset_type is None:
        asset_type = gazu.asset.new_asset_type("Character", client=client)
    types = {t["name"]: t for t in gazu.task.all_task_types(client=client)}

    episode = gazu.shot.new_episode(project, "EP01", client=client)
    sequence = gazu.shot.new_sequence(project, "SQ010", episode=episode, client=client)
    shot = gazu.shot.new_shot(project, sequence, "SH010", client=client)
    asset = gazu.asset.new_asset(project, asset_type, "Fox", client=client)
    other_sequence = gazu.shot.new_sequence(project, "SQ020", client=client)
    other_shot = gazu.shot.new_shot(project, other_sequence, "SH020", client=client)

    todo = gazu.task.get_default_task_status(client=client)  # gazu < 0.10.16 forgets client=

    def task(entity: dict[str, Any], type_name: str) -> str:
        created = gazu.task.new_task(entity, types[type_name], task_status=todo, client=client)
        return created["id"]  # type: ignore[no-any-return]

    return Production(
        project=name,
        asset="Fox",
        shot_path="SQ020/SH020",
        episode_shot_path="EP01/SQ010/SH010",
        tasks={
            "asset:Modeling": task(asset, "Modeling"),
            "shot:Animation": task(other_shot, "Animation"),
            "shot:Lighting": task(other_shot, "Lighting"),
            "ep:Animation": task(shot, "Animation"),
        },
    )


def status(client: Any, task_id: str) -> str:
    """The task's current status short name, read from the server."""
    return gazu.task.get_task(task_id, client=client)["task_status"]["short_name"]  # type: ignore[no-any-return]


def comments(client: Any, task_id: str) -> list[dict[str, Any]]:
    """The task's comments, oldest first."""
    found = gazu.task.all_comments_for_task(task_id, client=client)
    return sorted(found, key=lambda c: c["created_at"])


def set_status(client: Any, task_id: str, short_name: str) -> None:
    """Put a task in a status (by posting an empty comment, as Kitsu does)."""
    task_status = gazu.task.get_task_status_by_short_name(short_name, client=client)
    gazu.task.add_comment(task_id, task_status, "", client=client)
