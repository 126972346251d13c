"""No password or token in any log record, at DEBUG, nor in errors or results."""

from __future__ import annotations

import gc
import logging
from typing import Any

import gazu
import pytest
from harness import Outcome, publish


def everything_logged(outcome: Outcome, caplog: pytest.LogCaptureFixture) -> str:
    """Every text a log handler, a GUI or a caller could see from this publish."""
    texts = []
    for record in [*caplog.records, *outcome.records]:
        texts.append(record.getMessage())
        texts.append(str(record.__dict__))
        if record.exc_info:
            texts.append(logging.Formatter().formatException(record.exc_info))
    texts += [message for _, message in outcome.errors()]
    texts.append(repr(outcome.notes))
    texts.append(repr({k: v for k, v in outcome.context.data.items() if k != "results"}))
    return "\n".join(texts)


def render(task_id: str) -> dict:
    return {"name": "renderMain", "productType": "render", "kitsuTaskId": task_id}


@pytest.mark.zou
def test_password_never_logged_at_debug(kitsu_env, production, caplog):
    caplog.set_level(logging.DEBUG)
    logging.getLogger("gazu").setLevel(logging.DEBUG)

    outcome = publish([render(production.tasks["shot:Animation"])], {"comment": "c"})

    assert outcome.errors() == []
    logged = everything_logged(outcome, caplog)
    assert "POST" in logged  # DEBUG traffic was captured: the check below means something
    assert kitsu_env.password not in logged


@pytest.mark.zou
def test_wrong_password_never_logged(kitsu_env, production, caplog, monkeypatch):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("KITSU_PWD", "Wr0ng-but-s3cret")

    outcome = publish([render(production.tasks["shot:Animation"])], {"comment": "c"})

    assert outcome.errors()
    assert "Wr0ng-but-s3cret" not in everything_logged(outcome, caplog)


@pytest.mark.zou
def test_token_never_logged(kitsu_env, zou, production, caplog, monkeypatch):
    client = gazu.client.create_client(zou.url)
    token = gazu.log_in(zou.email, zou.password, client=client)["access_token"]
    monkeypatch.delenv("KITSU_LOGIN")
    monkeypatch.delenv("KITSU_PWD")
    monkeypatch.setenv("KITSU_TOKEN", token)
    caplog.set_level(logging.DEBUG)

    outcome = publish([render(production.tasks["shot:Animation"])], {"comment": "by token"})

    assert outcome.errors() == []
    assert outcome.notes[0]["posted"] is True
    assert token not in everything_logged(outcome, caplog)


def test_gazu_records_carrying_a_secret_are_redacted_while_a_session_is_open(
    caplog: Any,
):
    from kitsu_publish.kitsu.transport import Transport

    caplog.set_level(logging.DEBUG)
    transport = Transport("http://127.0.0.1:9/api", (1.0, 1.0), 2.0, 5.0, ["hunter2-secret"])
    try:
        logging.getLogger("gazu").debug("Body: %s", {"password": "hunter2-secret"})
    finally:
        transport.release()
    logging.getLogger("gazu").debug("after close: %s", "hunter2-secret")

    messages = [r.getMessage() for r in caplog.records if r.name == "gazu"]
    assert messages[0] == "Body: {'password': '***'}"
    # Once the session is closed its secret is no longer tracked.
    assert messages[1] == "after close: hunter2-secret"


@pytest.mark.zou
def test_a_session_nobody_closed_releases_its_secret_when_collected(kitsu_env):
    """A validator that stops the publish means the integrator never closes the session."""
    from kitsu_publish import kitsu
    from kitsu_publish.kitsu import transport
    from kitsu_publish.settings import Settings

    session = kitsu.connect(Settings())
    assert session.user == kitsu_env.email
    assert kitsu_env.password in transport._REDACT.secrets

    del session
    gc.collect()

    assert kitsu_env.password not in transport._REDACT.secrets


@pytest.mark.zou
def test_cli_online_check_against_the_real_server(kitsu_env, tmp_path, capsys):
    from kitsu_publish import cli

    good = tmp_path / "good.toml"
    good.write_text("[IntegrateKitsuNote]\nnote_status_shortname = 'WFA'\n", encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text("[IntegrateKitsuNote]\nnote_status_shortname = 'nope'\n", encoding="utf-8")

    assert cli.main(["check", "--online", str(good)]) == 0
    assert f"logged in as {kitsu_env.email}" in capsys.readouterr().out
    assert cli.main(["check", "--online", str(bad)]) == 1
    captured = capsys.readouterr()
    assert "no task status with short name 'nope'" in captured.err
    assert kitsu_env.password not in captured.out + captured.err
