"""gazu's failures become kitsu-publish errors with every gazu version we claim.

gazu's exception classes changed over its releases (a common base only since 1.2, a
malformed token a 401 before 1.1.12 and a 422 after); with the oldest and the newest
gazu (see tools/constraints-oldest.txt), a refused request must still end as one of our
errors, never as an AttributeError or a raw gazu exception.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import kitsu_seed  # tools/ is on sys.path: see tests/conftest.py
import pytest

from kitsu_publish import settings
from kitsu_publish.errors import AuthenticationFailed, KitsuError, PostFailed, TargetError
from kitsu_publish.kitsu import Connection, connect
from kitsu_publish.model import Target, TaskInfo

pytestmark = pytest.mark.zou


@pytest.fixture
def session(zou: kitsu_seed.Zou) -> Iterator[Connection]:
    env = {"KITSU_SERVER": zou.url, "KITSU_LOGIN": zou.email, "KITSU_PWD": zou.password}
    opened = connect(settings.Settings(), env)
    yield opened
    opened.close()


def test_posting_to_a_task_that_is_gone_is_a_post_failure(session: Connection) -> None:
    gone = TaskInfo(str(uuid.uuid4()), "P", "E", "Animation", "todo")
    with pytest.raises(PostFailed) as failed:
        session.post(gone, "wfa", "a comment for nobody")
    assert failed.value.outcome == "not posted"


def test_reading_a_task_that_is_gone_is_a_target_error(session: Connection) -> None:
    with pytest.raises(TargetError):
        session.resolve(Target("instance", task_id=str(uuid.uuid4())), "render")


def test_a_refused_token_is_an_authentication_failure_naming_the_variable(
    zou: kitsu_seed.Zou,
) -> None:
    env = {"KITSU_SERVER": zou.url, "KITSU_TOKEN": "not-a-jwt"}

    with pytest.raises(AuthenticationFailed) as failed:
        connect(settings.Settings(), env)

    assert "KITSU_TOKEN" in str(failed.value)
    assert "not-a-jwt" not in str(failed.value)


def test_a_wrong_password_is_an_authentication_failure(zou: kitsu_seed.Zou) -> None:
    env = {"KITSU_SERVER": zou.url, "KITSU_LOGIN": zou.email, "KITSU_PWD": "wrong-password"}

    with pytest.raises(KitsuError) as failed:
        connect(settings.Settings(), env)

    assert isinstance(failed.value, AuthenticationFailed)
