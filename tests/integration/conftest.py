"""Integration fixtures: a real Zou server on loopback and real pyblish publishes.

The server comes from tools/start-zou.sh (idempotent: it reuses a running server). Set
ZOU_URL, ZOU_ADMIN_EMAIL and ZOU_ADMIN_PASSWORD to use a server started elsewhere.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import kitsu_seed  # noqa: E402


@pytest.fixture(scope="session")
def zou() -> kitsu_seed.Zou:
    """The loopback Kitsu server; started by tools/start-zou.sh unless ZOU_URL is set."""
    if not os.environ.get("ZOU_URL"):
        done = subprocess.run(
            ["bash", str(ROOT / "tools" / "start-zou.sh")],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        if done.returncode:
            pytest.fail(f"tools/start-zou.sh failed:\n{done.stdout[-3000:]}", pytrace=False)
    return kitsu_seed.Zou.from_env()


@pytest.fixture(scope="session")
def admin(zou: kitsu_seed.Zou) -> Any:
    """A gazu client logged in as the server's admin, for seeding and reading back."""
    return zou.client()


@pytest.fixture
def production(admin: Any) -> kitsu_seed.Production:
    """A fresh project for this test: an asset, a shot, an episode shot and their tasks."""
    return kitsu_seed.seed(admin)


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
