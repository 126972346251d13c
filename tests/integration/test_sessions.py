"""Whose session is it: the library ends only the sessions it opened.

A token given in KITSU_TOKEN (a farm job's, a wrapper's) is never logged out, so the
same token serves any number of publishes, in a row or in parallel processes. A
session opened with KITSU_LOGIN/KITSU_PWD is logged out when the publish ends, also
when a validator stopped it, and no live session stays in the context data.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import gazu
import kitsu_seed
import pyblish.api
import pytest
from harness import farm_jobs, publish, render

from kitsu_publish.state import state_of

pytestmark = pytest.mark.zou

ROOT = Path(__file__).resolve().parents[2]


def accepted(url: str, token: str) -> bool:
    """Does Kitsu still accept this access token?"""
    client = gazu.client.create_client(url)
    gazu.set_token(token, client=client)
    try:
        gazu.client.get_current_user(client=client)
    except Exception:
        return False
    return True


def token_spy() -> tuple[type, list[str]]:
    """A studio collector that notes the access token of the library's session (in memory)."""
    seen: list[str] = []

    class CollectStudioSpy(pyblish.api.ContextPlugin):
        order = pyblish.api.CollectorOrder + 0.49

        def process(self, context):
            session = state_of(context).session
            if session is not None:
                seen.append(session.session.client.tokens["access_token"])

    return CollectStudioSpy, seen


def test_a_password_session_is_logged_out_when_the_publish_ends(kitsu_env, admin, production):
    spy, seen = token_spy()
    task = production.tasks["shot:Animation"]

    outcome = publish([render(task)], {"comment": "logged out after"}, [spy])

    assert outcome.errors() == []
    assert [c["text"] for c in kitsu_seed.comments(admin, task)] == ["logged out after"]
    assert len(seen) == 1 and accepted(kitsu_env.url, seen[0]) is False
    assert state_of(outcome.context).session is None


def test_a_password_session_is_logged_out_when_validation_stops_the_publish(
    kitsu_env, admin, production
):
    spy, seen = token_spy()

    class ValidateStudioScene(pyblish.api.ContextPlugin):
        order = pyblish.api.ValidatorOrder + 0.1

        def process(self, context):
            raise ValueError("the scene has unsaved changes")

    task = production.tasks["shot:Animation"]
    outcome = publish([render(task)], {"comment": "never"}, [spy, ValidateStudioScene])

    assert outcome.error_of("ValidateStudioScene")
    assert "IntegrateKitsuNote" not in outcome.ran()
    assert kitsu_seed.comments(admin, task) == []
    assert len(seen) == 1 and accepted(kitsu_env.url, seen[0]) is False
    assert state_of(outcome.context).session is None


def test_a_given_token_serves_five_publishes_in_a_row(zou, admin, production, monkeypatch):
    token = kitsu_seed.person_token(zou.url, zou.email, zou.password)
    monkeypatch.setenv("KITSU_SERVER", zou.url)
    monkeypatch.setenv("KITSU_TOKEN", token)
    task = production.tasks["shot:Animation"]

    for number in range(5):
        outcome = publish([render(task)], {"comment": f"farm frame {number}"})
        assert outcome.errors() == []

    assert sorted(c["text"] for c in kitsu_seed.comments(admin, task)) == [
        f"farm frame {n}" for n in range(5)
    ]
    assert accepted(zou.url, token) is True


def test_one_token_shared_by_ten_parallel_farm_processes(zou, admin, production):
    token = kitsu_seed.person_token(zou.url, zou.email, zou.password)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KITSU_", "PYBLISH"))}
    env.update(KITSU_SERVER=zou.url, KITSU_TOKEN=token)
    tasks = [production.tasks["shot:Animation"], production.tasks["shot:Lighting"]]
    results = farm_jobs(env, [(tasks[n % 2], f"frame range {n}") for n in range(10)])

    assert [r["errors"] for r in results] == [[]] * 10
    assert all(r["notes"][0]["outcome"] == "posted" for r in results)
    texts = sorted(c["text"] for t in tasks for c in kitsu_seed.comments(admin, t))
    assert texts == sorted(f"frame range {n}" for n in range(10))
    assert token not in json.dumps(results)
    assert accepted(zou.url, token) is True
