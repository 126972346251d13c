"""Integration fixtures: a real Zou server on loopback and real pyblish publishes.

The server itself comes from the ``zou`` fixture of tests/conftest.py.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

import kitsu_seed  # tools/ is on sys.path: see tests/conftest.py
import pytest


@pytest.fixture
def production(admin: Any) -> kitsu_seed.Production:
    """A fresh project for this test: an asset, a shot, an episode shot and their tasks."""
    return kitsu_seed.seed(admin)


@pytest.fixture
def artist(
    zou: kitsu_seed.Zou,
    admin: Any,
    production: kitsu_seed.Production,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[kitsu_seed.Person]:
    """A real Artist (Kitsu role ``user``, not an admin) in the production's team and
    assigned to every one of its tasks, whose login is in the environment; retired after
    the test (Zou counts active people)."""
    person = kitsu_seed.new_person(
        admin, "user", project=production.project, assign=list(production.tasks.values())
    )
    monkeypatch.setenv("KITSU_SERVER", zou.url)
    monkeypatch.setenv("KITSU_LOGIN", person.email)
    monkeypatch.setenv("KITSU_PWD", person.password)
    yield person
    kitsu_seed.retire(admin, person.id)


@pytest.fixture
def kitsu_env(zou: kitsu_seed.Zou, monkeypatch: pytest.MonkeyPatch) -> kitsu_seed.Zou:
    """The artist's environment: server and login of the loopback Kitsu."""
    monkeypatch.setenv("KITSU_SERVER", zou.url)
    monkeypatch.setenv("KITSU_LOGIN", zou.email)
    monkeypatch.setenv("KITSU_PWD", zou.password)
    return zou


@pytest.fixture
def settings_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Path]:
    """Write a settings file and point KITSU_PUBLISH_SETTINGS at it."""

    def write(text: str, name: str = "kitsu.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        monkeypatch.setenv("KITSU_PUBLISH_SETTINGS", str(path))
        return path

    return write


@pytest.fixture
def raised() -> Callable[[Any, str], BaseException]:
    """``raised(outcome, "Plugin")``: the error that plugin raised in a harness publish.

    For assertions on the error's fields (``SettingsError.source`` / ``.key``,
    ``TargetError.instance``, ``ServerFailed.status``, ``PostFailed.outcome``) rather than
    on its whole message; ``outcome.error_of`` gives the message.
    """

    def find(outcome: Any, plugin: str) -> BaseException:
        found = [
            r["error"]
            for r in outcome.results
            if r["error"] is not None and r["plugin"].__name__ == plugin
        ]
        assert found, f"{plugin} did not fail; errors: {outcome.errors()}"
        return found[0]

    return find


class Reliability:
    """Rows for docs/reliability.md, written by the fault and load tests themselves.

    Written to $KITSU_RELIABILITY_OUT/<name>.json at the end of the session when that
    variable names a directory (tools/reliability_report.py turns them into the page);
    otherwise kept in memory only.
    """

    def __init__(self) -> None:
        self.tables: dict[str, list[dict[str, Any]]] = {}

    def add(self, table: str, **row: Any) -> None:
        self.tables.setdefault(table, []).append(row)

    def write(self) -> None:
        out = os.environ.get("KITSU_RELIABILITY_OUT", "")
        if not out or not self.tables:
            return
        Path(out).mkdir(parents=True, exist_ok=True)
        for table, rows in self.tables.items():
            path = Path(out) / f"{table}.json"
            path.write_text(json.dumps(rows, indent=1), encoding="utf-8")


@pytest.fixture(scope="session")
def reliability() -> Iterator[Reliability]:
    recorder = Reliability()
    yield recorder
    recorder.write()
