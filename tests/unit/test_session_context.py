"""The person's context (``Session.fetch_context`` and ``learn_context``): no server.

The route's answer is stubbed; what is pinned is what the session keeps of it.
"""

from __future__ import annotations

import contextlib
from types import SimpleNamespace
from typing import Any

import gazu
import pytest

from kitsu_publish.errors import KitsuError
from kitsu_publish.kitsu.session import Session

STATUSES = [{"id": "s1", "short_name": "wfa", "name": "Waiting For Approval"}]
TASK_TYPES = [{"id": "t1", "name": "Animation"}]


def session(person: dict[str, Any], answer: Any, monkeypatch: pytest.MonkeyPatch) -> Session:
    transport = SimpleNamespace(url="http://kitsu.test/api", client=None, parallel=1)
    transport.calling = lambda *what: contextlib.nullcontext()
    made = Session(transport)
    made.person = person

    def get(route: str, what: str) -> Any:
        assert route == "data/user/context"
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(made, "get", get)
    monkeypatch.setattr(gazu.task, "all_task_statuses", lambda client=None: STATUSES)
    return made


def test_a_context_without_statuses_gets_them_read_alone_and_keeps_the_rest(monkeypatch):
    made = session({"role": "user"}, {"task_types": TASK_TYPES}, monkeypatch)
    made.statuses()
    assert made.records["status"] == {"s1": STATUSES[0]}
    assert made.records["task_type"] == {"t1": TASK_TYPES[0]}
    assert {"status", "task_type"} <= made.records.complete


@pytest.mark.parametrize("answer", [KitsuError("refused"), {}])
def test_a_refused_or_empty_context_reads_the_statuses_alone(answer, monkeypatch):
    made = session({"role": "user"}, answer, monkeypatch)
    assert made.statuses() == STATUSES
    assert "task_type" not in made.records.complete


def test_an_admin_reads_the_statuses_alone(monkeypatch):
    made = session({"role": "admin"}, AssertionError("an admin reads no context"), monkeypatch)
    assert made.fetch_context() == {"task_status": STATUSES}
